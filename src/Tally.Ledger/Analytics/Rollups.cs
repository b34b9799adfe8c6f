using Tally.Ledger.Model;

namespace Tally.Ledger.Analytics;

/// <summary>
/// One journal entry as analytics sees it. <see cref="PaidAmount"/> is the part of
/// <see cref="Amount"/> that moved paid credits: for a credit, what the lots it created hold when
/// they are paid; for a debit, what it burned from paid lots (negative, like the amount).
/// </summary>
public sealed record JournalLine(
    Guid AccountId,
    long Seq,
    EntryType Type,
    string Unit,
    long Amount,
    long PaidAmount,
    string? Feature,
    long? QuantityMicros,
    DateTimeOffset CreatedAt);

/// <summary>What a rollup row adds up: the entries' amounts, their paid part, how many, and their quantities (micros).</summary>
public readonly record struct RollupSums(long Amount, long PaidAmount, long Entries, long QuantityMicros)
{
    public static RollupSums Of(JournalLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new(line.Amount, line.PaidAmount, 1, line.QuantityMicros ?? 0);
    }

    public static RollupSums operator +(RollupSums a, RollupSums b) => new(
        checked(a.Amount + b.Amount), checked(a.PaidAmount + b.PaidAmount), checked(a.Entries + b.Entries), checked(a.QuantityMicros + b.QuantityMicros));

    public static RollupSums Add(RollupSums left, RollupSums right) => left + right;
}

/// <summary>A rollup's key: the day (days since 1970-01-01 UTC; 0 for lifetime totals), account (none for the platform), unit, entry type and feature ('' for none).</summary>
public readonly record struct RollupKey(long Day, Guid? AccountId, string Unit, string Type, string Feature);

/// <summary>Which table a rollup row lives in.</summary>
public enum RollupGrain
{
    /// <summary>Per day for the whole platform, kept forever.</summary>
    PlatformDaily,

    /// <summary>Per account per day, kept CREDIT_ANALYTICS_RETENTION_DAYS.</summary>
    AccountDaily,

    /// <summary>Per account since the beginning, kept forever.</summary>
    AccountTotal,
}

/// <summary>
/// Adds journal lines up into the three grains. The folder runs it over the entries it folds in
/// one transaction; tests run it over the whole journal to check the stored rollups.
/// </summary>
public sealed class RollupBatch
{
    public Dictionary<RollupKey, RollupSums> PlatformDaily { get; } = [];

    public Dictionary<RollupKey, RollupSums> AccountDaily { get; } = [];

    public Dictionary<RollupKey, RollupSums> AccountTotals { get; } = [];

    public long Lines { get; private set; }

    public void Add(JournalLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var day = Days.Of(line.CreatedAt);
        var type = Names.Of(line.Type);
        var feature = line.Feature ?? "";
        var sums = RollupSums.Of(line);
        Merge(PlatformDaily, new RollupKey(day, null, line.Unit, type, feature), sums);
        Merge(AccountDaily, new RollupKey(day, line.AccountId, line.Unit, type, feature), sums);
        Merge(AccountTotals, new RollupKey(0, line.AccountId, line.Unit, type, feature), sums);
        Lines++;
    }

    public Dictionary<RollupKey, RollupSums> Of(RollupGrain grain) => grain switch
    {
        RollupGrain.PlatformDaily => PlatformDaily,
        RollupGrain.AccountDaily => AccountDaily,
        RollupGrain.AccountTotal => AccountTotals,
        _ => throw new ArgumentOutOfRangeException(nameof(grain), grain, "unknown grain"),
    };

    private static void Merge(Dictionary<RollupKey, RollupSums> rows, RollupKey key, RollupSums sums) =>
        rows[key] = rows.TryGetValue(key, out var existing) ? existing + sums : sums;
}

/// <summary>Days as analytics keys them: whole days since 1970-01-01 UTC.</summary>
public static class Days
{
    public static long Of(DateTimeOffset instant) => Of(DateOnly.FromDateTime(instant.UtcDateTime));

    public static long Of(DateOnly date) => date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static DateOnly ToDate(long day) => DateOnly.FromDayNumber(checked((int)(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + day)));

    /// <summary>The first instant of a day (UTC).</summary>
    public static DateTimeOffset Start(long day) => new(ToDate(day).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}

/// <summary>One stored rollup row.</summary>
public sealed record RollupRow(RollupGrain Grain, RollupKey Key, RollupSums Sums);

/// <summary>What one fold did.</summary>
public sealed record FoldReport(int Accounts, long Entries, int Pruned)
{
    public static readonly FoldReport Nothing = new(0, 0, 0);
}

/// <summary>One account's consumption over a range.</summary>
public sealed record SpenderRow(string ExternalId, string Unit, long Consumed, long Entries);

/// <summary>Outstanding credits of open (unexpired, non-empty) lots, by unit and paid flag, with what the paid ones cost when they were bought (per currency, where the lot names its payment).</summary>
public sealed record LiabilityRow(string Unit, bool Paid, long Remaining, long Lots);

/// <summary>
/// The purchase value of open paid lots that name their payment (<see cref="Credits"/> of them):
/// Σ remaining × price / credits, in currency minor units, as an exact decimal.
/// </summary>
public sealed record LiabilityValue(string Unit, string Currency, decimal Value, long Credits);

/// <summary>One payment that brought money in, as revenue sees it.</summary>
public sealed record RevenueRow(string Account, string Kind, string? PackageId, string? PlanId, long PriceAmount, long RefundedAmount, string Currency, DateTimeOffset CreatedAt);

/// <summary>One account's analytics inputs: its lifetime rollups and the entries not yet folded into them.</summary>
public sealed record AccountAnalyticsData(string ExternalId, IReadOnlyList<RollupRow> Totals, IReadOnlyList<JournalLine> Unfolded);
