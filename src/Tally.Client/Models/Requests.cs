using System.Text.Json;

namespace Tally.Client.Models;

/// <summary>Create or update an account. Null fields are left as they are.</summary>
public sealed record AccountUpdate(string? Tier = null, long? OverdraftLimit = null, long? LowBalanceThreshold = null, JsonElement? Metadata = null);

/// <summary>A charge by <c>Amount</c>, or by <c>Feature</c> × <c>Quantity</c> (priced by Tally's catalog).</summary>
public sealed record ChargeRequest(
    decimal? Amount = null,
    string? Feature = null,
    decimal? Quantity = null,
    string? Unit = null,
    string? Description = null,
    string? Reference = null,
    JsonElement? Metadata = null)
{
    public static ChargeRequest ForFeature(string feature, decimal? quantity = null) => new(Feature: feature, Quantity: quantity);
}

public sealed record GrantRequest(
    decimal Amount,
    string? Unit = null,
    string? Source = null,
    int? Priority = null,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? Features = null,
    string? Reference = null,
    string? Description = null,
    JsonElement? Metadata = null);

/// <summary>A hold by amount or by feature × quantity; <c>TtlSeconds</c> 1–86400 (default 300).</summary>
public sealed record HoldRequest(
    decimal? Amount = null,
    string? Feature = null,
    decimal? Quantity = null,
    int? TtlSeconds = null,
    string? Unit = null,
    string? Description = null);

public sealed record TransferRequest(string From, string To, decimal Amount, string? Unit = null, string? Description = null);

/// <summary>Per-call options: a caller-chosen idempotency key (default: one generated per call, reused on its retries).</summary>
public sealed record RequestOptions(string? IdempotencyKey = null);
