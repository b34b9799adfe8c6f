using Tally.Ledger.Amounts;

namespace Tally.Ledger.Model;

/// <summary>The soonest expiry among lots with something left, and how much expires then.</summary>
public sealed record NextExpiry(DateTimeOffset At, Credits Amount);

/// <summary>
/// One unit's balance at an instant. <c>Total</c> = unexpired lot remainders (+ credits held by
/// active holds) − debt; <c>Available</c> = <c>Total</c> − <c>Held</c>.
/// </summary>
public sealed record BalanceView(UnitInfo Unit, Credits Available, Credits Held, Credits Total, NextExpiry? NextExpiry);

/// <summary>An account and its balances, as of its newest change <c>Seq</c>.</summary>
public sealed record AccountView(
    string Id,
    string Tier,
    bool Frozen,
    long OverdraftLimit,
    long? LowBalanceThreshold,
    string Metadata,
    DateTimeOffset CreatedAt,
    long Seq,
    IReadOnlyList<BalanceView> Balances);

/// <summary>One immutable journal line.</summary>
public sealed record EntryView(
    Guid Id,
    string Account,
    long Seq,
    EntryType Type,
    UnitInfo Unit,
    Credits Amount,
    Credits BalanceAfter,
    string? Feature,
    Micros? Quantity,
    string? Description,
    string? Reference,
    string Metadata,
    string Actor,
    Guid? HoldId,
    Guid? LotId,
    Guid? ReversesEntryId,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The rules that changed the amount as stored (<see cref="Ledger.Rules.AppliedRules"/>; null when none):
    /// a string, so views compare by value and the outcome codec keeps it byte for byte.
    /// </summary>
    public string? RulesJson { get; init; }

    /// <summary>The rules that changed the amount, in the order they ran (SPEC §9).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Rules.AppliedRule> Rules => Ledger.Rules.AppliedRules.Decode(RulesJson);
}

/// <summary>A reservation of credits for work whose final cost is not yet known.</summary>
public sealed record HoldView(
    Guid Id,
    string Account,
    UnitInfo Unit,
    Credits Amount,
    Credits Captured,
    HoldStatus Status,
    string? Feature,
    string? Description,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt);

/// <summary>A priced feature of the host app (cost per use in millionths, any unit).</summary>
public sealed record FeatureInfo(string Key, Micros Cost, string Unit, string? Description, bool Active);

/// <summary>A page of journal entries, newest first; <c>NextCursor</c> is null on the last page.</summary>
public sealed record EntryPage(IReadOnlyList<EntryView> Entries, string? NextCursor);
