using Tally.Access;
using Tally.Ledger.Postgres;
using Tally.Ledger.Sqlite;
using Tally.Ledger.Storage;

namespace Tally.Server.Hosting;

/// <summary>
/// Opens the store <c>TALLY_DATABASE</c> names: <c>sqlite:&lt;path&gt;</c> (the default,
/// <c>sqlite:tally.db</c>), or a PostgreSQL connection string (keywords or a postgres:// URL).
/// Both store classes implement <see cref="ILedgerStore"/> and <see cref="IAccessStore"/>.
/// </summary>
public static class StoreFactory
{
    public const string DefaultDatabase = "sqlite:tally.db";
    public const string Setting = "TALLY_DATABASE";
    private const string SqlitePrefix = "sqlite:";

    /// <summary>The read replica's setting (docs/operations.md, "Read replica").</summary>
    public const string ReadSetting = "TALLY_DATABASE_READ";

    /// <summary>The direct LISTEN connection's setting (docs/operations.md, "pgbouncer").</summary>
    public const string ListenSetting = "TALLY_DATABASE_LISTEN";

    /// <summary>
    /// Throws <see cref="SettingsException"/> naming the setting when TALLY_DATABASE cannot name a
    /// store, or TALLY_DATABASE_READ / TALLY_DATABASE_LISTEN are not PostgreSQL connection strings
    /// beside a PostgreSQL TALLY_DATABASE.
    /// </summary>
    public static void Validate(string database, string? read = null, string? listen = null)
    {
        try
        {
            var sqlite = IsSqlite(Value(database) ?? DefaultDatabase);
            foreach (var (setting, value) in new[] { (ReadSetting, Value(read)), (ListenSetting, Value(listen)) })
            {
                if (value is null)
                {
                    continue;
                }

                if (sqlite)
                {
                    throw new ArgumentException($"{setting} needs a PostgreSQL TALLY_DATABASE: the SQLite store has no replicas or poolers (unset {setting}, or move to PostgreSQL)");
                }

                if (!IsPostgres(value))
                {
                    throw new ArgumentException($"{setting} must be a PostgreSQL connection string (Host=…;Database=…; or postgres://…)");
                }

                _ = new Npgsql.NpgsqlConnectionStringBuilder(PgConnectionString.Normalize(value));
            }
        }
        catch (ArgumentException e)
        {
            throw new SettingsException(e.Message, e);
        }
        catch (Exception e) when (e is FormatException or UriFormatException or KeyNotFoundException)
        {
            throw new SettingsException($"{ReadSetting} or {ListenSetting} is not a valid PostgreSQL connection string: {e.Message}", e);
        }
    }

    /// <summary>Opens the store; <see cref="ArgumentException"/> (naming the setting) when the value is unusable.</summary>
    public static ILedgerStore Open(string? database, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        Open(database, read: null, listen: null, logger);

    /// <summary>
    /// Opens the store with its read replica (TALLY_DATABASE_READ) and LISTEN connection
    /// (TALLY_DATABASE_LISTEN) when given; <see cref="ArgumentException"/> (naming the setting) when a value is unusable.
    /// </summary>
    public static ILedgerStore Open(string? database, string? read, string? listen, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var value = Value(database) ?? DefaultDatabase;
        if (IsSqlite(value))
        {
            return Value(read) is null && Value(listen) is null
                ? new SqliteLedgerStore(value[SqlitePrefix.Length..], logger)
                : throw new ArgumentException($"{ReadSetting} and {ListenSetting} need a PostgreSQL TALLY_DATABASE");
        }

        try
        {
            return new PostgresLedgerStore(new PostgresConnections(value, Value(read), Value(listen)), logger);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"{Setting}, {ReadSetting} or {ListenSetting} is not a valid PostgreSQL connection string: {e.Message}", e);
        }
    }

    /// <summary>Describes the store without secrets (for logs and banners).</summary>
    public static string Describe(ILedgerStore store) => store switch
    {
        SqliteLedgerStore sqlite => $"sqlite:{sqlite.Path}",
        PostgresLedgerStore postgres => postgres.Target,
        _ => store.Kind,
    };

    private static bool IsSqlite(string value)
    {
        if (value.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return value.Length > SqlitePrefix.Length
                ? true
                : throw new ArgumentException($"{Setting}: 'sqlite:' needs a file path, e.g. sqlite:tally.db");
        }

        if (IsPostgres(value))
        {
            return false;
        }

        throw new ArgumentException($"{Setting} must be sqlite:<path> or a PostgreSQL connection string (Host=…;Database=…; or postgres://…)");
    }

    private static bool IsPostgres(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || value.Contains('=', StringComparison.Ordinal);

    private static string? Value(string? setting) => string.IsNullOrWhiteSpace(setting) ? null : setting.Trim();
}
