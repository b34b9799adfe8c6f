namespace Tally.Ledger.Storage;

/// <summary>
/// Ledger reads whose SQL both engines accept as written (positional $n parameters). Timestamps
/// are bound in each store's own representation.
/// </summary>
public static class LedgerSql
{
    /// <summary>Accounts with an expired lot still counted or an active hold past its TTL ($1 now, $2 limit).</summary>
    public const string AccountsToSweep = """
        SELECT a.external_id FROM accounts a
        WHERE a.id IN (SELECT account_id FROM lots WHERE remaining > 0 AND expires_at <= $1
                       UNION SELECT account_id FROM holds WHERE status = 'active' AND expires_at <= $1)
        LIMIT $2
        """;

    /// <summary>An account's holds, newest first ($1 external id).</summary>
    public const string HoldsOfAccount = $"""
        SELECT {Columns.Hold} FROM holds
        WHERE account_id = (SELECT id FROM accounts WHERE external_id = $1)
        ORDER BY created_at DESC LIMIT 1000
        """;
}
