using Microsoft.Extensions.Options;
using Tally.Ledger.Analytics;
using Tally.Server.Hosting;

namespace Tally.Server.Features.Analytics;

/// <summary>
/// Folds new journal entries into the analytics rollups every <c>TALLY_ANALYTICS_INTERVAL_SECONDS</c>
/// and prunes per-account daily rows past <c>CREDIT_ANALYTICS_RETENTION_DAYS</c>. Safe on many
/// instances at once: each fold is one transaction that locks the watermark state first.
/// </summary>
public sealed partial class AnalyticsFolder(IAnalyticsStore store, TimeProvider time, IOptions<TallyOptions> options, ILogger<AnalyticsFolder> logger) : BackgroundService
{
    private const int BackgroundBatch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.EnableAnalytics || settings.AnalyticsIntervalSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.AnalyticsIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // Small batches, each followed by a pause as long as it took: under a steady charge
                // load the folder holds the store's writer at most half the time, a batch at a time
                // (on SQLite, back-to-back batches of 500 stalled charges for seconds).
                var report = await RollupFolder.FoldAllAsync(
                    store, time, settings.AnalyticsRetentionDays, BackgroundBatch, pace: (took, ct) => Task.Delay(took, time, ct), cancellationToken: stoppingToken);
                if (report.Entries > 0 || report.Pruned > 0)
                {
                    Folded(logger, report.Entries, report.Accounts, report.Pruned);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                FoldFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Analytics folded {Entries} entries of {Accounts} account(s); {Pruned} per-account daily row(s) pruned")]
    private static partial void Folded(ILogger logger, long entries, int accounts, int pruned);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Error, Message = "The analytics fold failed; it will run again")]
    private static partial void FoldFailed(ILogger logger, Exception exception);
}
