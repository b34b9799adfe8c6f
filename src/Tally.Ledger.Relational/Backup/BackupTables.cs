namespace Tally.Ledger.Relational.Backup;

/// <summary>How a column's values look in a backup, whatever the store keeps them as.</summary>
public enum BackupKind
{
    /// <summary>A whole number (<see cref="long"/>), written as a JSON number.</summary>
    Integer,

    /// <summary>Text (<see cref="string"/>), JSON columns included: their text is kept as it is.</summary>
    Text,

    /// <summary>A boolean (<see cref="bool"/>): PostgreSQL's boolean, SQLite's 0/1.</summary>
    Bool,

    /// <summary>An instant as microseconds since the Unix epoch (<see cref="long"/>), written as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>.</summary>
    Timestamp,

    /// <summary>An id (<see cref="Guid"/>): PostgreSQL's uuid, SQLite's 32 hex characters; written as 32 lowercase hex characters.</summary>
    Uuid,

    /// <summary>Bytes (<see cref="byte"/>[]), written as base64.</summary>
    Bytes,

    /// <summary>A list of ids (<see cref="Guid"/>[]): PostgreSQL's uuid[], SQLite's comma-separated hex.</summary>
    UuidList,

    /// <summary>A list of text (<see cref="string"/>[]): PostgreSQL's text[], SQLite's comma-separated text.</summary>
    TextList,

    /// <summary>A list of whole numbers (<see cref="long"/>[]): PostgreSQL's bigint[], SQLite's comma-separated numbers.</summary>
    IntegerList,
}

/// <summary>A column of a backed-up table and the form its values take in the archive.</summary>
public sealed record BackupColumn(string Name, BackupKind Kind);

/// <summary>
/// A table as a backup holds it: its columns (the same names in both stores), the columns its rows
/// are ordered by (a key in both stores, so each export lists rows in one order) and the column a
/// sequence numbers, if any (reset past the restored rows).
/// </summary>
public sealed record BackupTable(string Name, IReadOnlyList<BackupColumn> Columns, IReadOnlyList<string> OrderBy, string? Identity = null)
{
    /// <summary>The column list, comma-separated, in archive order.</summary>
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    /// <summary>The archive entry holding the table's rows.</summary>
    public string EntryName => $"tables/{Name}.jsonl";
}

/// <summary>
/// Every table a backup holds, in the order a restore writes them (a table after the tables its
/// foreign keys point at), and the tables it leaves out with the reason. Both stores' migrations
/// create these tables with the same names and columns; only the types differ (see
/// <see cref="BackupKind"/>). A migration that adds a table or column adds it here too:
/// the backup tests compare this list with both stores' schemas.
/// </summary>
public static class BackupTables
{
    /// <summary>The archive format's version: raised when a table or column is added, renamed or changes form.</summary>
    public const int FormatVersion = 1;

    private const BackupKind I = BackupKind.Integer;
    private const BackupKind T = BackupKind.Text;
    private const BackupKind B = BackupKind.Bool;
    private const BackupKind Ts = BackupKind.Timestamp;
    private const BackupKind U = BackupKind.Uuid;
    private const BackupKind Bin = BackupKind.Bytes;

