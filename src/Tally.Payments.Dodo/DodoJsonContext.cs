using System.Text.Json.Serialization;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo;

/// <summary>
/// Dodo's wire format, source-generated: snake_case names, nulls left out when writing, and a
/// missing required field or a null where none is allowed refused when reading (so a malformed
/// webhook is refused, not mapped half-empty).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DodoWebhookPayload))]
[JsonSerializable(typeof(DodoPayment))]
[JsonSerializable(typeof(DodoSubscription))]
[JsonSerializable(typeof(DodoRefund))]
[JsonSerializable(typeof(DodoDispute))]
[JsonSerializable(typeof(DodoCheckoutRequest))]
[JsonSerializable(typeof(DodoCheckoutResponse))]
[JsonSerializable(typeof(DodoCheckoutStatus))]
[JsonSerializable(typeof(DodoChangePlanRequest))]
[JsonSerializable(typeof(DodoSubscriptionPatch))]
[JsonSerializable(typeof(DodoCustomerPortalSession))]
[JsonSerializable(typeof(SandboxControlRequest))]
[JsonSerializable(typeof(SandboxRefundRequest))]
[JsonSerializable(typeof(SandboxDisputeRequest))]
[JsonSerializable(typeof(SandboxProductRequest))]
[JsonSerializable(typeof(SandboxProduct))]
[JsonSerializable(typeof(List<SandboxProduct>))]
[JsonSerializable(typeof(SandboxControlResponse))]
[JsonSerializable(typeof(SandboxEventList))]
[JsonSerializable(typeof(SandboxError))]
internal sealed partial class DodoJsonContext : JsonSerializerContext;
