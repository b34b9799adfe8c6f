namespace Tally.Ledger.Relational;

/// <summary>The admin panel's account reads (<see cref="Storage.IAccountDirectory"/>), in SQL both engines accept unless named for one.</summary>
public static class AccountSearchSql
{
    /// <summary>$1 the account id after which to continue ('' from the start), $2 limit: newest first (ids are time-ordered UUIDv7).</summary>
    public const string Newest = """
        SELECT external_id FROM accounts
        WHERE $1 = '' OR id < (SELECT c.id FROM accounts c WHERE c.external_id = $1)
        ORDER BY id DESC LIMIT $2
        """;

    /// <summary>$1 prefix, $2 the id after which to continue ('' from the start), $3 limit: ids starting with the prefix, in order (the unique index on external_id serves the range).</summary>
    public const string ByPrefix = """
        SELECT external_id FROM accounts
        WHERE external_id >= $1 AND external_id > $2 AND substr(external_id, 1, length($1)) = $1
        ORDER BY external_id LIMIT $3
        """;

    /// <summary>$1 account id, $2 limit: every lot of the account, newest first.</summary>
    public const string LotsOfAccount = $"""
        SELECT {Columns.Lot} FROM lots
        WHERE account_id = (SELECT id FROM accounts WHERE external_id = $1)
        ORDER BY created_at DESC, id DESC LIMIT $2
        """;

    /// <summary>$1, $2 analytics day numbers (both included): accounts that consumed credits on those days.</summary>
    public const string ActiveAccounts = "SELECT COUNT(DISTINCT account_id) FROM analytics_account_daily WHERE day >= $1 AND day <= $2 AND type IN ('charge', 'capture')";

    /// <summary>SQLite: the lots that paid entry $1 (burns_entry index).</summary>
    public const string LineageOfEntry = $"SELECT {Columns.PaidBy} FROM burns b JOIN lots l ON l.account_id = b.account_id AND l.id = b.lot_id WHERE b.entry_id = $1";

    /// <summary>PostgreSQL: the lots that paid the entries in $1 (the burns primary key's prefix).</summary>
    public const string LineageOfEntries = $"SELECT {Columns.PaidBy} FROM burns b JOIN lots l ON l.account_id = b.account_id AND l.id = b.lot_id WHERE b.entry_id = ANY($1)";

    /// <summary>The page size callers may ask for at most.</summary>
    public const int MaxLimit = 500;
}
