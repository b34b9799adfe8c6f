using Npgsql;
using Tally.Ledger.Amounts;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Builds the one batch that begins a write transaction, locks the accounts in scope and loads
/// everything the engine needs; then reads its results into a snapshot. Reads use the same
/// statements without the lock, inside a read-only repeatable-read transaction.
/// </summary>
internal static class PgLoader
{
    /// <summary>Where <see cref="PgSql.Reversible"/> puts the amount reversed so far: after the entry's columns.</summary>
    private const int ReversedSoFarOrdinal = 21;

    /// <param name="connection">Where the batch runs.</param>
    /// <param name="accountIds">The (resolved) accounts to lock and load.</param>
    /// <param name="scope">Holds, entries, features and idempotency keys to load besides.</param>
    /// <param name="forWrite">Lock (write transaction) or not (read-only snapshot, committed in the same batch).</param>
    /// <param name="distributed">
    /// Whether the schema is distributed over Citus, which locks rows of one shard per statement only:
    /// then each account is locked by a statement of its own, in id order (<see cref="AccountResultSets"/>).
    /// </param>
    public static NpgsqlBatch Build(NpgsqlConnection connection, Guid[] accountIds, WriteScope scope, bool forWrite, bool distributed = false)
    {
        var batch = connection.CreateBatch();
        Add(batch, forWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        var holds = scope.Holds.ToArray();
        if (forWrite && distributed && accountIds.Length > 0)
        {
            foreach (var id in accountIds.Order())
            {
                Add(batch, PgSql.LockAccount, id);
            }
        }
        else
        {
            // No account to lock on Citus (all new): the plain read, which finds none.
            Add(batch, forWrite && !distributed ? PgSql.LockAccounts : PgSql.ReadAccounts, accountIds);
        }

        Add(batch, PgSql.Balances, accountIds);
        Add(batch, PgSql.Lots, accountIds);
        Add(batch, PgSql.Holds, accountIds, holds);
        Add(batch, PgSql.Pins, accountIds, holds);
        if (scope.Entries.Count > 0)
        {
            Add(batch, PgSql.Reversible, scope.Entries.ToArray());
            Add(batch, PgSql.PaidBy, scope.Entries.ToArray());
        }

        if (scope.Features.Count > 0)
        {
            Add(batch, PgSql.Features, (object)scope.Features.ToArray());
            Add(batch, PgSql.FeatureUnits, (object)scope.Features.ToArray());
        }

        if (scope.IdempotencyKeys.Count > 0)
        {
            Add(batch, PgSql.Idempotency, (object)scope.IdempotencyKeys.ToArray());
        }

        if (scope.RuleUsageSince is { } since)
        {
            Add(batch, PgSql.RuleUsage, accountIds, since);
        }

        if (!forWrite)
        {
            Add(batch, "COMMIT");
        }

        return batch;
    }

    /// <remarks>
    /// Under READ COMMITTED each statement sees the newest commits, so rows of an account created
    /// after the lock statement ran may appear in later result sets: they are skipped (the account
    /// counts as missing; inserting it again fails and the whole write re-runs, now finding it).
    /// </remarks>
    public static async Task<LedgerSnapshot> ReadAsync(NpgsqlDataReader reader, WriteScope scope, DateTimeOffset now, CancellationToken ct, int accountResultSets = 1)
    {
        var snapshot = new LedgerSnapshot(now);
        var byId = new Dictionary<Guid, AccountRow>();
        for (var set = 0; set < accountResultSets; set++)
        {
            if (set > 0)
            {
                await NextAsync(reader, ct);
            }

            while (await reader.ReadAsync(ct))
            {
                var account = RowReaders.Account(reader, PgTime.Read);
                byId[account.Id] = account;
                snapshot.Add(account);
            }
        }

        await NextAsync(reader, ct);
        while (await reader.ReadAsync(ct))
        {
            var balance = RowReaders.Balance(reader);
            if (byId.TryGetValue(balance.AccountId, out var account))
            {
                account.Balances[balance.Unit] = balance;
            }
        }

        await NextAsync(reader, ct);
        while (await reader.ReadAsync(ct))
        {
            var lot = RowReaders.Lot(reader, PgTime.Read);
            if (byId.TryGetValue(lot.AccountId, out var account))
            {
                account.Lots.Add(lot);
            }
        }

        await NextAsync(reader, ct);
        var holds = new Dictionary<Guid, HoldRow>();
        while (await reader.ReadAsync(ct))
        {
            var hold = RowReaders.Hold(reader, PgTime.Read);
            if (byId.TryGetValue(hold.AccountId, out var account))
            {
                holds[hold.Id] = hold;
                account.Holds.Add(hold);
            }
        }

        await NextAsync(reader, ct);
        while (await reader.ReadAsync(ct))
        {
            var pin = RowReaders.Pin(reader);
            if (holds.TryGetValue(pin.HoldId, out var hold))
            {
                hold.Pins.Add(pin);
            }
        }

        if (scope.Entries.Count > 0)
        {
            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = RowReaders.Entry(reader, PgTime.Read);
                snapshot.Entries[entry.Id] = new ReversibleEntry { Entry = entry, ReversedSoFar = new Credits(reader.GetInt64(ReversedSoFarOrdinal)) };
            }

            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                var paid = RowReaders.PaidBy(reader, PgTime.Read);
                snapshot.Entries.GetValueOrDefault(reader.GetGuid(0))?.PaidBy.Add(paid);
            }
        }

        if (scope.Features.Count > 0)
        {
            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                var feature = RowReaders.Feature(reader);
                snapshot.Features[feature.Key] = feature;
            }

            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                snapshot.Units.Add(new UnitInfo(reader.GetString(0), reader.GetInt32(1)));
            }
        }

        if (scope.IdempotencyKeys.Count > 0)
        {
            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                var row = RowReaders.Idempotency(reader, PgTime.Read);
                snapshot.Idempotency[row.Key] = row;
            }
        }

        if (scope.RuleUsageSince is not null)
        {
            await NextAsync(reader, ct);
            while (await reader.ReadAsync(ct))
            {
                var usage = RowReaders.RuleUsage(reader);
                if (byId.TryGetValue(usage.AccountId, out var account))
                {
                    account.RuleUsage[(usage.Key, usage.Period)] = usage;
                }
            }
        }

        return snapshot;
    }

    /// <summary>How many result sets of accounts <see cref="Build"/> made with these arguments returns.</summary>
    public static int AccountResultSets(Guid[] accountIds, bool forWrite, bool distributed) =>
        forWrite && distributed && accountIds.Length > 0 ? accountIds.Length : 1;

    /// <summary>Adds a statement; each value is one positional parameter (pass arrays cast to object).</summary>
    public static void Add(NpgsqlBatch batch, string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        batch.BatchCommands.Add(command);
    }

    private static async Task NextAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        if (!await reader.NextResultAsync(ct))
        {
            throw new InvalidOperationException("the load batch returned fewer result sets than it has statements");
        }
    }
}
