using System.Data.Common;
using Tally.Payments;
using Tally.Payments.Pricing;

namespace Tally.Ledger.Relational;

/// <summary>SQL and row mapping for payments and stored provider webhooks.</summary>
public static class PaymentRecordSql
{
    private const string PaymentColumns = "id, account, kind, package_id, plan_id, credits, price_amount, currency, status, provider, provider_payment_id, provider_subscription_id, checkout_session_id, refunded_amount, clawed_back, unrecovered, dispute_status, created_at, updated_at";
    private const string WebhookColumns = "provider, event_id, type, status, detail, payload, attempts, received_at, updated_at";

    public const string InsertPayment = $"INSERT INTO payments ({PaymentColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";

    public const string InsertPaymentOnce = InsertPayment + " ON CONFLICT (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL DO NOTHING";

    public const string FindPayment = $"SELECT {PaymentColumns} FROM payments WHERE id = $1";

    public const string FindPaymentByProvider = $"SELECT {PaymentColumns} FROM payments WHERE provider = $1 AND provider_payment_id = $2";

    /// <summary>$1 account ('' = all), $2 before this id ('' = from the newest), $3 limit.</summary>
    public const string ListPayments = $"SELECT {PaymentColumns} FROM payments WHERE ($1 = '' OR account = $1) AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3";

    /// <summary>
    /// Sets a payment's status, provider ids and dispute status. A refunded payment keeps its
    /// refund status (a concurrent, older view of it saying "succeeded" does not undo it) and a
    /// dispute status is never cleared.
    /// </summary>
    public const string UpdatePayment = """
        UPDATE payments SET
            status = CASE WHEN $2 = 'succeeded' AND status IN ('partially_refunded', 'refunded') THEN status ELSE $2 END,
            provider_payment_id = $3, provider_subscription_id = $4, checkout_session_id = $5,
            dispute_status = COALESCE($6, dispute_status), updated_at = $7
        WHERE id = $1
        """;

    /// <summary>$1 key, $2 payment, $3 kind, $4 amount, $5 credits, $6 unrecovered, $7 time.</summary>
    public const string InsertEffect = "INSERT INTO payment_effects (effect_key, payment_id, kind, amount, credits, unrecovered, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (effect_key) DO NOTHING";

    public const string HasEffect = "SELECT count(*) FROM payment_effects WHERE effect_key = $1";

    /// <summary>Recomputes a payment's totals, and its refund status, from its effects ($1 payment, $2 time): idempotent.</summary>
    public const string SumEffects = """
        UPDATE payments SET
            status = CASE
                WHEN status NOT IN ('succeeded', 'partially_refunded', 'refunded') THEN status
                WHEN (SELECT COALESCE(SUM(amount), 0) FROM payment_effects WHERE payment_id = $1 AND kind = 'refund') >= price_amount THEN 'refunded'
                WHEN (SELECT COALESCE(SUM(amount), 0) FROM payment_effects WHERE payment_id = $1 AND kind = 'refund') > 0 THEN 'partially_refunded'
                ELSE status END,
            refunded_amount = (SELECT COALESCE(SUM(amount), 0) FROM payment_effects WHERE payment_id = $1 AND kind = 'refund'),
            clawed_back = (SELECT COALESCE(SUM(credits), 0) FROM payment_effects WHERE payment_id = $1),
            unrecovered = (SELECT COALESCE(SUM(unrecovered), 0) FROM payment_effects WHERE payment_id = $1),
            updated_at = $2
        WHERE id = $1
        """;

    public const string InsertWebhook = $"INSERT INTO webhook_events ({WebhookColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, event_id) DO NOTHING";

    public const string FindWebhook = $"SELECT {WebhookColumns} FROM webhook_events WHERE provider = $1 AND event_id = $2";

    public const string MarkWebhook = "UPDATE webhook_events SET status = $3, detail = $4, attempts = attempts + 1, updated_at = $5 WHERE provider = $1 AND event_id = $2";

    /// <summary>$1 received before, $2 limit.</summary>
    public const string ListWebhooks = $"SELECT {WebhookColumns} FROM webhook_events WHERE received_at < $1 ORDER BY received_at DESC, event_id DESC LIMIT $2";

    private const string SubscriptionColumns = "provider, provider_subscription_id, account, plan_id, status, period_start, period_end, cancel_at_period_end, created_at, updated_at";

    public const string FindSubscription = $"SELECT {SubscriptionColumns} FROM subscriptions WHERE provider = $1 AND provider_subscription_id = $2";

    public const string UpsertSubscription = $"""
        INSERT INTO subscriptions ({SubscriptionColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (provider, provider_subscription_id) DO UPDATE SET
            account = excluded.account, plan_id = excluded.plan_id, status = excluded.status, period_start = excluded.period_start,
            period_end = excluded.period_end, cancel_at_period_end = excluded.cancel_at_period_end, updated_at = excluded.updated_at
        """;

    /// <summary>$1 account ('' = all), $2 limit.</summary>
    public const string ListSubscriptions = $"SELECT {SubscriptionColumns} FROM subscriptions WHERE ($1 = '' OR account = $1) ORDER BY created_at DESC LIMIT $2";

    /// <summary>$1 before, $2 limit.</summary>
    public const string LapsedSubscriptions = $"SELECT {SubscriptionColumns} FROM subscriptions WHERE status IN ('active', 'on_hold', 'past_due') AND period_end < $1 ORDER BY period_end LIMIT $2";

