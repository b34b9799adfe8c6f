using Microsoft.Extensions.Logging;
using Tally.Payments.Providers;
using Tally.Payments.Webhooks;

namespace Tally.Payments.Reconciliation;

/// <summary>What one reconciliation looked at and applied.</summary>
public sealed record ReconcileReport(int PaymentsChecked, int PaymentsApplied, int SubscriptionsChecked, int SubscriptionsApplied, int Failures);

/// <summary>
/// Closes the gap a lost webhook leaves (DodoPayments gives up after about 27 hours of retries):
/// asks the provider about payments still pending after <see cref="PendingAge"/>, about
/// subscriptions paid for but never activated here, and about subscriptions past their period's end, and applies what it says through the same idempotent
/// path as a webhook — a webhook arriving afterwards finds every effect's key taken.
/// </summary>
public sealed partial class Reconciler(IPaymentStore store, IPaymentProvider provider, WebhookProcessor processor, TimeProvider time, ILogger<Reconciler> logger)
{
    private const int BatchSize = 500;

    /// <summary>How long a payment may stay pending before the provider is asked about it.</summary>
    public TimeSpan PendingAge { get; init; } = TimeSpan.FromMinutes(30);

    public async Task<ReconcileReport> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        int paymentsApplied = 0, subscriptionsApplied = 0, failures = 0;

        // One item's failure (the provider down for it, a refused effect) is logged and counted;
        // the others go on, and the next run tries it again.
        async Task<bool> TryAsync(string kind, string id, Func<Task<bool>> reconcile)
        {
            try
            {
                return await reconcile();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                Failed(logger, e, kind, id);
                return false;
            }
        }

        var pending = await store.ListPendingPaymentsAsync(now - PendingAge, BatchSize, ct);
        foreach (var payment in pending.Where(p => p.Provider == provider.Name))
        {
            if (await TryAsync("payment", payment.Id, () => PaymentAsync(payment, now, ct)))
            {
                paymentsApplied++;
            }
        }

        var unknown = await store.ListUnknownSubscriptionsAsync(provider.Name, now - PendingAge, BatchSize, ct);
        foreach (var id in unknown)
        {
            if (await TryAsync("subscription", id, () => SubscriptionAsync(id, _ => true, now, ct)))
            {
                subscriptionsApplied++;
            }
        }

        var lapsed = await store.ListLapsedSubscriptionsAsync(now, BatchSize, ct);
        foreach (var known in lapsed.Where(s => s.Provider == provider.Name))
        {
            var moved = (ProviderSubscription current) => current.PeriodStart > known.PeriodStart || current.Status != known.Status;
            if (await TryAsync("subscription", known.ProviderSubscriptionId, () => SubscriptionAsync(known.ProviderSubscriptionId, moved, now, ct)))
            {
                subscriptionsApplied++;
            }
        }

        var report = new ReconcileReport(pending.Count, paymentsApplied, unknown.Count + lapsed.Count, subscriptionsApplied, failures);
        Reconciled(logger, report.PaymentsChecked, report.PaymentsApplied, report.SubscriptionsChecked, report.SubscriptionsApplied, report.Failures);
        return report;
    }

    /// <summary>Applies a pending payment's settled state, if the provider has one.</summary>
    private async Task<bool> PaymentAsync(PaymentRecord payment, DateTimeOffset now, CancellationToken ct)
    {
        var id = payment.ProviderPaymentId
            ?? (payment.CheckoutSessionId is { } session ? await provider.FindCheckoutPaymentAsync(session, ct) : null);
        if (id is null || await provider.GetPaymentAsync(id, ct) is not { Status: PaymentState.Succeeded or PaymentState.Failed or PaymentState.Cancelled } settled)
        {
            return false;
        }

        await processor.ApplyAsync(provider.Name, new PaymentEvent($"reconcile:{settled.PaymentId}", $"payment.{settled.Status.ToString().ToLowerInvariant()}", now, settled), ct);
        return true;
    }

    /// <summary>Applies a subscription's current state when <paramref name="changed"/> says it moved.</summary>
    private async Task<bool> SubscriptionAsync(string id, Func<ProviderSubscription, bool> changed, DateTimeOffset now, CancellationToken ct)
    {
        if (await provider.GetSubscriptionAsync(id, ct) is not { } current || !changed(current))
        {
            return false;
        }

        await processor.ApplyAsync(provider.Name, new SubscriptionEvent($"reconcile:{id}:{current.PeriodStart.UtcTicks}", "subscription.updated", now, current), ct);
        return true;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Reconciled: {Payments} pending payment(s) checked, {PaymentsApplied} applied; {Subscriptions} lapsed subscription(s) checked, {SubscriptionsApplied} applied; {Failures} failure(s)")]
    private static partial void Reconciled(ILogger logger, int payments, int paymentsApplied, int subscriptions, int subscriptionsApplied, int failures);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Reconciling {Kind} {Id} failed; the next run tries again")]
    private static partial void Failed(ILogger logger, Exception exception, string kind, string id);
}
