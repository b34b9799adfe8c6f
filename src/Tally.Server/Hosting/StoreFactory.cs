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

    /// <summary>Throws <see cref="SettingsException"/> naming TALLY_DATABASE when it cannot name a store.</summary>
    public static void Validate(string database)
    {
        try
        {
            _ = IsSqlite(database);
        }
        catch (ArgumentException e)
        {
            throw new SettingsException(e.Message, e);
        }
    }

    /// <summary>Opens the store; <see cref="ArgumentException"/> (naming the setting) when the value is unusable.</summary>
    public static ILedgerStore Open(string? database, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var value = string.IsNullOrWhiteSpace(database) ? DefaultDatabase : database.Trim();
        if (IsSqlite(value))
        {
            return new SqliteLedgerStore(value[SqlitePrefix.Length..], logger);
        }

        try
        {
            return new PostgresLedgerStore(value, logger);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"{Setting} is not a valid PostgreSQL connection string: {e.Message}", e);
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

        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || value.Contains('=', StringComparison.Ordinal))
        {
            return false;
        }

        throw new ArgumentException($"{Setting} must be sqlite:<path> or a PostgreSQL connection string (Host=…;Database=…; or postgres://…)");
    }
}
