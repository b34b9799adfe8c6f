namespace Tally.Ledger.Relational;

/// <summary>An account's open lots (<see cref="Storage.IOpenLotReader"/>), as <see cref="Columns.Lot"/>.</summary>
public static class OpenLotSql
{
    /// <summary>$1 the account's external id, $2 now; soonest expiry first, lots that never expire last.</summary>
    public const string OpenLots = $"""
        SELECT {Columns.Lot} FROM lots
        WHERE account_id = (SELECT id FROM accounts WHERE external_id = $1)
          AND remaining > 0 AND (expires_at IS NULL OR expires_at > $2)
        ORDER BY CASE WHEN expires_at IS NULL THEN 1 ELSE 0 END, expires_at, created_at
        LIMIT 10000
        """;
}
