using System.Data.Common;
using Tally.Ledger.Analytics;
using Tally.Ledger.Model;

namespace Tally.Ledger.Relational;

/// <summary>
/// The analytics statements both stores run (tables in migrations PostgreSQL 0010 and SQLite
/// 0008; docs/analytics.md). Sums are cast to bigint: PostgreSQL's sum(bigint) is numeric.
/// </summary>
public static class AnalyticsSql
{
    /// <summary>Accounts whose seq moved past their watermark: account id, seq now, watermark.</summary>
    public const string Candidates = """
        SELECT s.account_id, s.seq, coalesce(m.seq, 0)
        FROM account_seqs s LEFT JOIN analytics_marks m ON m.account_id = s.account_id
        WHERE s.seq > coalesce(m.seq, 0)
        LIMIT $1
        """;

    public const string CountCandidates = """
        SELECT count(*)
        FROM account_seqs s LEFT JOIN analytics_marks m ON m.account_id = s.account_id
        WHERE s.seq > coalesce(m.seq, 0)
        """;

    /// <summary>
    /// An entry as a <see cref="JournalLine"/>, with its paid part: for a credit, the paid lots it
    /// created; for a debit, what it burned from paid lots.
    /// </summary>
    public const string LineColumns = """
        e.account_id, e.seq, e.type, e.unit, e.amount, e.feature, e.quantity, e.created_at,
        CASE WHEN e.amount > 0
             THEN CAST(coalesce((SELECT sum(l.amount) FROM lots l WHERE l.account_id = e.account_id AND l.entry_id = e.id AND l.paid), 0) AS bigint)
             ELSE -CAST(coalesce((SELECT sum(b.amount) FROM burns b JOIN lots l ON l.account_id = b.account_id AND l.id = b.lot_id WHERE b.account_id = e.account_id AND b.entry_id = e.id AND l.paid), 0) AS bigint)
        END
        """;

    /// <summary>One account's entries with seq in ($2, $3].</summary>
    public const string LinesOfAccount = "SELECT " + LineColumns + " FROM entries e WHERE e.account_id = $1 AND e.seq > $2 AND e.seq <= $3 ORDER BY e.seq";

    public const string AllLines = "SELECT " + LineColumns + " FROM entries e ORDER BY e.account_id, e.seq";

    public const string UpsertMark = "INSERT INTO analytics_marks (account_id, seq) VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET seq = excluded.seq";

    public const string MarkOf = "SELECT seq FROM analytics_marks WHERE account_id = $1";

    private static string Sums(string table) =>
        $"amount = {table}.amount + excluded.amount, paid_amount = {table}.paid_amount + excluded.paid_amount, "
        + $"entries = {table}.entries + excluded.entries, quantity = {table}.quantity + excluded.quantity";

    public static readonly string UpsertPlatformDaily =
        "INSERT INTO analytics_daily (day, unit, type, feature, amount, paid_amount, entries, quantity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        + "ON CONFLICT (day, unit, type, feature) DO UPDATE SET " + Sums("analytics_daily");

    public static readonly string UpsertAccountDaily =
        "INSERT INTO analytics_account_daily (account_id, day, unit, type, feature, amount, paid_amount, entries, quantity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        + "ON CONFLICT (account_id, day, unit, type, feature) DO UPDATE SET " + Sums("analytics_account_daily");

    public static readonly string UpsertAccountTotal =
        "INSERT INTO analytics_account_totals (account_id, unit, type, feature, amount, paid_amount, entries, quantity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        + "ON CONFLICT (account_id, unit, type, feature) DO UPDATE SET " + Sums("analytics_account_totals");

    public const string Prune = "DELETE FROM analytics_account_daily WHERE day < $1";

    public const string AdvanceState = "UPDATE analytics_state SET entries_folded = entries_folded + $1, folded_at = $2 WHERE id = 1";

    public static readonly string[] Reset =
    [
        "DELETE FROM analytics_daily",
        "DELETE FROM analytics_account_daily",
        "DELETE FROM analytics_account_totals",
        "DELETE FROM analytics_marks",
        "UPDATE analytics_state SET entries_folded = 0, folded_at = NULL WHERE id = 1",
    ];

    private const string SumColumns = "amount, paid_amount, entries, quantity";

    public const string PlatformDaily = "SELECT day, unit, type, feature, " + SumColumns + " FROM analytics_daily WHERE day >= $1 AND day <= $2 ORDER BY day, unit, type, feature";

    public const string AllPlatformDaily = "SELECT day, unit, type, feature, " + SumColumns + " FROM analytics_daily";

    public const string AllAccountDaily = "SELECT account_id, day, unit, type, feature, " + SumColumns + " FROM analytics_account_daily";

    public const string AllAccountTotals = "SELECT account_id, unit, type, feature, " + SumColumns + " FROM analytics_account_totals";

    public const string TotalsOfAccount = "SELECT account_id, unit, type, feature, " + SumColumns + " FROM analytics_account_totals WHERE account_id = $1";

    public const string AccountIdOf = "SELECT id FROM accounts WHERE external_id = $1";

    /// <summary>Consumption (charges and captures) per account over days [$1, $2], the $3 largest.</summary>
    public const string TopSpenders = """
        SELECT a.external_id, s.unit, s.consumed, s.entries
        FROM (SELECT account_id, unit, -CAST(sum(amount) AS bigint) AS consumed, CAST(sum(entries) AS bigint) AS entries
              FROM analytics_account_daily
              WHERE day >= $1 AND day <= $2 AND type IN ('charge', 'capture')
              GROUP BY account_id, unit
              ORDER BY consumed DESC, account_id
              LIMIT $3) s
        JOIN accounts a ON a.id = s.account_id
        ORDER BY s.consumed DESC, a.external_id
        """;

