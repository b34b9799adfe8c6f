using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Storage;

/// <summary>
/// The rows a store loads under lock and the engine changes in memory. <c>IsNew</c> rows are
/// inserted, <c>IsDirty</c> rows updated; journal entries, burns and pins are insert-only.
/// </summary>
public abstract class Row
{
    public bool IsNew { get; set; }
    public bool IsDirty { get; set; }
}

public sealed class AccountRow : Row
{
    public required Guid Id { get; init; }
    public required string ExternalId { get; init; }
    public string Tier { get; set; } = "free";
    public bool Frozen { get; set; }

    /// <summary>How far below zero the account may go, in whole units of each unit.</summary>
    public long OverdraftLimit { get; set; }

    public long? LowBalanceThreshold { get; set; }
    public string Metadata { get; set; } = "{}";
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the account's settings (tier, frozen, limits, metadata) last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The account's change counter: every committed change takes the next value.</summary>
    public long Seq { get; set; }

    /// <summary>
    /// The settings changed in this transaction (a subset of <see cref="Row.IsDirty"/>, which a new
    /// <see cref="Seq"/> alone also sets): a store that can read the seq back from the journal
    /// needs to write the account row only then, or when the seq moved without a journal line.
    /// </summary>
    public bool SettingsChanged { get; set; }

    /// <summary>
    /// The account went from unfrozen to frozen in this transaction: the outbox records it
    /// (<c>account.frozen</c>), since the journal holds no line for a freeze.
    /// </summary>
    public bool BecameFrozen { get; set; }

    /// <summary>Whether the newest entry written in this transaction carries the account's <see cref="Seq"/>.</summary>
    public bool SeqIsInNewEntries => NewEntries.Count > 0 && NewEntries[^1].Seq == Seq;

    public Dictionary<string, BalanceRow> Balances { get; init; } = new(StringComparer.Ordinal);
    public List<LotRow> Lots { get; init; } = [];
    public List<HoldRow> Holds { get; init; } = [];
    public List<EntryRow> NewEntries { get; init; } = [];
    public List<BurnRow> NewBurns { get; init; } = [];

    /// <summary>
    /// Rule usage (first-use markers, allowance used per period) by (key, period); loaded only
    /// when some rule reads it (<see cref="WriteScope.RuleUsageSince"/>).
    /// </summary>
    public Dictionary<(string Key, long Period), RuleUsageRow> RuleUsage { get; init; } = [];

    /// <summary>A deep copy, so an atomic batch can put the account back when a later command fails.</summary>
    public AccountRow Clone() => new()
    {
        Id = Id,
        ExternalId = ExternalId,
        Tier = Tier,
        Frozen = Frozen,
        OverdraftLimit = OverdraftLimit,
        LowBalanceThreshold = LowBalanceThreshold,
        Metadata = Metadata,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Seq = Seq,
        IsNew = IsNew,
        IsDirty = IsDirty,
        SettingsChanged = SettingsChanged,
        BecameFrozen = BecameFrozen,
        Balances = Balances.ToDictionary(p => p.Key, p => p.Value.Clone(), StringComparer.Ordinal),
        Lots = Lots.ConvertAll(l => l.Clone()),
        Holds = Holds.ConvertAll(h => h.Clone()),
        NewEntries = [.. NewEntries],
        NewBurns = [.. NewBurns],
        RuleUsage = RuleUsage.ToDictionary(p => p.Key, p => p.Value.Clone()),
    };
}

/// <summary>What a rule used of one account: a first-use marker (period 0) or an allowance's use in one period (Unix seconds of its start).</summary>
public sealed class RuleUsageRow : Row
{
    public required Guid AccountId { get; init; }
    public required string Key { get; init; }
    public required long Period { get; init; }
    public long Used { get; set; }

    public RuleUsageRow Clone() => (RuleUsageRow)MemberwiseClone();
}

/// <summary>The journal balance (Σ entry amounts) and overdraft debt of one unit.</summary>
public sealed class BalanceRow : Row
{
    public required Guid AccountId { get; init; }
    public required string Unit { get; init; }
    public Credits Balance { get; set; }

    /// <summary>Credits spent beyond the lots (overdraft); repaid first by the next credits in.</summary>
    public Credits Debt { get; set; }

    public BalanceRow Clone() => (BalanceRow)MemberwiseClone();
}

