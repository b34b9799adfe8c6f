using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The PostgreSQL store's statements. Loads name their accounts through one set expression
/// ($1 external ids, $2 hold ids, $3 entry ids) so that every statement of the load batch can run
/// in the same round trip as the one that locks those accounts.
/// </summary>
internal static class PgSql
{
    /// <summary>
    /// Account ids of external ids ($1), holds and entries: each a branch of one UNION ALL that
    /// <see cref="PgAccountIds"/> puts together from the branches it needs (so on Citus a lookup of
    /// one external id is a statement on one shard). These mappings never change, so the store
    /// caches them and usually skips this round trip.
    /// </summary>
    public const string ResolveAccounts = "SELECT 'a', external_id, id FROM accounts WHERE external_id = ANY($1)";

    /// <summary>On Citus: external ids live in account_external_ids, distributed by the external id.</summary>
    public const string ResolveAccountsOnCitus = "SELECT 'a', external_id, account_id FROM account_external_ids WHERE external_id = ANY($1)";

    public const string ResolveHolds = "SELECT 'h', id::text, account_id FROM holds WHERE id = ANY($1)";
    public const string ResolveEntries = "SELECT 'e', id::text, account_id FROM entries WHERE id = ANY($1)";

    /// <summary>The channel every instance LISTENs on for committed changes.</summary>
    public const string ChangesChannel = "tally_changes";

    public const string Notify = $"SELECT pg_notify('{ChangesChannel}', m) FROM unnest($1::text[]) m";

    // Locking in id order means two transactions over overlapping accounts queue instead of deadlocking.
    public const string LockAccounts = $"SELECT {Columns.Account} FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE";
    /// <summary>On Citus: one account, so the statement runs on its shard alone (Citus refuses FOR UPDATE across shards).</summary>
    public const string LockAccount = $"SELECT {Columns.Account} FROM accounts WHERE id = $1 FOR UPDATE";
    public const string ReadAccounts = $"SELECT {Columns.Account} FROM accounts WHERE id = ANY($1)";
    public const string Balances = $"SELECT {Columns.Balance} FROM balances WHERE account_id = ANY($1)";

    // Two branches rather than one OR, so each uses its index (the partial lots_live, the pins' lot index).
    // Every join and filter names the account too: on Citus (docs/scaling.md) that keeps each on the
    // account's shard; on plain PostgreSQL it is one more filter on rows already found by id.
    public const string Lots = $"""
        SELECT {Columns.Lot} FROM lots WHERE account_id = ANY($1) AND remaining > 0
        UNION ALL
        SELECT {Columns.Lot} FROM lots WHERE remaining = 0 AND account_id = ANY($1) AND id IN (
            SELECT p.lot_id FROM hold_pins p JOIN holds h ON h.account_id = p.account_id AND h.id = p.hold_id
            WHERE h.account_id = ANY($1) AND h.status = 'active')
        """;

    /// <summary>Active holds of the accounts ($1) and the holds named by id ($2) whatever their status.</summary>
    public const string Holds = $"""
        SELECT {Columns.Hold} FROM holds WHERE account_id = ANY($1) AND status = 'active'
        UNION SELECT {Columns.Hold} FROM holds WHERE id = ANY($2) AND account_id = ANY($1)
        """;

    public const string Pins = $"""
        SELECT {Columns.Pin} FROM hold_pins
        WHERE account_id = ANY($1) AND hold_id IN (SELECT id FROM holds WHERE account_id = ANY($1) AND status = 'active' UNION SELECT unnest($2::uuid[]))
        ORDER BY hold_id, ordinal
        """;

    public const string Reversible = $"""
        SELECT {Columns.Entry}, (SELECT COALESCE(SUM(x.amount), 0) FROM entries x WHERE x.account_id = e.account_id AND x.reverses_entry_id = e.id)::bigint
        FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.id = ANY($1)
        """;

    /// <summary>Lineage of the entries named for reversal ($1): which lots paid how much, with the lots' terms.</summary>
    public const string PaidBy = AccountSearchSql.LineageOfEntries;

    public const string Features = $"SELECT {Columns.Feature} FROM features WHERE feature_key = ANY($1)";
    public const string FeatureUnits = "SELECT unit_key, precision FROM units WHERE unit_key IN (SELECT unit FROM features WHERE feature_key = ANY($1))";
    /// <summary>
    /// Rule usage of the accounts ($1): first-use markers (period 0) and allowance rows of periods
    /// that can still be current (since $2, Unix seconds: a month back at most; older rows are never read again).
    /// </summary>
    public const string RuleUsage = $"SELECT {Columns.RuleUsage} FROM rule_usage WHERE account_id = ANY($1) AND (period = 0 OR period >= $2)";