    /// <summary>Open lots (something left, not expired at $1) by unit and paid flag.</summary>
    public const string Liability = """
        SELECT unit, paid, CAST(sum(remaining) AS bigint), count(*)
        FROM lots
        WHERE remaining > 0 AND (expires_at IS NULL OR expires_at > $1)
        GROUP BY unit, paid
        ORDER BY unit, paid
        """;

    /// <summary>Open paid lots that name their purchase (reference provider:payment id), grouped by the price they were bought at.</summary>
    public const string LiabilityPrices = """
        SELECT l.unit, p.currency, p.price_amount, p.credits, CAST(sum(l.remaining) AS bigint)
        FROM lots l JOIN payments p ON l.reference = p.provider || ':' || p.provider_payment_id
        WHERE l.paid AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > $1) AND p.credits > 0
        GROUP BY l.unit, p.currency, p.price_amount, p.credits
        """;

    /// <summary>Payments that brought money in, created in [$1, $2).</summary>
    public const string Revenue = """
        SELECT account, kind, package_id, plan_id, price_amount, refunded_amount, currency, created_at
        FROM payments
        WHERE status IN ('succeeded', 'partially_refunded', 'refunded') AND created_at >= $1 AND created_at < $2
        ORDER BY created_at, id
        """;

    public static JournalLine Line(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new JournalLine(
            r.GetGuid(0),
            r.GetInt64(1),
            Names.EntryTypeOf(r.GetString(2)),
            r.GetString(3),
            r.GetInt64(4),
            r.GetInt64(8),
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetInt64(6),
            time(r, 7));
    }

    /// <summary>A platform row: day, unit, type, feature, sums.</summary>
    public static RollupRow PlatformRow(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(RollupGrain.PlatformDaily, new RollupKey(r.GetInt64(0), null, r.GetString(1), r.GetString(2), r.GetString(3)), SumsAt(r, 4));
    }

    /// <summary>An account-daily row: account, day, unit, type, feature, sums.</summary>
    public static RollupRow AccountDailyRow(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(RollupGrain.AccountDaily, new RollupKey(r.GetInt64(1), r.GetGuid(0), r.GetString(2), r.GetString(3), r.GetString(4)), SumsAt(r, 5));
    }

    /// <summary>An account-total row: account, unit, type, feature, sums.</summary>
    public static RollupRow AccountTotalRow(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(RollupGrain.AccountTotal, new RollupKey(0, r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3)), SumsAt(r, 4));
    }

    public static SpenderRow Spender(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3));
    }

    public static LiabilityRow LiabilityOf(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.GetString(0), r.GetBoolean(1), r.GetInt64(2), r.GetInt64(3));
    }

    /// <summary>Σ remaining × price / credits per (unit, currency), exact to decimal's 28 digits.</summary>
    public static IReadOnlyList<LiabilityValue> Values(IEnumerable<(string Unit, string Currency, long Price, long Credits, long Remaining)> groups) =>
        groups.GroupBy(g => (g.Unit, g.Currency))
            .Select(g => new LiabilityValue(g.Key.Unit, g.Key.Currency, g.Sum(x => (decimal)x.Remaining * x.Price / x.Credits), g.Sum(x => x.Remaining)))
            .OrderBy(v => v.Unit, StringComparer.Ordinal).ThenBy(v => v.Currency, StringComparer.Ordinal)
            .ToList();

    public static (string Unit, string Currency, long Price, long Credits, long Remaining) PriceGroup(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
    }

    public static RevenueRow RevenueOf(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.GetInt64(4), r.GetInt64(5), r.GetString(6), time(r, 7));
    }

    /// <summary>The parameters of one rollup upsert, in the order of its statement.</summary>
    public static object[] UpsertValues(RollupGrain grain, RollupKey key, RollupSums sums, Func<Guid, object> id) => grain switch
    {
        RollupGrain.PlatformDaily => [key.Day, key.Unit, key.Type, key.Feature, sums.Amount, sums.PaidAmount, sums.Entries, sums.QuantityMicros],
        RollupGrain.AccountDaily => [id(key.AccountId!.Value), key.Day, key.Unit, key.Type, key.Feature, sums.Amount, sums.PaidAmount, sums.Entries, sums.QuantityMicros],
        RollupGrain.AccountTotal => [id(key.AccountId!.Value), key.Unit, key.Type, key.Feature, sums.Amount, sums.PaidAmount, sums.Entries, sums.QuantityMicros],
        _ => throw new ArgumentOutOfRangeException(nameof(grain), grain, "unknown grain"),
    };

    public static string UpsertOf(RollupGrain grain) => grain switch
    {
        RollupGrain.PlatformDaily => UpsertPlatformDaily,
        RollupGrain.AccountDaily => UpsertAccountDaily,
        RollupGrain.AccountTotal => UpsertAccountTotal,
        _ => throw new ArgumentOutOfRangeException(nameof(grain), grain, "unknown grain"),
    };

    private static RollupSums SumsAt(DbDataReader r, int first) =>
        new(r.GetInt64(first), r.GetInt64(first + 1), r.GetInt64(first + 2), r.GetInt64(first + 3));
}
