using Microsoft.Extensions.Options;
using Tally.Payments.Reconciliation;
using Tally.Server.Hosting;

namespace Tally.Server.Features.Payments;

/// <summary>Runs the <see cref="Reconciler"/> every TALLY_RECONCILE_INTERVAL_SECONDS (0: never; <c>tally payments reconcile</c> or the admin endpoint run it on demand).</summary>
public sealed partial class ReconcilerService(Reconciler reconciler, IOptions<TallyOptions> options, TimeProvider time, ILogger<ReconcilerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds);
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await reconciler.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RunFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "The payment reconciler failed; it runs again at its next interval")]
    private static partial void RunFailed(ILogger logger, Exception exception);
}
