using System.Text.Json.Serialization;
using Tally.Server.Contracts;
using Tally.Server.Features.Accounts;
using Tally.Server.Features.ApiKeys;
using Tally.Server.Features.Batch;
using Tally.Server.Features.Catalog;
using Tally.Server.Features.Charges;
using Tally.Server.Features.ClientTokens;
using Tally.Server.Features.Entries;
using Tally.Server.Features.Grants;
using Tally.Server.Features.Holds;
using Tally.Server.Features.Transfers;

namespace Tally.Server.Http;

/// <summary>Source-generated (de)serialization for every wire type: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AccountDto))]
[JsonSerializable(typeof(BalanceResponse))]
[JsonSerializable(typeof(BalanceEventDto))]
[JsonSerializable(typeof(MutationResponse))]
[JsonSerializable(typeof(HoldDto))]
[JsonSerializable(typeof(HoldMutationResponse))]
[JsonSerializable(typeof(TransferResponse))]
[JsonSerializable(typeof(ChargeCheckResponse))]
[JsonSerializable(typeof(EntryListResponse))]
[JsonSerializable(typeof(ListResponse<HoldDto>))]
[JsonSerializable(typeof(ListResponse<UnitDto>))]
[JsonSerializable(typeof(ListResponse<FeatureDto>))]
[JsonSerializable(typeof(ListResponse<ApiKeyDto>))]
[JsonSerializable(typeof(UnitDto))]
[JsonSerializable(typeof(FeatureDto))]
[JsonSerializable(typeof(CreatedApiKeyDto))]
[JsonSerializable(typeof(ClientTokenDto))]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(Tally.Payments.Pricing.Quote))]
[JsonSerializable(typeof(Features.Selling.PackageDto))]
[JsonSerializable(typeof(ListResponse<Features.Selling.PackageDto>))]
[JsonSerializable(typeof(Features.Selling.PackageRequest))]
[JsonSerializable(typeof(Features.Selling.PackagePatch))]
[JsonSerializable(typeof(Features.Selling.PlanDto))]
[JsonSerializable(typeof(ListResponse<Features.Selling.PlanDto>))]
[JsonSerializable(typeof(Features.Selling.PlanRequest))]
[JsonSerializable(typeof(Features.Selling.PlanPatch))]
[JsonSerializable(typeof(Features.Payments.CheckoutRequestBody))]
[JsonSerializable(typeof(Features.Payments.CheckoutResponse))]
[JsonSerializable(typeof(Features.Payments.PaymentDto))]
[JsonSerializable(typeof(Features.Payments.PaymentListResponse))]
[JsonSerializable(typeof(Features.Payments.WebhookEventDto))]
[JsonSerializable(typeof(Features.Payments.WebhookEventListResponse))]
[JsonSerializable(typeof(Features.Payments.WebhookAck))]
[JsonSerializable(typeof(Features.Payments.SubscriptionListResponse))]
[JsonSerializable(typeof(Tally.Payments.Reconciliation.ReconcileReport))]
[JsonSerializable(typeof(AccountRequest))]
[JsonSerializable(typeof(FreezeRequest))]
[JsonSerializable(typeof(AdjustmentRequest))]
[JsonSerializable(typeof(GrantRequest))]
[JsonSerializable(typeof(ChargeRequest))]
[JsonSerializable(typeof(HoldRequest))]
[JsonSerializable(typeof(CaptureRequest))]
[JsonSerializable(typeof(ReleaseRequest))]
[JsonSerializable(typeof(ReverseRequest))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(BatchRequest))]
[JsonSerializable(typeof(UnitRequest))]
[JsonSerializable(typeof(FeatureRequest))]
[JsonSerializable(typeof(FeaturePatch))]
[JsonSerializable(typeof(ApiKeyRequest))]
[JsonSerializable(typeof(ClientTokenRequest))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
[JsonSerializable(typeof(IDictionary<string, string[]>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class TallyJsonContext : JsonSerializerContext;
