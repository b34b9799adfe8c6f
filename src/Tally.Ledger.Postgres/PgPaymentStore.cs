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

    /// <summary>With its outbound event (payment.succeeded) in the same transaction when the status becomes succeeded.</summary>
    public async Task UpdatePaymentAsync(PaymentRecord payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var before = await ScalarAsync(connection, transaction, "SELECT status FROM payments WHERE id = $1 FOR UPDATE", cancellationToken, payment.Id) as string;
        await using (var update = Command(connection, transaction, PaymentRecordSql.UpdatePayment, PaymentRecordSql.Changes(payment, Time)))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        var after = await ScalarAsync(connection, transaction, "SELECT status FROM payments WHERE id = $1", cancellationToken, payment.Id) as string;
        await AddPaymentEventsAsync(connection, transaction, PaymentEventRules.OfPayment(before, after, payment.Id), payment.UpdatedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>With its outbound event (payment.refunded) in the same transaction when it records a refund.</summary>
    public async Task RecordEffectAsync(PaymentEffect effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effect);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int recorded;
        await using (var insert = Command(connection, transaction, PaymentRecordSql.InsertEffect, PaymentRecordSql.Values(effect, Time)))
        {
            recorded = await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var sum = Command(connection, transaction, PaymentRecordSql.SumEffects, effect.PaymentId, PgTime.ToDb(effect.At)))
        {
            await sum.ExecuteNonQueryAsync(cancellationToken);
        }

        await AddPaymentEventsAsync(connection, transaction, PaymentEventRules.OfEffect(effect, recorded == 1), effect.At, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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

    /// <summary>With its outbound events (subscription.activated, .renewed, .cancelled) in the same transaction.</summary>
    public async Task SaveSubscriptionAsync(SubscriptionRecord subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        SubscriptionRecord? before = null;
        await using (var read = Command(connection, transaction, PaymentRecordSql.FindSubscription + " FOR UPDATE", subscription.Provider, subscription.ProviderSubscriptionId))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                before = Subscription(reader);
            }
        }

        await using (var upsert = Command(connection, transaction, PaymentRecordSql.UpsertSubscription, PaymentRecordSql.Values(subscription, Time)))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await AddPaymentEventsAsync(connection, transaction, PaymentEventRules.OfSubscription(before, subscription), subscription.UpdatedAt, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task AddPaymentEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<(string Type, string Subject)> events, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var (type, subject) in events)
        {
            await using var insert = Command(connection, transaction, InsertOutboxEvent, type, subject, PgTime.ToDb(at));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = Command(connection, transaction, sql, values);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

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
