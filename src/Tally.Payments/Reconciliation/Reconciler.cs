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
        var pending = await store.ListPendingPaymentsAsync(now - PendingAge, BatchSize, ct);
        foreach (var payment in pending.Where(p => p.Provider == provider.Name))
        {
            try
            {
                var id = payment.ProviderPaymentId
                    ?? (payment.CheckoutSessionId is { } session ? await provider.FindCheckoutPaymentAsync(session, ct) : null);
                if (id is not null && await provider.GetPaymentAsync(id, ct) is { Status: PaymentState.Succeeded or PaymentState.Failed or PaymentState.Cancelled } settled)
                {
                    await processor.ApplyAsync(provider.Name, new PaymentEvent($"reconcile:{settled.PaymentId}", $"payment.{settled.Status.ToString().ToLowerInvariant()}", now, settled), ct);
                    paymentsApplied++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                Failed(logger, e, "payment", payment.Id);
            }
        }

        var unknown = await store.ListUnknownSubscriptionsAsync(provider.Name, now - PendingAge, BatchSize, ct);
        foreach (var id in unknown)
        {
            try
            {
                if (await provider.GetSubscriptionAsync(id, ct) is { } current)
                {
                    await processor.ApplyAsync(provider.Name, new SubscriptionEvent($"reconcile:{id}:{current.PeriodStart.UtcTicks}", "subscription.updated", now, current), ct);
                    subscriptionsApplied++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                Failed(logger, e, "subscription", id);
            }
        }

        var lapsed = await store.ListLapsedSubscriptionsAsync(now, BatchSize, ct);
        foreach (var subscription in lapsed.Where(s => s.Provider == provider.Name))
        {
            try
            {
                if (await provider.GetSubscriptionAsync(subscription.ProviderSubscriptionId, ct) is { } current
                    && (current.PeriodStart > subscription.PeriodStart || current.Status != subscription.Status))
                {
                    await processor.ApplyAsync(provider.Name, new SubscriptionEvent($"reconcile:{current.SubscriptionId}:{current.PeriodStart.UtcTicks}", "subscription.updated", now, current), ct);
                    subscriptionsApplied++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                Failed(logger, e, "subscription", subscription.ProviderSubscriptionId);
            }
        }

        var report = new ReconcileReport(pending.Count, paymentsApplied, unknown.Count + lapsed.Count, subscriptionsApplied, failures);
        Reconciled(logger, report.PaymentsChecked, report.PaymentsApplied, report.SubscriptionsChecked, report.SubscriptionsApplied, report.Failures);
        return report;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Reconciled: {Payments} pending payment(s) checked, {PaymentsApplied} applied; {Subscriptions} lapsed subscription(s) checked, {SubscriptionsApplied} applied; {Failures} failure(s)")]
    private static partial void Reconciled(ILogger logger, int payments, int paymentsApplied, int subscriptions, int subscriptionsApplied, int failures);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Reconciling {Kind} {Id} failed; the next run tries again")]
    private static partial void Failed(ILogger logger, Exception exception, string kind, string id);
}
