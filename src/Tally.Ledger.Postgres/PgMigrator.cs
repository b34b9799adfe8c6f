using Npgsql;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Applies the embedded forward-only migrations, each in its own transaction under an advisory
/// lock, so several instances starting at once apply each migration exactly once.
/// </summary>
internal static class PgMigrator
{
    private const long LockKey = 0x7A11_7A11;

    public static IReadOnlyList<MigrationScript> Scripts { get; } =
        MigrationScripts.Load(typeof(PgMigrator).Assembly, "Tally.Ledger.Postgres.Migrations.");

    /// <summary>Applies every pending migration up to version <paramref name="through"/> (tests stop early to migrate an older schema with data).</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, CancellationToken ct, int through = int.MaxValue)
    {
        await EnsureTableAsync(connection, ct);
        var applied = 0;
        foreach (var script in Scripts.Where(s => s.Version <= through))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(ct);
            }

            await using (var check = new NpgsqlCommand("SELECT COUNT(*) FROM schema_migrations WHERE version = $1", connection, transaction))
            {
                check.Parameters.Add(new NpgsqlParameter { Value = script.Version });
                if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
                {
                    continue;
                }
            }

            // A migration may convert a large table in place (0014 scans the journal once): no timeout.
            await using (var run = new NpgsqlCommand(script.Sql, connection, transaction) { CommandTimeout = 0 })
            {
                await run.ExecuteNonQueryAsync(ct);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = script.Version });
                record.Parameters.Add(new NpgsqlParameter { Value = script.Name });
                await record.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            applied++;
        }

        return applied;
    }

    public static async Task<int> PendingAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
        {
            return Scripts.Count;
        }

        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection);
        var done = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            done.Add(reader.GetInt32(0));
        }

        return Scripts.Count(s => !done.Contains(s.Version));
    }

    private static async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT pg_advisory_lock({LockKey}); CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL); SELECT pg_advisory_unlock({LockKey});",
            connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