    /// <summary>The backed-up tables, parents first.</summary>
    public static IReadOnlyList<BackupTable> All { get; } =
    [
        Table("units", ["unit_key"], ("unit_key", T), ("precision", I), ("scale", I), ("created_at", Ts)),
        Table("accounts", ["id"], ("id", U), ("external_id", T), ("tier", T), ("frozen", B), ("overdraft_limit", I), ("low_balance_threshold", I),
            ("metadata", T), ("created_at", Ts), ("updated_at", Ts), ("seq", I)),
        Table("balances", ["account_id", "unit"], ("account_id", U), ("unit", T), ("balance", I), ("debt", I)),
        Table("lots", ["id"], ("id", U), ("account_id", U), ("unit", T), ("source", T), ("amount", I), ("remaining", I), ("priority", I),
            ("effective_at", Ts), ("expires_at", Ts), ("features", T), ("reference", T), ("entry_id", U), ("created_at", Ts), ("paid", B)),
        Table("holds", ["id"], ("id", U), ("account_id", U), ("unit", T), ("amount", I), ("unbacked", I), ("captured", I), ("status", T),
            ("feature", T), ("description", T), ("expires_at", Ts), ("created_at", Ts), ("updated_at", Ts)),
        Table("hold_pins", ["hold_id", "ordinal"], ("hold_id", U), ("ordinal", I), ("lot_id", U), ("account_id", U), ("amount", I)),
        Table("entries", ["account_id", "seq"], ("id", U), ("account_id", U), ("seq", I), ("type", T), ("unit", T), ("amount", I), ("balance_after", I),
            ("feature", T), ("quantity", I), ("description", T), ("reference", T), ("metadata", T), ("actor", T), ("hold_id", U), ("lot_id", U),
            ("reverses_entry_id", U), ("transfer_id", U), ("idempotency_key", T), ("created_at", Ts), ("rules", T)),
        Table("burns", ["entry_id", "lot_id"], ("entry_id", U), ("lot_id", U), ("account_id", U), ("amount", I)),
        Table("idempotency", ["idempotency_key"], ("idempotency_key", T), ("fingerprint", Bin), ("outcome", T), ("response_status", I),
            ("response_body", Bin), ("created_at", Ts)),
        Table("features", ["feature_key"], ("feature_key", T), ("cost_micros", I), ("unit", T), ("description", T), ("active", B),
            ("created_at", Ts), ("updated_at", Ts)),
        Table("rule_usage", ["account_id", "rule_key", "period"], ("account_id", U), ("rule_key", T), ("period", I), ("used", I)),
        Table("api_keys", ["id"], ("id", T), ("name", T), ("prefix", T), ("secret_hash", Bin), ("scopes", T), ("created_at", Ts), ("revoked_at", Ts)),
        Table("signing_keys", ["kid"], ("kid", T), ("secret", Bin), ("created_at", Ts), ("retired_at", Ts)),
        Table("audit_log", ["id"], ("id", I), ("at", Ts), ("actor", T), ("action", T), ("target", T), ("status", I), ("ip", T), ("request_id", T),
            ("details", T)) with { Identity = "id" },
        Table("admin_users", ["email"], ("email", T), ("password_hash", T), ("failed_logins", I), ("locked_until", Ts), ("created_at", Ts),
            ("last_login_at", Ts)),
        Table("portal_links", ["token_hash"], ("token_hash", Bin), ("account", T), ("return_url", T), ("created_at", Ts), ("expires_at", Ts),
            ("used_at", Ts)),
        Table("packages", ["id"], ("id", T), ("name", T), ("credits", I), ("bonus_credits", I), ("price_amount", I), ("currency", T),
            ("provider_product_id", T), ("active", B), ("sort_order", I), ("created_at", Ts), ("updated_at", Ts)),
        Table("plans", ["id"], ("id", T), ("name", T), ("price_amount", I), ("currency", T), ("billing_interval", T), ("credits_per_period", I),
            ("rollover_percent", I), ("rollover_cap", I), ("provider_product_id", T), ("active", B), ("created_at", Ts), ("updated_at", Ts)),
        Table("payments", ["id"], ("id", T), ("account", T), ("kind", T), ("package_id", T), ("plan_id", T), ("credits", I), ("price_amount", I),
            ("currency", T), ("status", T), ("provider", T), ("provider_payment_id", T), ("provider_subscription_id", T), ("checkout_session_id", T),
            ("refunded_amount", I), ("clawed_back", I), ("unrecovered", I), ("dispute_status", T), ("created_at", Ts), ("updated_at", Ts)),
        Table("payment_effects", ["effect_key"], ("effect_key", T), ("payment_id", T), ("kind", T), ("amount", I), ("credits", I), ("unrecovered", I),
            ("created_at", Ts)),
        Table("subscriptions", ["provider", "provider_subscription_id"], ("provider", T), ("provider_subscription_id", T), ("account", T),
            ("plan_id", T), ("status", T), ("period_start", Ts), ("period_end", Ts), ("cancel_at_period_end", B), ("created_at", Ts), ("updated_at", Ts)),
        Table("webhook_events", ["provider", "event_id"], ("provider", T), ("event_id", T), ("type", T), ("status", T), ("detail", T), ("payload", T),
            ("attempts", I), ("received_at", Ts), ("updated_at", Ts)),
        Table("fraud_flags", ["id"], ("id", T), ("account", T), ("kind", T), ("evidence", T), ("status", T), ("created_at", Ts), ("cleared_at", Ts),
            ("cleared_by", T), ("clear_reason", T)),
        Table("outbox", ["id"], ("id", I), ("entry_ids", BackupKind.UuidList), ("frozen_accounts", BackupKind.TextList),
            ("frozen_seqs", BackupKind.IntegerList), ("expired_holds", BackupKind.UuidList), ("expired_hold_accounts", BackupKind.TextList),
            ("event_type", T), ("subject", T), ("created_at", Ts)) with { Identity = "id" },
        Table("webhook_endpoints", ["id"], ("id", T), ("url", T), ("events", T), ("description", T), ("secret", T), ("previous_secret", T),
            ("previous_secret_expires_at", Ts), ("created_at", Ts), ("updated_at", Ts)),
        Table("outbound_events", ["id"], ("id", T), ("type", T), ("payload", T), ("created_at", Ts)),
        Table("webhook_deliveries", ["id"], ("id", T), ("endpoint_id", T), ("event_id", T), ("event_type", T), ("attempt", I), ("retry", I),
            ("status", T), ("due_at", Ts), ("lease_until", Ts), ("give_up_at", Ts), ("response_status", I), ("error", T), ("created_at", Ts),
            ("finished_at", Ts)),
    ];

