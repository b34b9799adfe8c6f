using Microsoft.Extensions.Options;
using Tally.Ledger;

namespace Tally.Server.Hosting;

/// <summary>
/// Runs the ledger's expiry sweeper every <c>TALLY_SWEEP_INTERVAL_SECONDS</c>: expired lot
/// remainders are written off, holds past their TTL released, old idempotency keys forgotten.
/// Safe on many instances at once (each account is swept under its row lock).
/// </summary>
public sealed partial class ExpirySweeper(CreditLedger ledger, IOptions<TallyOptions> options, ILogger<ExpirySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var report = await ledger.ExpireAsync(stoppingToken);
                if (report.Accounts > 0 || report.IdempotencyKeysPurged > 0)
                {
                    Swept(logger, report.Accounts, report.LotsExpired, report.HoldsExpired, report.IdempotencyKeysPurged);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                SweepFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Swept {Accounts} account(s): {Lots} lot(s) expired, {Holds} hold(s) released, {Keys} idempotency key(s) forgotten")]
    private static partial void Swept(ILogger logger, int accounts, int lots, int holds, int keys);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "The expiry sweep failed; it will run again")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