    public const string UpsertRuleUsage = """
        INSERT INTO rule_usage (account_id, rule_key, period, used)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[])
        ON CONFLICT (account_id, rule_key, period) DO UPDATE SET used = EXCLUDED.used
        """;

    public const string Idempotency = $"SELECT {Columns.Idempotency} FROM idempotency WHERE idempotency_key = ANY($1)";

    public const string InsertAccounts = """
        INSERT INTO accounts (id, external_id, tier, frozen, overdraft_limit, low_balance_threshold, metadata, created_at, updated_at, seq)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::bigint[], $6::bigint[], $7::text[],
                             $8::timestamptz[], $9::timestamptz[], $10::bigint[])
        """;

    /// <summary>On Citus only: the table that keeps an external id unique across shards (Citus/distribute.sql).</summary>
    public const string InsertExternalIds = """
        INSERT INTO account_external_ids (external_id, account_id) SELECT * FROM unnest($1::text[], $2::uuid[])
        """;

    public const string UpdateAccounts = """
        UPDATE accounts a SET tier = u.tier, frozen = u.frozen, overdraft_limit = u.overdraft_limit,
            low_balance_threshold = u.low_balance_threshold, metadata = u.metadata, updated_at = u.updated_at, seq = u.seq
        FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[], $8::bigint[])
            AS u (id, tier, frozen, overdraft_limit, low_balance_threshold, metadata, updated_at, seq)
        WHERE a.id = u.id
        """;

    /// <summary>On Citus: <see cref="UpdateAccounts"/> for one account ($9), so that it routes to the account's shard.</summary>
    public const string UpdateAccountsOnShard = UpdateAccounts + " AND a.id = $9";

    public const string InsertBalances = """
        INSERT INTO balances (account_id, unit, balance, debt)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[])
        """;

    public const string UpdateBalances = """
        UPDATE balances b SET balance = u.balance, debt = u.debt
        FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) AS u (account_id, unit, balance, debt)
        WHERE b.account_id = u.account_id AND b.unit = u.unit
        """;

    public const string UpdateBalancesOnShard = UpdateBalances + " AND b.account_id = $5";

    public const string InsertLots = """
        INSERT INTO lots (id, account_id, unit, source, amount, remaining, priority, effective_at, expires_at, features, reference, entry_id, created_at, paid)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::integer[],
                             $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::uuid[], $13::timestamptz[], $14::boolean[])
        """;

    public const string UpdateLots = """
        UPDATE lots l SET remaining = u.remaining
        FROM unnest($1::uuid[], $2::bigint[]) AS u (id, remaining) WHERE l.id = u.id
        """;

    public const string UpdateLotsOnShard = UpdateLots + " AND l.account_id = $3";

    public const string InsertHolds = """
        INSERT INTO holds (id, account_id, unit, amount, unbacked, captured, status, feature, description, expires_at, created_at, updated_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
                             $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
        """;

    public const string UpdateHolds = """
        UPDATE holds h SET captured = u.captured, status = u.status, updated_at = u.updated_at
        FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[]) AS u (id, captured, status, updated_at)
        WHERE h.id = u.id
        """;

    public const string UpdateHoldsOnShard = UpdateHolds + " AND h.account_id = $5";

    public const string InsertPins = """
        INSERT INTO hold_pins (hold_id, ordinal, lot_id, account_id, amount)
        SELECT * FROM unnest($1::uuid[], $2::integer[], $3::uuid[], $4::uuid[], $5::bigint[])
        """;

    public const string InsertEntries = """
        INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, feature, quantity, description, reference,
            metadata, actor, hold_id, lot_id, reverses_entry_id, transfer_id, idempotency_key, created_at, rules)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[],
                             $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::uuid[], $15::uuid[], $16::uuid[],
                             $17::uuid[], $18::text[], $19::timestamptz[], $20::text[])
        """;

    public const string InsertBurns = """
        INSERT INTO burns (entry_id, lot_id, account_id, amount)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[])
        """;

    public const string InsertIdempotency = """
        INSERT INTO idempotency (idempotency_key, fingerprint, outcome, response_status, response_body, created_at)
        SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::integer[], $5::bytea[], $6::timestamptz[])
        """;


    public const string InsertMarker = "INSERT INTO commit_markers (id, fenced) VALUES ($1, false)";

    /// <summary>Takes a marker's id for good (after a failed commit); waits for the transaction that may hold it.</summary>
    public const string FenceMarker = "INSERT INTO commit_markers (id, fenced) VALUES ($1, true) ON CONFLICT (id) DO NOTHING";

    public const string MarkerFenced = "SELECT fenced FROM commit_markers WHERE id = $1";

    public const string PurgeMarkers = "DELETE FROM commit_markers WHERE id < $1";

    public const string PinsOfHolds = $"SELECT {Columns.Pin} FROM hold_pins WHERE hold_id = ANY($1) ORDER BY hold_id, ordinal";
}
