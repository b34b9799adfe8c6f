namespace Tally.Ledger.Analytics;

/// <summary>Folds the journal into the rollups until nothing is left, in bounded transactions.</summary>
public static class RollupFolder
{
    /// <summary>Accounts one fold transaction takes at most (bounds its size and, on SQLite, how long it holds the writer).</summary>
    public const int DefaultBatch = 500;

    /// <summary>The first day whose account-daily rows are kept, <paramref name="retentionDays"/> days back from <paramref name="now"/>'s day.</summary>
    public static long KeepFromDay(DateTimeOffset now, int retentionDays) => Days.Of(now) - retentionDays;

    /// <summary>Folds batch after batch until a fold finds nothing; reports each batch to <paramref name="progress"/>.</summary>
    /// <remarks>
    /// <c>pace</c> is called after each full batch with how long it took, before the next one: a
    /// background folder waits there so it never takes more than its share of the store's writer
    /// (on SQLite a fold batch holds the one writer the charges need). Null (a rebuild, the CLI):
    /// back to back.
    /// </remarks>
    public static async Task<FoldReport> FoldAllAsync(
        IAnalyticsStore store, TimeProvider time, int retentionDays, int batch = DefaultBatch, IProgress<FoldReport>? progress = null,
        Func<TimeSpan, CancellationToken, Task>? pace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var total = FoldReport.Nothing;
        while (true)
        {
            var now = time.GetUtcNow();
            var started = time.GetTimestamp();
            var report = await store.FoldAsync(batch, KeepFromDay(now, retentionDays), now, cancellationToken);
            total = new FoldReport(total.Accounts + report.Accounts, total.Entries + report.Entries, total.Pruned + report.Pruned);
            progress?.Report(report);
            if (report.Accounts < batch)
            {
                return total;
            }

            if (pace is not null)
            {
                await pace(time.GetElapsedTime(started), cancellationToken);
            }
        }
    }

    /// <summary>Forgets every rollup and folds the whole journal again (the journal is never deleted, so nothing is lost).</summary>
    public static async Task<FoldReport> RebuildAsync(
        IAnalyticsStore store, TimeProvider time, int retentionDays, int batch = DefaultBatch, IProgress<FoldReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.ResetAnalyticsAsync(cancellationToken);
        return await FoldAllAsync(store, time, retentionDays, batch, progress, cancellationToken: cancellationToken);
    }
}