public sealed class LotRow : Row
{
    public required Guid Id { get; init; }
    public required Guid AccountId { get; init; }
    public required string Unit { get; init; }
    public required LotSource Source { get; init; }

    /// <summary>Credits put into the lot (a grant's amount less any debt it repaid).</summary>
    public required Credits Amount { get; init; }

    /// <summary>Not yet spent and not pinned by an active hold.</summary>
    public Credits Remaining { get; set; }

    public int Priority { get; init; }
    public DateTimeOffset EffectiveAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Feature keys this lot may pay for; null pays for anything but scoped charges only see it when listed.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    public string? Reference { get; init; }
    public Guid? EntryId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Paid for (a purchase or subscription, or credits that came from one) rather than granted.</summary>
    public bool Paid { get; init; }

    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } at && at <= now;

    public LotRow Clone() => (LotRow)MemberwiseClone();
}

public sealed class HoldRow : Row
{
    public required Guid Id { get; init; }
    public required Guid AccountId { get; init; }
    public required string Unit { get; init; }
    public required Credits Amount { get; init; }

    /// <summary>The part of <c>Amount</c> not pinned to lots: backed by the overdraft limit.</summary>
    public Credits Unbacked { get; init; }

    public Credits Captured { get; set; }
    public HoldStatus Status { get; set; }
    public string? Feature { get; init; }
    public string? Description { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Which lots the held credits were taken from, in burn order.</summary>
    public List<PinRow> Pins { get; init; } = [];

    public bool IsActiveAt(DateTimeOffset now) => Status == HoldStatus.Active && ExpiresAt > now;

    public HoldRow Clone() => new()
    {
        Id = Id,
        AccountId = AccountId,
        Unit = Unit,
        Amount = Amount,
        Unbacked = Unbacked,
        Captured = Captured,
        Status = Status,
        Feature = Feature,
        Description = Description,
        ExpiresAt = ExpiresAt,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Pins = [.. Pins],
        IsNew = IsNew,
        IsDirty = IsDirty,
    };
}

/// <summary>Credits a hold took from a lot when it was made.</summary>
public sealed record PinRow(Guid HoldId, Guid LotId, Credits Amount);

/// <summary>Lineage: credits an entry took from a lot.</summary>
public sealed record BurnRow(Guid EntryId, Guid LotId, Guid AccountId, Credits Amount);

public sealed record EntryRow
{
    public required Guid Id { get; init; }
    public required Guid AccountId { get; init; }
    public required string AccountExternalId { get; init; }
    public required long Seq { get; init; }
    public required EntryType Type { get; init; }
    public required string Unit { get; init; }
    public required Credits Amount { get; init; }
    public required Credits BalanceAfter { get; init; }
    public string? Feature { get; init; }
    public Micros? Quantity { get; init; }
    public string? Description { get; init; }
    public string? Reference { get; init; }
    public string Metadata { get; init; } = "{}";
    public required string Actor { get; init; }
    public Guid? HoldId { get; init; }
    public Guid? LotId { get; init; }
    public Guid? ReversesEntryId { get; init; }
    public Guid? TransferId { get; init; }
    public string? IdempotencyKey { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The rules that changed the amount, as stored (<see cref="Rules.AppliedRules"/>); null when none.</summary>
    public string? Rules { get; init; }
}

/// <summary>
/// A charge or capture loaded for reversal, with how much of it was reversed already and the lots
/// that paid it (lineage), so what comes back keeps those lots' terms.
/// </summary>
public sealed class ReversibleEntry
{
    public required EntryRow Entry { get; init; }
    public Credits ReversedSoFar { get; set; }

    /// <summary>What each lot paid of the entry, with the lot's terms (any order; the engine sorts).</summary>
    public List<PaidBy> PaidBy { get; init; } = [];
}

/// <summary>Lineage of one entry: <c>Amount</c> came from <c>Lot</c> (loaded whatever is left of it now).</summary>
public sealed record PaidBy(LotRow Lot, Credits Amount);

/// <summary>What an idempotency key did the first time, kept for replays.</summary>
public sealed record IdempotencyRow(
    string Key,
    byte[] Fingerprint,
    string OutcomeJson,
    int? ResponseStatus,
    byte[]? ResponseBody,
    DateTimeOffset CreatedAt);