    /// <summary>
    /// Tables a backup leaves out, with the reason (also written into every manifest). A restore
    /// empties the derived ones and resets <c>analytics_state</c>, so the analytics folder folds
    /// the restored journal from its start.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Skipped { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["schema_migrations"] = "schema, not data: the manifest records the migrations applied and a restore runs this binary's migrations",
        ["commit_markers"] = "PostgreSQL only and transient: resolves a commit whose connection failed, needed for seconds",
        ["analytics_state"] = "derived: the analytics folder's progress, reset by a restore",
        ["analytics_marks"] = "derived: rebuilt from the journal by the analytics folder (tally analytics rebuild)",
        ["analytics_daily"] = "derived: rebuilt from the journal by the analytics folder (tally analytics rebuild)",
        ["analytics_account_daily"] = "derived: rebuilt from the journal by the analytics folder (tally analytics rebuild)",
        ["analytics_account_totals"] = "derived: rebuilt from the journal by the analytics folder (tally analytics rebuild)",
    };

    /// <summary>The derived tables a restore empties (the folder refills them).</summary>
    public static IReadOnlyList<string> Derived { get; } = ["analytics_marks", "analytics_daily", "analytics_account_daily", "analytics_account_totals"];

    /// <summary>Resets the analytics folder's progress after a restore (both stores).</summary>
    public const string ResetAnalyticsState = "UPDATE analytics_state SET entries_folded = 0, folded_at = NULL";

    /// <summary>Whether the database holds ledger data a restore would overwrite (both stores).</summary>
    public const string HoldsData = "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM accounts LIMIT 1) a) + (SELECT COUNT(*) FROM (SELECT 1 FROM entries LIMIT 1) e)";

    /// <summary>The table of that name, or null.</summary>
    public static BackupTable? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    private static BackupTable Table(string name, string[] orderBy, params (string Name, BackupKind Kind)[] columns) =>
        new(name, [.. columns.Select(c => new BackupColumn(c.Name, c.Kind))], orderBy);
}
