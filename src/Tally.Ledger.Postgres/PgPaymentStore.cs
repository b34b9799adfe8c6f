using Npgsql;
using Tally.Ledger.Relational;
using Tally.Payments;
using Tally.Payments.Catalog;

namespace Tally.Ledger.Postgres;

public sealed partial class PostgresLedgerStore : IPaymentStore
{
    public async Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken) =>
        await QueryAsync(PaymentSql.Packages, PaymentSql.Package, cancellationToken);

    public async Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(create ? PaymentSql.CreatePackage : PaymentSql.UpdatePackage, cancellationToken, [.. PaymentSql.Values(package), PgTime.ToDb(now)]) == 1;

    public async Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken) =>
        await QueryAsync(PaymentSql.Plans, PaymentSql.Plan, cancellationToken);

    public async Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(create ? PaymentSql.CreatePlan : PaymentSql.UpdatePlan, cancellationToken, [.. PaymentSql.Values(plan), PgTime.ToDb(now)]) == 1;

    public Task CreatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken) =>
        ExecuteAsync(PaymentRecordSql.InsertPayment, cancellationToken, PaymentRecordSql.Values(payment, Time));

    public async Task<PaymentRecord?> FindPaymentAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.FindPayment, Payment, cancellationToken, id)).FirstOrDefault();

    public async Task<PaymentRecord?> FindPaymentByProviderIdAsync(string provider, string providerPaymentId, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.FindPaymentByProvider, Payment, cancellationToken, provider, providerPaymentId)).FirstOrDefault();

    public async Task<PaymentRecord> CreatePaymentOnceAsync(PaymentRecord payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        await ExecuteAsync(PaymentRecordSql.InsertPaymentOnce, cancellationToken, PaymentRecordSql.Values(payment, Time));
        return await FindPaymentByProviderIdAsync(payment.Provider, payment.ProviderPaymentId!, cancellationToken) ?? payment;
    }

    public async Task<IReadOnlyList<PaymentRecord>> ListPaymentsAsync(string? account, string? before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.ListPayments, Payment, cancellationToken, account ?? "", before ?? "", limit);

    public Task UpdatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken) =>
        ExecuteAsync(PaymentRecordSql.UpdatePayment, cancellationToken, PaymentRecordSql.Changes(payment, Time));

    public async Task RecordEffectAsync(PaymentEffect effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effect);
        await ExecuteAsync(PaymentRecordSql.InsertEffect, cancellationToken, PaymentRecordSql.Values(effect, Time));
        await ExecuteAsync(PaymentRecordSql.SumEffects, cancellationToken, effect.PaymentId, PgTime.ToDb(effect.At));
    }

    public async Task<bool> HasEffectAsync(string key, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.HasEffect, r => r.GetInt64(0), cancellationToken, key)).Single() > 0;

    public async Task<WebhookEventRecord> StoreWebhookEventAsync(WebhookEventRecord webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        await ExecuteAsync(PaymentRecordSql.InsertWebhook, cancellationToken, PaymentRecordSql.Values(webhook, Time));
        return await FindWebhookEventAsync(webhook.Provider, webhook.EventId, cancellationToken) ?? webhook;
    }

    public Task MarkWebhookEventAsync(string provider, string eventId, WebhookEventStatus status, string? detail, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(PaymentRecordSql.MarkWebhook, cancellationToken, provider, eventId, PaymentRecordSql.Name(status), detail, PgTime.ToDb(now));

    public async Task<WebhookEventRecord?> FindWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.FindWebhook, Webhook, cancellationToken, provider, eventId)).FirstOrDefault();

    public async Task<IReadOnlyList<WebhookEventRecord>> ListWebhookEventsAsync(DateTimeOffset? before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.ListWebhooks, Webhook, cancellationToken, PgTime.ToDb(before ?? DateTimeOffset.MaxValue), limit);

    public async Task<SubscriptionRecord?> FindSubscriptionAsync(string provider, string providerSubscriptionId, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.FindSubscription, Subscription, cancellationToken, provider, providerSubscriptionId)).FirstOrDefault();

    public Task SaveSubscriptionAsync(SubscriptionRecord subscription, CancellationToken cancellationToken) =>
        ExecuteAsync(PaymentRecordSql.UpsertSubscription, cancellationToken, PaymentRecordSql.Values(subscription, Time));

    public async Task<IReadOnlyList<SubscriptionRecord>> ListSubscriptionsAsync(string? account, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.ListSubscriptions, Subscription, cancellationToken, account ?? "", limit);

    public async Task<IReadOnlyList<SubscriptionRecord>> ListLapsedSubscriptionsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.LapsedSubscriptions, Subscription, cancellationToken, PgTime.ToDb(before), limit);

    public async Task<IReadOnlyList<string>> ListUnknownSubscriptionsAsync(string provider, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.UnknownSubscriptions, r => r.GetString(0), cancellationToken, provider, PgTime.ToDb(before), limit);

    public async Task<IReadOnlyList<PaymentRecord>> ListPendingPaymentsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentRecordSql.PendingPayments, Payment, cancellationToken, PgTime.ToDb(before), limit);

    public async Task<LotTotals> ReadLotTotalsAsync(string account, string referencePrefix, CancellationToken cancellationToken) =>
        (await QueryAsync(PaymentRecordSql.LotTotals, r => new LotTotals(r.GetInt64(0), r.GetInt64(1)), cancellationToken, account, PaymentRecordSql.ReferencePrefix(referencePrefix))).Single();

    private static object Time(DateTimeOffset at) => PgTime.ToDb(at);

    private static SubscriptionRecord Subscription(NpgsqlDataReader r) => PaymentRecordSql.Subscription(r, PgTime.Read);

    private static PaymentRecord Payment(NpgsqlDataReader r) => PaymentRecordSql.Payment(r, PgTime.Read);

    private static WebhookEventRecord Webhook(NpgsqlDataReader r) => PaymentRecordSql.Webhook(r, PgTime.Read);
}
