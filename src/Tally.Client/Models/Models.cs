using System.Text.Json;

namespace Tally.Client.Models;

/// <summary>The soonest expiry among lots with credits left.</summary>
public sealed record NextExpiry(DateTimeOffset At, decimal Amount);

/// <summary>One unit's balance: <c>Available</c> = <c>Total</c> − <c>Held</c>.</summary>
public sealed record Balance(string Unit, decimal Available, decimal Held, decimal Total, NextExpiry? NextExpiry);

public sealed record Account(
    string Id,
    string Tier,
    bool Frozen,
    long OverdraftLimit,
    long? LowBalanceThreshold,
    JsonElement Metadata,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Balance> Balances,
    long Seq);

/// <summary>GET /v1/accounts/{id}/balance.</summary>
public sealed record AccountBalances(string Account, bool Frozen, long Seq, IReadOnlyList<Balance> Balances)
{
    /// <summary>The balance of <paramref name="unit"/> (zeros when the account never used it).</summary>
    public Balance For(string unit = "credits") =>
        Balances.FirstOrDefault(b => b.Unit == unit) ?? new Balance(unit, 0, 0, 0, null);
}

public sealed record Entry(
    string Id,
    string Account,
    long Seq,
    string Type,
    string Unit,
    decimal Amount,
    decimal BalanceAfter,
    string? Feature,
    decimal? Quantity,
    string? Description,
    string? Reference,
    JsonElement Metadata,
    string Actor,
    string? HoldId,
    string? LotId,
    DateTimeOffset CreatedAt,
    IReadOnlyList<AppliedRule>? Rules = null);

/// <summary>A pricing rule that changed an entry's amount (or would change a checked charge), in whole units.</summary>
public sealed record AppliedRule(string Rule, string Kind, decimal AmountBefore, decimal AmountAfter);

public sealed record Hold(
    string Id,
    string Account,
    string Unit,
    decimal Amount,
    decimal Captured,
    string Status,
    string? Feature,
    string? Description,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt);

/// <summary>What a grant, charge, reversal or adjustment did: its entry and the unit's balance after.</summary>
public sealed record MutationResult(Entry? Entry, Balance Balance);

/// <summary>What a capture or release did.</summary>
public sealed record HoldResult(Hold Hold, Entry? Entry, Balance Balance);

public sealed record TransferResult(Entry Debit, Entry Credit);

/// <summary>Advisory: <see cref="Required"/> is the price after <see cref="Rules"/> as they would apply now.</summary>
public sealed record ChargeCheck(bool Allowed, decimal Available, decimal Required, IReadOnlyList<AppliedRule>? Rules = null);

public sealed record EntryPage(IReadOnlyList<Entry> Data, string? NextCursor);

internal sealed record DataList<T>(IReadOnlyList<T> Data);
