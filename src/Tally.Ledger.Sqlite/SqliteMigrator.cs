using Microsoft.Data.Sqlite;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

/// <summary>Applies the embedded migrations in order, each in its own transaction, recording each once.</summary>
internal static class SqliteMigrator
{
    public static IReadOnlyList<MigrationScript> Scripts { get; } =
        MigrationScripts.Load(typeof(SqliteMigrator).Assembly, "Tally.Ledger.Sqlite.Migrations.");

    public static int Migrate(SqliteConnection connection)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        var applied = 0;
        foreach (var script in Scripts)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = $v";
                check.Parameters.AddWithValue("$v", script.Version);
                if ((long)check.ExecuteScalar()! > 0)
                {
                    continue;
                }
            }

            using (var run = connection.CreateCommand())
            {
                run.CommandText = script.Sql;
                run.ExecuteNonQuery();
            }

            using (var record = connection.CreateCommand())
            {
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, datetime('now'))";
                record.Parameters.AddWithValue("$v", script.Version);
                record.Parameters.AddWithValue("$n", script.Name);
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            applied++;
        }

        return applied;
    }
}
