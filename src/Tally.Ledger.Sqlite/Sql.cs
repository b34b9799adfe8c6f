using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

/// <summary>The SQLite store's statements; parameters are positional ($1…) in column order.</summary>
internal static class Sql
{
    /// <summary>
    /// An account's columns, with its seq read back from the journal: a write whose newest entry
    /// carries the seq leaves the account row alone (one b-tree page less per charge), so the
    /// stored column is a floor — the seq of the last change without a journal line.
    /// </summary>
    private const string AccountColumns = """
        id, external_id, tier, frozen, overdraft_limit, low_balance_threshold, metadata, created_at, updated_at,
        max(seq, coalesce((SELECT max(e.seq) FROM entries e WHERE e.account_id = accounts.id), 0)) AS seq
        """;

    public const string AccountByExternalId = $"SELECT {AccountColumns} FROM accounts WHERE external_id = $1";
    public const string AccountById = $"SELECT {AccountColumns} FROM accounts WHERE id = $1";
    public const string HoldAccount = "SELECT account_id FROM holds WHERE id = $1";
    public const string EntryById = $"SELECT {Columns.Entry} FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.id = $1";
    public const string PaidBy = $"SELECT {Columns.PaidBy} FROM burns b JOIN lots l ON l.id = b.lot_id WHERE b.entry_id = $1";
    public const string ReversedSum = "SELECT COALESCE(SUM(amount), 0) FROM entries WHERE reverses_entry_id = $1";
    public const string Balances = $"SELECT {Columns.Balance} FROM balances WHERE account_id = $1";

    public const string Lots = $"""
        SELECT {Columns.Lot} FROM lots
        WHERE account_id = $1 AND (remaining > 0 OR id IN (
            SELECT p.lot_id FROM hold_pins p JOIN holds h ON h.id = p.hold_id
            WHERE h.account_id = $1 AND h.status = 'active'))
        """;

    public const string ActiveHolds = $"SELECT {Columns.Hold} FROM holds WHERE account_id = $1 AND status = 'active'";
    public const string HoldById = $"SELECT {Columns.Hold} FROM holds WHERE id = $1";
    public const string Pins = $"SELECT {Columns.Pin} FROM hold_pins WHERE hold_id = $1 ORDER BY ordinal";
    public const string Feature = $"SELECT {Columns.Feature} FROM features WHERE feature_key = $1";
    public const string Unit = "SELECT unit_key, precision FROM units WHERE unit_key = $1";
    public const string Idempotency = $"SELECT {Columns.Idempotency} FROM idempotency WHERE idempotency_key = $1";

    public const string InsertAccount = """
        INSERT INTO accounts (id, external_id, tier, frozen, overdraft_limit, low_balance_threshold, metadata, created_at, updated_at, seq)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """;

    public const string UpdateAccount = """
        UPDATE accounts SET tier = $2, frozen = $3, overdraft_limit = $4, low_balance_threshold = $5,
            metadata = $6, updated_at = $7, seq = $8
        WHERE id = $1
        """;

    public const string InsertBalance = "INSERT INTO balances (account_id, unit, balance, debt) VALUES ($1, $2, $3, $4)";
    public const string UpdateBalance = "UPDATE balances SET balance = $3, debt = $4 WHERE account_id = $1 AND unit = $2";

    public const string InsertLot = """
        INSERT INTO lots (id, account_id, unit, source, amount, remaining, priority, effective_at, expires_at, features, reference, entry_id, created_at, paid)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        """;

    public const string UpdateLot = "UPDATE lots SET remaining = $2 WHERE id = $1";

    public const string InsertHold = """
        INSERT INTO holds (id, account_id, unit, amount, unbacked, captured, status, feature, description, expires_at, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        """;

    public const string UpdateHold = "UPDATE holds SET captured = $2, status = $3, updated_at = $4 WHERE id = $1";
    public const string InsertPin = "INSERT INTO hold_pins (hold_id, ordinal, lot_id, account_id, amount) VALUES ($1, $2, $3, $4, $5)";

    public const string InsertEntry = """
        INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, feature, quantity, description, reference,
            metadata, actor, hold_id, lot_id, reverses_entry_id, transfer_id, idempotency_key, created_at, rules)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
        """;

    /// <summary>An account's rule usage ($1): first-use markers (period 0) and allowance rows since $2 (Unix seconds).</summary>
    public const string RuleUsage = $"SELECT {Columns.RuleUsage} FROM rule_usage WHERE account_id = $1 AND (period = 0 OR period >= $2)";

    public const string UpsertRuleUsage = """
        INSERT INTO rule_usage (account_id, rule_key, period, used) VALUES ($1, $2, $3, $4)
        ON CONFLICT (account_id, rule_key, period) DO UPDATE SET used = excluded.used
        """;

    public const string InsertBurn = "INSERT INTO burns (entry_id, lot_id, account_id, amount) VALUES ($1, $2, $3, $4)";

    public const string InsertIdempotency = """
        INSERT INTO idempotency (idempotency_key, fingerprint, outcome, response_status, response_body, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """;
}
