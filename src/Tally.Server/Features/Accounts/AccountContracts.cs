using System.Text.Json;

namespace Tally.Server.Features.Accounts;

/// <summary>PUT /v1/accounts/{id}: every field optional; <c>lowBalanceThreshold: null</c> clears it.</summary>
public sealed record AccountRequest(string? Tier, long? OverdraftLimit, long? LowBalanceThreshold, JsonElement? Metadata);

/// <summary>POST …/freeze and …/unfreeze.</summary>
public sealed record FreezeRequest(string? Reason);

/// <summary>POST …/adjustments: a signed correction with a reason.</summary>
public sealed record AdjustmentRequest(decimal? Amount, string? Reason, string? Unit, bool? Paid = null, string? LotId = null);
