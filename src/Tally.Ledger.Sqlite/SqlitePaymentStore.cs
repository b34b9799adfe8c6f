using System.Data.Common;
using Tally.Ledger.Relational;
using Tally.Payments;
using Tally.Payments.Catalog;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore : IPaymentStore
{
    public Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<CreditPackage>>(session => ReadAll(session[PaymentSql.Packages].Query(), PaymentSql.Package), cancellationToken);

    public async Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(create ? PaymentSql.CreatePackage : PaymentSql.UpdatePackage, [.. PaymentSql.Values(package), SqliteTime.ToMicros(now)]) == 1;

    public Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SubscriptionPlan>>(session => ReadAll(session[PaymentSql.Plans].Query(), PaymentSql.Plan), cancellationToken);

    public async Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(create ? PaymentSql.CreatePlan : PaymentSql.UpdatePlan, [.. PaymentSql.Values(plan), SqliteTime.ToMicros(now)]) == 1;

    public Task CreatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken) =>
        ExecuteWrite(PaymentRecordSql.InsertPayment, PaymentRecordSql.Values(payment, Time));

    public Task<PaymentRecord?> FindPaymentAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.FindPayment].Query(id), Payment).FirstOrDefault(), cancellationToken);

    public Task<PaymentRecord?> FindPaymentByProviderIdAsync(string provider, string providerPaymentId, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.FindPaymentByProvider].Query(provider, providerPaymentId), Payment).FirstOrDefault(), cancellationToken);

    public async Task<PaymentRecord> CreatePaymentOnceAsync(PaymentRecord payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        await ExecuteWrite(PaymentRecordSql.InsertPaymentOnce, PaymentRecordSql.Values(payment, Time));
        return await FindPaymentByProviderIdAsync(payment.Provider, payment.ProviderPaymentId!, cancellationToken) ?? payment;
    }

    public Task<IReadOnlyList<PaymentRecord>> ListPaymentsAsync(string? account, string? before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PaymentRecord>>(session => ReadAll(session[PaymentRecordSql.ListPayments].Query(account ?? "", before ?? "", limit), Payment), cancellationToken);

    private const string PaymentStatusById = "SELECT status FROM payments WHERE id = $1";

    /// <summary>With its outbound event (payment.succeeded) in the same transaction when the status becomes succeeded.</summary>
    public Task UpdatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var before = session[PaymentStatusById].Scalar(payment.Id) as string;
            session[PaymentRecordSql.UpdatePayment].Execute(PaymentRecordSql.Changes(payment, Time));
            var after = session[PaymentStatusById].Scalar(payment.Id) as string;
            AddPaymentEvents(session, PaymentEventRules.OfPayment(before, after, payment.Id), payment.UpdatedAt);
            transaction.Commit();
            return 0;
        });
    }

    /// <summary>With its outbound event (payment.refunded) in the same transaction when it records a refund.</summary>
    public Task RecordEffectAsync(PaymentEffect effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effect);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var recorded = session[PaymentRecordSql.InsertEffect].Execute(PaymentRecordSql.Values(effect, Time));
            session[PaymentRecordSql.SumEffects].Execute(effect.PaymentId, SqliteTime.ToMicros(effect.At));
            AddPaymentEvents(session, PaymentEventRules.OfEffect(effect, recorded == 1), effect.At);
            transaction.Commit();
            return 0;
        });
    }

    private static void AddPaymentEvents(SqliteSession session, IEnumerable<(string Type, string Subject)> events, DateTimeOffset at)
    {
        foreach (var (type, subject) in events)
        {
            session[InsertOutboxEvent].Execute(type, subject, SqliteTime.ToMicros(at));
        }
    }

    public Task<bool> HasEffectAsync(string key, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.HasEffect].Query(key), r => r.GetInt64(0)).Single() > 0, cancellationToken);

    public async Task<WebhookEventRecord> StoreWebhookEventAsync(WebhookEventRecord webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        await ExecuteWrite(PaymentRecordSql.InsertWebhook, PaymentRecordSql.Values(webhook, Time));
        return await FindWebhookEventAsync(webhook.Provider, webhook.EventId, cancellationToken) ?? webhook;
    }

    public Task MarkWebhookEventAsync(string provider, string eventId, WebhookEventStatus status, string? detail, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteWrite(PaymentRecordSql.MarkWebhook, provider, eventId, PaymentRecordSql.Name(status), detail, SqliteTime.ToMicros(now));

    public Task<WebhookEventRecord?> FindWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.FindWebhook].Query(provider, eventId), Webhook).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<WebhookEventRecord>> ListWebhookEventsAsync(DateTimeOffset? before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<WebhookEventRecord>>(session => ReadAll(session[PaymentRecordSql.ListWebhooks].Query(SqliteTime.ToMicros(before ?? DateTimeOffset.MaxValue), limit), Webhook), cancellationToken);

    public Task<SubscriptionRecord?> FindSubscriptionAsync(string provider, string providerSubscriptionId, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.FindSubscription].Query(provider, providerSubscriptionId), Subscription).FirstOrDefault(), cancellationToken);

    /// <summary>With its outbound events (subscription.activated, .renewed, .cancelled) in the same transaction.</summary>
    public Task SaveSubscriptionAsync(SubscriptionRecord subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var before = ReadAll(session[PaymentRecordSql.FindSubscription].Query(subscription.Provider, subscription.ProviderSubscriptionId), Subscription).FirstOrDefault();
            session[PaymentRecordSql.UpsertSubscription].Execute(PaymentRecordSql.Values(subscription, Time));
            AddPaymentEvents(session, PaymentEventRules.OfSubscription(before, subscription), subscription.UpdatedAt);
            transaction.Commit();
            return 0;
        });
    }

    public Task<IReadOnlyList<SubscriptionRecord>> ListSubscriptionsAsync(string? account, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SubscriptionRecord>>(session => ReadAll(session[PaymentRecordSql.ListSubscriptions].Query(account ?? "", limit), Subscription), cancellationToken);

    public Task<IReadOnlyList<SubscriptionRecord>> ListLapsedSubscriptionsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SubscriptionRecord>>(session => ReadAll(session[PaymentRecordSql.LapsedSubscriptions].Query(SqliteTime.ToMicros(before), limit), Subscription), cancellationToken);

    public Task<IReadOnlyList<string>> ListUnknownSubscriptionsAsync(string provider, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<string>>(session => ReadAll(session[PaymentRecordSql.UnknownSubscriptions].Query(provider, SqliteTime.ToMicros(before), limit), r => r.GetString(0)), cancellationToken);

    public Task<IReadOnlyList<PaymentRecord>> ListPendingPaymentsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PaymentRecord>>(session => ReadAll(session[PaymentRecordSql.PendingPayments].Query(SqliteTime.ToMicros(before), limit), Payment), cancellationToken);

    public Task<LotTotals> ReadLotTotalsAsync(string account, string referencePrefix, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[PaymentRecordSql.LotTotals].Query(account, PaymentRecordSql.ReferencePrefix(referencePrefix)), r => new LotTotals(r.GetInt64(0), r.GetInt64(1))).Single(), cancellationToken);

    private static object Time(DateTimeOffset at) => SqliteTime.ToMicros(at);

    private static SubscriptionRecord Subscription(DbDataReader r) => PaymentRecordSql.Subscription(r, SqliteTime.Read);

    private static PaymentRecord Payment(DbDataReader r) => PaymentRecordSql.Payment(r, SqliteTime.Read);

    private static WebhookEventRecord Webhook(DbDataReader r) => PaymentRecordSql.Webhook(r, SqliteTime.Read);
}
