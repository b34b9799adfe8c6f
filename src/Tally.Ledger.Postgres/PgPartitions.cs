using Npgsql;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The journal's monthly partitions (migration 0014, docs/operations.md "Journal partitions"):
/// creates the partition of the current month and of the months ahead, with the time the caller's
/// clock gives, and moves rows that waited in the default partition into their month's. Under an
/// advisory lock of its own, so instances running it at once create each partition once.
/// </summary>
internal static class PgPartitions
{
    private const long LockKey = 0x7A11_9A27;

    /// <summary>Months created ahead of the current one, by the migration and by every maintenance run.</summary>
    public const int DefaultMonthsAhead = 3;

    /// <summary>Ensures the partitions of <paramref name="now"/>'s month and the <paramref name="monthsAhead"/> after it; returns how many it created.</summary>
    public static async Task<int> EnsureAsync(NpgsqlConnection connection, DateTimeOffset now, int monthsAhead, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monthsAhead);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Creating a partition locks the whole journal exclusively; behind a long reader (a backup's
        // snapshot, a report) it would hold every charge queued behind it. Give up after 2 s instead:
        // months are made three ahead, so the next hourly run has plenty of chances.
        await using (var lockCommand = new NpgsqlCommand($"SET LOCAL lock_timeout = '2s'; SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        int created;
        await using (var ensure = new NpgsqlCommand("SELECT tally_ensure_entry_partitions($1, $2)", connection, transaction) { CommandTimeout = 0 })
        {
            ensure.Parameters.Add(new NpgsqlParameter { Value = PgTime.ToDb(now) });
            ensure.Parameters.Add(new NpgsqlParameter { Value = monthsAhead });
            created = (int)(await ensure.ExecuteScalarAsync(ct))!;
        }

        await transaction.CommitAsync(ct);
        return created;
    }

    /// <summary>The journal's partitions, oldest first, with their bounds as PostgreSQL prints them (the default partition last).</summary>
    public static async Task<IReadOnlyList<(string Name, string Bound)>> ListAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname::text, pg_get_expr(c.relpartbound, c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'entries'::regclass
            ORDER BY c.relname = 'entries_default', c.relname = 'entries_legacy' DESC, c.relname
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var partitions = new List<(string, string)>();
        while (await reader.ReadAsync(ct))
        {
            partitions.Add((reader.GetString(0), reader.GetString(1)));
        }

        return partitions;
    }
}
