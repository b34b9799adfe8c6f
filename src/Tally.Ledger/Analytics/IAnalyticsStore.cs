namespace Tally.Ledger.Analytics;

/// <summary>
/// Where analytics keeps its daily rollups and reads what it reports (docs/analytics.md). Both
/// stores implement it with the same tables; the journal stays the source of truth.
/// </summary>
public interface IAnalyticsStore
{
    /// <summary>
    /// Folds the unfolded entries of up to <paramref name="maxAccounts"/> accounts into the rollups
    /// and advances their watermarks in the same transaction (a slice folded twice counts once).
    /// Account-daily rows before <paramref name="keepFromDay"/> are pruned in it too.
    /// </summary>
    Task<FoldReport> FoldAsync(int maxAccounts, long keepFromDay, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets every rollup and watermark (a rebuild folds the journal again from the start).</summary>
    Task ResetAnalyticsAsync(CancellationToken cancellationToken);

    /// <summary>How many accounts have entries not yet folded (the rebuild's progress).</summary>
    Task<long> CountUnfoldedAccountsAsync(CancellationToken cancellationToken);

    /// <summary>Every stored rollup row (tests compare them with a recomputation from the journal).</summary>
    Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(CancellationToken cancellationToken);

    /// <summary>Every journal entry as analytics sees it (tests and verification).</summary>
    Task<IReadOnlyList<JournalLine>> ReadJournalLinesAsync(CancellationToken cancellationToken);

    /// <summary>Platform rows of days <paramref name="fromDay"/> to <paramref name="toDay"/>, both included.</summary>
    Task<IReadOnlyList<RollupRow>> ReadPlatformDailyAsync(long fromDay, long toDay, CancellationToken cancellationToken);

    /// <summary>An account's lifetime rollups and its unfolded tail; null when there is no such account.</summary>
    Task<AccountAnalyticsData?> ReadAccountAnalyticsAsync(string externalId, CancellationToken cancellationToken);

    /// <summary>The accounts that consumed most (charges and captures) over the days, most first.</summary>
    Task<IReadOnlyList<SpenderRow>> ReadTopSpendersAsync(long fromDay, long toDay, int limit, CancellationToken cancellationToken);

    /// <summary>Open lots' remaining credits by unit and paid flag, and the purchase value of the paid ones.</summary>
    Task<(IReadOnlyList<LiabilityRow> Rows, IReadOnlyList<LiabilityValue> Values)> ReadLiabilityAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Payments that brought money in (succeeded, possibly refunded since) created in [from, to).</summary>
    Task<IReadOnlyList<RevenueRow>> ReadRevenueAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
