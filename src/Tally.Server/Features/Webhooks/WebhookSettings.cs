using Tally.Ledger.Webhooks;

namespace Tally.Server.Features.Webhooks;

/// <summary>Outbound webhooks' settings (README, "Configuration"; docs/webhooks.md).</summary>
/// <param name="AllowPrivateUrls">TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS: the SSRF guard off (demos, tests).</param>
/// <param name="Timeout">TALLY_WEBHOOK_TIMEOUT_SECONDS: the sender hangs up after it.</param>
/// <param name="PollInterval">TALLY_WEBHOOK_POLL_MS: how often the relay and the worker look for work unwoken.</param>
/// <param name="Schedule">Retries: from 30 s, doubling with jitter, until TALLY_WEBHOOK_RETRY_HOURS after the first attempt.</param>
/// <param name="Concurrency">TALLY_WEBHOOK_CONCURRENCY: sends in flight per instance.</param>
/// <param name="Workers">TALLY_WEBHOOK_WORKERS: run the relay and the worker here.</param>
/// <param name="LowBalanceThreshold">CREDIT_LOW_BALANCE_THRESHOLD: credit.balance_low's default, in whole units.</param>
public sealed record WebhookSettings(
    bool AllowPrivateUrls,
    TimeSpan Timeout,
    TimeSpan PollInterval,
    RetrySchedule Schedule,
    int Concurrency,
    bool Workers,
    long LowBalanceThreshold)
{
    /// <summary>Outbox rows one relay pass claims (each holds a group transaction's entries).</summary>
    public const int RelayBatch = 64;

    /// <summary>
    /// How long a claimed attempt is held: well past the timeout, so only a worker that died (or
    /// whose clock jumped) loses it; then it counts as interrupted and the next attempt is due.
    /// </summary>
    public TimeSpan Lease => (2 * Timeout) + TimeSpan.FromSeconds(60);
}
