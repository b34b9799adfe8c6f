using Tally.Ledger.Storage;
using Tally.Ledger.Webhooks;
using Tally.Server.Features.Events;
using Tally.Server.Ops;

namespace Tally.Server.Features.Webhooks;

/// <summary>
/// Runs on every instance: claims outbox rows (oldest first; on PostgreSQL each instance skips the
/// rows another holds), renders their events, stores each event once with one pending delivery per
/// endpoint that receives it, deletes the rows — one transaction — and wakes the delivery worker.
/// Woken by the store's change feed (a commit on any instance; the feed is advisory, so it also
/// polls every TALLY_WEBHOOK_POLL_MS) and runs back to back while rows are waiting.
/// </summary>
public sealed partial class OutboxRelay(IWebhookStore store, ILedgerStore ledgerStore, EventRenderer renderer, WebhookSettings settings, WebhookSignal signal, TimeProvider time, ILogger<OutboxRelay> logger) : BackgroundService, IChangeListener
{
    /// <summary>
    /// Shortest time between the starts of two passes that were not full: under load every commit
    /// wakes the relay, and a pass per commit would add a transaction per commit; waiting this long
    /// lets rows gather, while the first change after a quiet spell still goes at once.
    /// </summary>
    private static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(50);

    private readonly WebhookSignal _changed = new();

    void IChangeListener.Changed(IReadOnlyList<AccountChange> changes) => _changed.Wake();

    void IChangeListener.Resync() => _changed.Wake();

    /// <summary>One pass: (rows claimed, deliveries created).</summary>
    public async Task<(int Rows, int Deliveries)> RelayOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var result = await store.RelayAsync(WebhookSettings.RelayBatch, now, now + settings.Schedule.Horizon, renderer.RenderAsync, ct);
        if (result.Deliveries > 0)
        {
            signal.Wake();
        }

        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var feed = ListenAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var (rows, _) = await RelayOnceAsync(stoppingToken);
                failures = 0;
                if (rows == WebhookSettings.RelayBatch)
                {
                    continue;
                }

                TallyMetrics.OutboxBacklog(await store.CountOutboxAsync(stoppingToken));
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Nothing was committed: the rows stay in the outbox for the next pass.
                RelayFailed(logger, e);
                failures = Math.Min(failures + 1, 6);
            }

            await _changed.WaitAsync(settings.PollInterval * (1 << failures), stoppingToken);
            if (MinGap - System.Diagnostics.Stopwatch.GetElapsedTime(started) is { Ticks: > 0 } rest)
            {
                await Task.Delay(rest, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await feed;
    }

    // Wake-ups are an optimisation: polling carries on without them.
    private Task ListenAsync(CancellationToken stoppingToken) =>
        ledgerStore.ListenUntilStoppedAsync(this, e => FeedFailed(logger, e), stoppingToken);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "The outbox relay lost the change feed; it polls instead")]
    private static partial void FeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "The outbox relay failed; its rows stay for the next pass")]
    private static partial void RelayFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Runs on every instance: claims due delivery attempts (each held under a lease, so no other
/// worker sends it), sends them concurrently outside any transaction, and records every result
/// in one transaction with the next attempt of each failure (backoff with jitter, until the
/// horizon). Attempts whose lease ran out (their worker died mid-send) become failed
/// ("interrupted") with their next attempt scheduled: an attempt is never sent twice.
/// </summary>
public sealed partial class DeliveryWorker(IWebhookStore store, WebhookSender sender, WebhookSettings settings, WebhookSignal signal, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private const int ClaimBatch = 256;
    private long _leasesCheckedAt = long.MinValue;

    /// <summary>One pass: sends what is due now; returns how many attempts it made.</summary>
    public async Task<int> DeliverOnceAsync(CancellationToken ct)
    {
        if (Environment.TickCount64 - _leasesCheckedAt >= 1000)
        {
            _leasesCheckedAt = Environment.TickCount64;
            await RecoverLeasesAsync(ct);
        }

        var now = time.GetUtcNow();
        var claimed = await store.ClaimDeliveriesAsync(now, now + settings.Lease, ClaimBatch, ct);
        if (claimed.Count == 0)
        {
            return 0;
        }

        var outcomes = new DeliveryOutcome[claimed.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, claimed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct },
            async (i, token) =>
            {
                var delivery = claimed[i];
                var result = await sender.SendAsync(delivery, token);
                var at = time.GetUtcNow();
                outcomes[i] = new DeliveryOutcome(delivery, result.Succeeded, result.ResponseStatus, result.Error,
                    result.Succeeded ? null : settings.Schedule.Next(delivery.Retry, at, delivery.GiveUpAt));
                if (result.Succeeded)
                {
                    TallyMetrics.DeliveryLag(at - delivery.EventCreatedAt);
                }
            });
        await store.RecordDeliveriesAsync(outcomes, time.GetUtcNow(), CancellationToken.None);
        foreach (var o in outcomes)
        {
            TallyMetrics.DeliveriesFinished(o.Succeeded ? "succeeded" : "failed", 1);
        }

        return claimed.Count;
    }

    /// <summary>Attempts whose lease ran out become failed ("interrupted") with their next attempt scheduled; returns how many. Runs at most once a second in <see cref="DeliverOnceAsync"/>.</summary>
    public async Task<int> RecoverLeasesAsync(CancellationToken ct)
    {
        var interrupted = await store.ExpireLeasesAsync(time.GetUtcNow(), settings.Schedule, ct);
        if (interrupted > 0)
        {
            TallyMetrics.DeliveriesFinished("interrupted", interrupted);
            Interrupted(logger, interrupted);
        }

        return interrupted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await DeliverOnceAsync(stoppingToken);
                failures = 0;
                if (sent == ClaimBatch)
                {
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Claimed attempts not recorded stay leased; past the lease they count as interrupted.
                DeliveryFailed(logger, e);
                failures = Math.Min(failures + 1, 6);
            }

            await signal.WaitAsync(settings.PollInterval * (1 << failures), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "The webhook delivery worker failed; it tries again")]
    private static partial void DeliveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "{Count} webhook delivery attempt(s) were interrupted (their worker stopped mid-send); their next attempts are scheduled")]
    private static partial void Interrupted(ILogger logger, int count);
}