    /// <summary>$1 provider, $2 before, $3 limit.</summary>
    public const string UnknownSubscriptions = """
        SELECT DISTINCT p.provider_subscription_id FROM payments p
        WHERE p.provider = $1 AND p.provider_subscription_id IS NOT NULL AND p.status <> 'pending' AND p.created_at <= $2
          AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.provider = p.provider AND s.provider_subscription_id = p.provider_subscription_id)
        LIMIT $3
        """;

    /// <summary>$1 before, $2 limit.</summary>
    public const string PendingPayments = $"SELECT {PaymentColumns} FROM payments WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at LIMIT $2";

    /// <summary>
    /// $1 account's external id, $2 a LIKE pattern of lot references (<see cref="ReferencePrefix"/>):
    /// what the lots were given, and what they hold now plus what expiry wrote off from them.
    /// </summary>
    public const string LotTotals = """
        SELECT COALESCE((SELECT SUM(l.amount) FROM lots l JOIN accounts a ON a.id = l.account_id
                         WHERE a.external_id = $1 AND l.reference LIKE $2 ESCAPE '!'), 0),
               COALESCE((SELECT SUM(l.remaining) FROM lots l JOIN accounts a ON a.id = l.account_id
                         WHERE a.external_id = $1 AND l.reference LIKE $2 ESCAPE '!'), 0)
             + COALESCE((SELECT SUM(b.amount) FROM burns b JOIN entries e ON e.account_id = b.account_id AND e.id = b.entry_id
                         WHERE e.type = 'expire' AND b.lot_id IN (
                             SELECT l.id FROM lots l JOIN accounts a ON a.id = l.account_id
                             WHERE a.external_id = $1 AND l.reference LIKE $2 ESCAPE '!')), 0)
        """;

    /// <summary>The LIKE pattern of references starting with <paramref name="prefix"/> (its wildcards escaped).</summary>
    public static string ReferencePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return prefix.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal) + "%";
    }

    public static object?[] Values(SubscriptionRecord s, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(time);
        return [s.Provider, s.ProviderSubscriptionId, s.Account, s.PlanId, Name(s.Status), time(s.PeriodStart), time(s.PeriodEnd), s.CancelAtPeriodEnd, time(s.CreatedAt), time(s.UpdatedAt)];
    }

    public static SubscriptionRecord Subscription(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new SubscriptionRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Parse<Tally.Payments.Providers.SubscriptionState>(r.GetString(4)),
            time(r, 5), time(r, 6), r.GetBoolean(7), time(r, 8), time(r, 9));
    }

    /// <summary>A payment's values in <see cref="InsertPayment"/>'s order; <paramref name="time"/> converts timestamps to the store's form.</summary>
    public static object?[] Values(PaymentRecord p, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(time);
        return [p.Id, p.Account, Name(p.Kind), p.PackageId, p.PlanId, p.Credits, p.Price.Amount, p.Price.Currency, Name(p.Status), p.Provider,
            p.ProviderPaymentId, p.ProviderSubscriptionId, p.CheckoutSessionId, p.RefundedAmount, p.ClawedBack, p.Unrecovered, p.DisputeStatus,
            time(p.CreatedAt), time(p.UpdatedAt)];
    }

    /// <summary>The columns <see cref="UpdatePayment"/> sets, in its order (totals come from effects).</summary>
    public static object?[] Changes(PaymentRecord p, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(time);
        return [p.Id, Name(p.Status), p.ProviderPaymentId, p.ProviderSubscriptionId, p.CheckoutSessionId, p.DisputeStatus, time(p.UpdatedAt)];
    }

    public static object?[] Values(PaymentEffect e, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(time);
        return [e.Key, e.PaymentId, Name(e.Kind), e.Amount, e.Credits, e.Unrecovered, time(e.At)];
    }

    public static object?[] Values(WebhookEventRecord w, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(time);
        return [w.Provider, w.EventId, w.Type, Name(w.Status), w.Detail, w.Payload, w.Attempts, time(w.ReceivedAt), time(w.UpdatedAt)];
    }

    public static PaymentRecord Payment(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new PaymentRecord(
            r.GetString(0), r.GetString(1), Parse<PaymentKind>(r.GetString(2)), Text(r, 3), Text(r, 4), r.GetInt64(5),
            new Money(r.GetInt64(6), r.GetString(7)), Parse<PaymentStatus>(r.GetString(8)), r.GetString(9), Text(r, 10), Text(r, 11), Text(r, 12),
            r.GetInt64(13), r.GetInt64(14), r.GetInt64(15), Text(r, 16), time(r, 17), time(r, 18));
    }

    public static WebhookEventRecord Webhook(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new WebhookEventRecord(r.GetString(0), r.GetString(1), r.GetString(2), Parse<WebhookEventStatus>(r.GetString(3)), Text(r, 4),
            r.GetString(5), r.GetInt32(6), time(r, 7), time(r, 8));
    }

    /// <summary>An enum value as stored: snake_case (<c>PartiallyRefunded</c> → <c>partially_refunded</c>).</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static T Parse<T>(string name)
        where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            if (Name(value) == name)
            {
                return value;
            }
        }

        throw new InvalidDataException($"unknown {typeof(T).Name} '{name}'");
    }

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
