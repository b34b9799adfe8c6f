namespace Tally.Ledger.Relational;

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

    /// <summary>Forgets keys older than $1, except durable ones (<see cref="RequestIdempotency.DurablePrefix"/>).</summary>
    public const string PurgeIdempotency = $"DELETE FROM idempotency WHERE created_at < $1 AND idempotency_key NOT LIKE '{RequestIdempotency.DurablePrefix}%'";

    public const string Units = "SELECT unit_key, precision FROM units ORDER BY unit_key";

    /// <summary>Adds a unit ($1 key, $2 precision, $3 scale, $4 now); nothing when the key is taken.</summary>
    public const string CreateUnit = "INSERT INTO units (unit_key, precision, scale, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_key) DO NOTHING";

    public const string Features = $"SELECT {Columns.Feature} FROM features ORDER BY feature_key";

    /// <summary>Adds a feature ($1 key, $2 cost, $3 unit, $4 description, $5 active, $6 now); nothing when the key is taken.</summary>
    public const string CreateFeature = "INSERT INTO features (feature_key, cost_micros, unit, description, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (feature_key) DO NOTHING";

    /// <summary>Changes a feature (parameters as <see cref="CreateFeature"/>).</summary>
    public const string UpdateFeature = "UPDATE features SET cost_micros = $2, unit = $3, description = $4, active = $5, updated_at = $6 WHERE feature_key = $1";

    public const string CountAccounts = "SELECT COUNT(*) FROM accounts";

    public const string CountEntries = "SELECT COUNT(*) FROM entries";
}
