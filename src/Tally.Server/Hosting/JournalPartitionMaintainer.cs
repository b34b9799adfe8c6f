using Tally.Ledger.Postgres;
using Tally.Ledger.Storage;

namespace Tally.Server.Hosting;

/// <summary>
/// On PostgreSQL, keeps the journal's monthly partitions ahead of need (docs/operations.md,
/// "Journal partitions"): at start and then every hour, with the server's clock, it creates the
/// current month's partition and the next <see cref="PostgresLedgerStore.PartitionMonthsAhead"/>
/// when missing, and moves rows that landed in the default partition into their month's. Safe on
/// many instances at once (one advisory lock; each partition is created once). Other stores have
/// no partitions and this does nothing.
/// </summary>
public sealed partial class JournalPartitionMaintainer(ILedgerStore store, TimeProvider time, ILogger<JournalPartitionMaintainer> logger) : BackgroundService
{
    /// <summary>How often the partitions are checked; a month is created three months before it starts, so an hour is plenty.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not PostgresLedgerStore postgres)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await RunOnceAsync(postgres, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One maintenance step; failures are logged and the next tick tries again.</summary>
    internal async Task RunOnceAsync(PostgresLedgerStore postgres, CancellationToken cancellationToken)
    {
        try
        {
            var created = await postgres.EnsurePartitionsAsync(time.GetUtcNow(), PostgresLedgerStore.PartitionMonthsAhead, cancellationToken);
            if (created > 0)
            {
                Created(logger, created);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failed(logger, e);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Created {Count} journal partition(s)")]
    private static partial void Created(ILogger logger, int count);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Journal partition maintenance failed; it will run again within the hour (inserts meanwhile land in entries_default)")]
    private static partial void Failed(ILogger logger, Exception exception);
}
