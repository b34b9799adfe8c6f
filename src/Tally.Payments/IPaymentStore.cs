using Tally.Payments.Catalog;

namespace Tally.Payments;

/// <summary>What selling credits stores beside the ledger; both stores implement it.</summary>
public interface IPaymentStore
{
    Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken);

    /// <summary>Creates (false when the id exists) or replaces (false when it does not) a package.</summary>
    Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken);

    /// <summary>Creates (false when the id exists) or replaces (false when it does not) a plan.</summary>
    Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken);

    Task CreatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken);

    Task<PaymentRecord?> FindPaymentAsync(string id, CancellationToken cancellationToken);

    Task<PaymentRecord?> FindPaymentByProviderIdAsync(string provider, string providerPaymentId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the payment unless one with its provider payment id exists; returns the one stored
    /// (payments made outside Tally's checkout, recorded when their webhook first arrives).
    /// </summary>
    Task<PaymentRecord> CreatePaymentOnceAsync(PaymentRecord payment, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="account"/> null lists all; <paramref name="before"/> pages by id.</summary>
    Task<IReadOnlyList<PaymentRecord>> ListPaymentsAsync(string? account, string? before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the payment's status, provider ids and dispute status (its totals come from its
    /// effects); a refund status is never set back to succeeded, a dispute status never cleared.
    /// </summary>
    Task UpdatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken);

    /// <summary>Records an effect once (by key) and recomputes its payment's refunded, clawed-back and unrecovered totals and its refund status.</summary>
    Task RecordEffectAsync(PaymentEffect effect, CancellationToken cancellationToken);

    Task<bool> HasEffectAsync(string key, CancellationToken cancellationToken);

    Task<SubscriptionRecord?> FindSubscriptionAsync(string provider, string providerSubscriptionId, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a subscription's state.</summary>
    Task SaveSubscriptionAsync(SubscriptionRecord subscription, CancellationToken cancellationToken);

    /// <summary><paramref name="account"/> null lists all (newest first, at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<SubscriptionRecord>> ListSubscriptionsAsync(string? account, int limit, CancellationToken cancellationToken);

    /// <summary>Active (or on hold, past due) subscriptions whose period ended before <paramref name="before"/>: the reconciler asks the provider about them.</summary>
    Task<IReadOnlyList<SubscriptionRecord>> ListLapsedSubscriptionsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Subscription ids that settled payments (created at or before <paramref name="before"/>) name
    /// but no subscription state was ever stored for: the activation webhook was lost.
    /// </summary>
    Task<IReadOnlyList<string>> ListUnknownSubscriptionsAsync(string provider, DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Payments still pending that were created at or before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<PaymentRecord>> ListPendingPaymentsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The account's lots whose reference starts with <paramref name="referencePrefix"/>: what they
    /// were given, and what they hold now plus what expiry wrote off from them — the credits a
    /// subscription period had left when it ended (rollover).
    /// </summary>
    Task<LotTotals> ReadLotTotalsAsync(string account, string referencePrefix, CancellationToken cancellationToken);

    /// <summary>Stores a webhook unless its id is known; returns the stored one either way.</summary>
    Task<WebhookEventRecord> StoreWebhookEventAsync(WebhookEventRecord webhook, CancellationToken cancellationToken);

    /// <summary>Sets how the webhook was handled and counts the attempt.</summary>
    Task MarkWebhookEventAsync(string provider, string eventId, WebhookEventStatus status, string? detail, DateTimeOffset now, CancellationToken cancellationToken);

    Task<WebhookEventRecord?> FindWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="before"/> pages by received time.</summary>
    Task<IReadOnlyList<WebhookEventRecord>> ListWebhookEventsAsync(DateTimeOffset? before, int limit, CancellationToken cancellationToken);
}
