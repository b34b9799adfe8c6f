using System.Data.Common;
using Tally.Ledger.Fraud;

namespace Tally.Ledger.Relational;

/// <summary>
/// Fraud flags' SQL both stores accept (docs/fraud.md). The one difference, how a list of
/// accounts is passed, is a parameter: PostgreSQL <c>= ANY($1)</c>, SQLite <c>IN (SELECT value FROM json_each($1))</c>.
/// </summary>
public static class FraudSql
{
    public const string FlagColumns = "id, account, kind, evidence, status, created_at, cleared_at, cleared_by, clear_reason";

    /// <summary>Consumption = charge and capture entries (their amounts are negative).</summary>
    private const string Consumption = "e.type IN ('charge', 'capture')";

    /// <summary>$1 the accounts, $2 since (exclusive): (account, unit, credits consumed, entries).</summary>
    public static string SumConsumption(string accountsMatch) => $"""
        SELECT a.external_id, e.unit, CAST(-SUM(e.amount) AS bigint), COUNT(*)
        FROM entries e JOIN accounts a ON a.id = e.account_id
        WHERE a.external_id {accountsMatch} AND {Consumption} AND e.created_at > $2
        GROUP BY a.external_id, e.unit
        """;

    /// <summary>
    /// $1 the accounts, $2 each one's seq watermark (same order), $3 since (exclusive): consumption
    /// after the watermark per (account, unit, minute), and the account's seq in the same snapshot
    /// (the next watermark). Every account answers at least one row (unit NULL when nothing new).
    /// <paramref name="watermarks"/> yields <c>w(account, after)</c>; <paramref name="minuteOf"/>
    /// turns <c>e.created_at</c> into whole minutes since the Unix epoch.
    /// </summary>
    public static string ConsumptionAfter(string watermarks, string minuteOf) => $"""
        SELECT a.external_id, a.seq, e.unit, {minuteOf} AS minute, CAST(-COALESCE(SUM(e.amount), 0) AS bigint), COUNT(e.id)
        FROM {watermarks}
        JOIN accounts a ON a.external_id = w.account
        LEFT JOIN entries e ON e.account_id = a.id AND e.seq > w.after AND {Consumption} AND e.created_at > $3
        GROUP BY a.external_id, a.seq, e.unit, minute
        """;

    /// <summary>$1 account, $2 unit, $3 since (exclusive), $4 limit: entry ids, newest first.</summary>
    public const string ListConsumption = $"""
        SELECT e.id FROM entries e JOIN accounts a ON a.id = e.account_id
        WHERE a.external_id = $1 AND e.unit = $2 AND {Consumption} AND e.created_at > $3
        ORDER BY e.seq DESC LIMIT $4
        """;

    /// <summary>$1 since (exclusive), $2 limit: (account, kind, payment, effect key, at), newest first.</summary>
    public const string ListPaymentSignals = """
        SELECT account, kind, payment_id, effect_key, at FROM (
            SELECT account, 'failed_payments' AS kind, id AS payment_id, NULL AS effect_key, updated_at AS at
            FROM payments WHERE status = 'failed' AND updated_at > $1
            UNION ALL
            SELECT p.account, CASE f.kind WHEN 'refund' THEN 'refunds' ELSE 'dispute' END, f.payment_id, f.effect_key, f.created_at
            FROM payment_effects f JOIN payments p ON p.id = f.payment_id
            WHERE f.kind IN ('refund', 'restrict', 'dispute_lost') AND f.created_at > $1
        ) s ORDER BY at DESC, payment_id DESC LIMIT $2
        """;

    /// <summary>An open flag, or nothing when the account has one of the kind (the partial unique index).</summary>
    public const string InsertFlag = $"INSERT INTO fraud_flags ({FlagColumns}) VALUES ($1, $2, $3, $4, 'open', $5, NULL, NULL, NULL) ON CONFLICT DO NOTHING";

    /// <summary>$1 account, $2 kind.</summary>
    public const string LatestFlag = $"SELECT {FlagColumns} FROM fraud_flags WHERE account = $1 AND kind = $2 ORDER BY id DESC LIMIT 1";

    public const string FindFlag = $"SELECT {FlagColumns} FROM fraud_flags WHERE id = $1";

    /// <summary>$1 status ('' = any), $2 account ('' = any), $3 before this id ('' = newest), $4 limit.</summary>
    public const string ListFlags = $"""
        SELECT {FlagColumns} FROM fraud_flags
        WHERE ($1 = '' OR status = $1) AND ($2 = '' OR account = $2) AND ($3 = '' OR id < $3)
        ORDER BY id DESC LIMIT $4
        """;

    /// <summary>$1 id, $2 now, $3 actor, $4 reason: only an open flag.</summary>
    public const string ClearFlag = "UPDATE fraud_flags SET status = 'cleared', cleared_at = $2, cleared_by = $3, clear_reason = $4 WHERE id = $1 AND status = 'open'";

    /// <summary>The outbox subject of a raised flag.</summary>
    public static string Subject(FraudFlag flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return "{\"flag\":\"" + flag.Id + "\"}";
    }

    public static object?[] Values(FraudFlag f, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(time);
        return [f.Id, f.Account, FraudFlag.Name(f.Kind), f.Evidence, time(f.CreatedAt)];
    }

    public static FraudFlag Flag(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new FraudFlag(
            r.GetString(0),
            r.GetString(1),
            FraudFlag.KindOf(r.GetString(2)) ?? throw new InvalidDataException($"unknown fraud flag kind '{r.GetString(2)}'"),
            r.GetString(3),
            r.GetString(4) == "open" ? FraudFlagStatus.Open : FraudFlagStatus.Cleared,
            time(r, 5),
            r.IsDBNull(6) ? null : time(r, 6),
            r.IsDBNull(7) ? null : r.GetString(7),
            r.IsDBNull(8) ? null : r.GetString(8));
    }

    public static PaymentSignal Signal(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new PaymentSignal(r.GetString(0), FraudFlag.KindOf(r.GetString(1))!.Value, r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), time(r, 4));
    }

    public static ConsumptionMinute Minute(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.IsDBNull(2)
            ? new ConsumptionMinute(r.GetString(0), r.GetInt64(1), null, 0, 0, 0)
            : new ConsumptionMinute(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));
    }

    public static ConsumptionTotal Total(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new ConsumptionTotal(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3));
    }
}
