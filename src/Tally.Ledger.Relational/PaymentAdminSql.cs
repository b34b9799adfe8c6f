using System.Data.Common;
using Tally.Payments;

namespace Tally.Ledger.Relational;

/// <summary>The SQL of <see cref="IPaymentAdminQueries"/>, the same for SQLite and PostgreSQL.</summary>
public static class PaymentAdminSql
{
    private const string PaymentColumns = "id, account, kind, package_id, plan_id, credits, price_amount, currency, status, provider, provider_payment_id, provider_subscription_id, checkout_session_id, refunded_amount, clawed_back, unrecovered, dispute_status, created_at, updated_at";

    /// <summary>$1 account ('' = any), $2 status ('' = any), $3 before id ('' = first page), $4 limit.</summary>
    public const string SearchPayments = $"SELECT {PaymentColumns} FROM payments WHERE ($1 = '' OR account = $1) AND ($2 = '' OR status = $2) AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4";

    public const string PaymentEffects = "SELECT effect_key, payment_id, kind, amount, credits, unrecovered, created_at FROM payment_effects WHERE payment_id = $1 ORDER BY created_at, effect_key";

    public static object[] SearchValues(string? account, PaymentStatus? status, string? before, int limit) =>
        [account ?? "", status is { } s ? PaymentRecordSql.Name(s) : "", before ?? "", limit];

    public static PaymentEffect Effect(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        var kind = Enum.GetValues<PaymentEffectKind>().First(k => PaymentRecordSql.Name(k) == r.GetString(2));
        return new PaymentEffect(r.GetString(0), r.GetString(1), kind, r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), time(r, 6));
    }
}
