using Tally.Ledger.Postgres;
using Tally.Ledger.Sqlite;
using Tally.Ledger.Storage;

namespace Tally.Cli;

/// <summary>
/// Opens the store <c>TALLY_DATABASE</c> names: <c>sqlite:&lt;path&gt;</c> (the default,
/// <c>sqlite:tally.db</c>), or a PostgreSQL connection string (keywords or a postgres:// URL).
/// </summary>
public static class StoreFactory
{
    public const string DefaultDatabase = "sqlite:tally.db";
    public const string Setting = "TALLY_DATABASE";

    public static ILedgerStore Open(string? database)
    {
        var value = string.IsNullOrWhiteSpace(database) ? DefaultDatabase : database.Trim();
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["sqlite:".Length..];
            if (path.Length == 0)
            {
                throw new ArgumentException($"{Setting}: 'sqlite:' needs a file path, e.g. sqlite:tally.db");
            }

            return new SqliteLedgerStore(path);
        }

        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || value.Contains('=', StringComparison.Ordinal))
        {
            try
            {
                return new PostgresLedgerStore(value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
            {
                throw new ArgumentException($"{Setting} is not a valid PostgreSQL connection string: {e.Message}", e);
            }
        }

        throw new ArgumentException($"{Setting} must be sqlite:<path> or a PostgreSQL connection string (Host=…;Database=…; or postgres://…)");
    }

    /// <summary>Describes the store without secrets (for logs and the CLI's banner).</summary>
    public static string Describe(ILedgerStore store) => store switch
    {
        SqliteLedgerStore sqlite => $"sqlite:{sqlite.Path}",
        PostgresLedgerStore postgres => postgres.Target,
        _ => store.Kind,
    };
}
