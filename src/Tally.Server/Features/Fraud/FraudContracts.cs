using System.Text.Json;
using Tally.Ledger.Fraud;

namespace Tally.Server.Features.Fraud;

/// <summary>A fraud flag as the API shows it; <c>evidence</c> is the object the detector recorded.</summary>
public sealed record FraudFlagDto(
    string Id,
    string Account,
    string Kind,
    string Status,
    JsonElement Evidence,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ClearedAt,
    string? ClearedBy,
    string? ClearReason)
{
    public static FraudFlagDto From(FraudFlag f)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var evidence = JsonDocument.Parse(f.Evidence);
        return new(f.Id, f.Account, FraudFlag.Name(f.Kind), FraudFlag.Name(f.Status), evidence.RootElement.Clone(), f.CreatedAt, f.ClearedAt, f.ClearedBy, f.ClearReason);
    }
}

public sealed record FraudFlagListResponse(IReadOnlyList<FraudFlagDto> Data, string? NextCursor);

/// <summary>POST /v1/fraud-flags/{id}/clear: why (1–500 characters), and whether to unfreeze the account too.</summary>
public sealed record ClearFlagRequest(string? Reason, bool? Unfreeze);

/// <summary><c>credit.fraud_flagged</c>: the account and the flag with its evidence.</summary>
public sealed record FraudFlaggedEventData(string Account, FraudFlagDto Flag);
