using Npgsql;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Distribution over Citus (docs/scaling.md): after the ordinary migrations, on a database with the
/// <c>citus</c> extension, the account-scoped tables become distributed tables co-located on the
/// account id and the catalogs reference tables (Citus/distribute.sql, which says why per table).
/// Once: a database whose accounts table is already distributed is left alone. Plain PostgreSQL
/// never runs any of it.
/// </summary>
internal static class PgCitus
{
    private const long LockKey = 0x7A11_C175;

    private static readonly string DistributeSql = Load("Tally.Ledger.Postgres.Citus.distribute.sql");

    /// <summary>Whether the database has the citus extension.</summary>
    public static async Task<bool> IsPresentAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')", connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Distributes the schema unless it already is (in one transaction, under an advisory lock, so
    /// instances starting at once do it once). With <paramref name="require"/> the extension is
    /// created when missing. Returns whether this call distributed it.
    /// </summary>
    public static async Task<bool> DistributeAsync(NpgsqlConnection connection, bool require, CancellationToken ct)
    {
        if (require)
        {
            await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS citus", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        else if (!await IsPresentAsync(connection, ct))
        {
            return false;
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        if (await IsDistributedAsync(connection, transaction, ct))
        {
            return false;
        }

        await using (var run = new NpgsqlCommand(DistributeSql, connection, transaction) { CommandTimeout = 0 })
        {
            await run.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Whether the accounts table is a Citus distributed table.</summary>
    public static async Task<bool> IsDistributedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        // Two statements: pg_dist_partition exists only with the extension, and a reference to it
        // fails to parse on plain PostgreSQL whatever guards it.
        await using (var present = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')", connection, transaction))
        {
            if (!(bool)(await present.ExecuteScalarAsync(ct))!)
            {
                return false;
            }
        }

        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass('accounts'))", connection, transaction);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static string Load(string name)
    {
        using var stream = typeof(PgCitus).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"missing embedded resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
