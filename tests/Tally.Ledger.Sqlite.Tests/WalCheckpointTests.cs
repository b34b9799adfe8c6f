using Microsoft.Data.Sqlite;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger.Sqlite.Tests;

/// <summary>
/// The write-ahead log stays bounded however long writers go on. What is proven here is the
/// writer's own guarantee — it rewinds the log right after the commit that takes it to twice its
/// limit — with no background thread, so nothing depends on scheduling; how large the log gets
/// under load with the background checkpointer is measured by the benchmark (bench/README.md).
/// </summary>
public sealed class WalCheckpointTests
{
    [Fact]
    public async Task The_writer_rewinds_the_log_itself_once_it_reaches_twice_its_limit_and_loses_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("tally-wal-").FullName;
        const int limit = 32;
        const int accounts = 50;
        const int charges = 3_000;
        try
        {
            await using var store = new SqliteLedgerStore(Path.Combine(directory, "wal.db")) { MaxLogFrames = limit, BackgroundCheckpoints = false };
            await store.MigrateAsync(CancellationToken.None);
            var ledger = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = false }, TimeProvider.System);
            var ids = Enumerable.Range(0, accounts).Select(i => $"wal-{i}").ToArray();
            (await ledger.ExecuteAsync(new LedgerRequest(ids.Select(id => (LedgerCommand)new Grant(id, new Credits(charges))).ToList(), BatchMode.Independent)))
                .Results.ShouldAllBe(r => r.Succeeded);

            var random = new Random(7);
            var previous = store.LogFrames;
            var largest = 0;
            var largestCommit = 0;
            var rewinds = 0;
            for (var i = 0; i < charges; i++)
            {
                (await ledger.ExecuteAsync(new Charge(ids[random.Next(accounts)], Price.Of(new Credits(1))))).ShouldBeOfType<EntryResult>();
                var frames = store.LogFrames;
                if (frames < previous)
                {
                    rewinds++;
                }
                else
                {
                    largestCommit = Math.Max(largestCommit, frames - previous);
                }

                largest = Math.Max(largest, frames);
                previous = frames;
            }

            rewinds.ShouldBeGreaterThan(10);
            largest.ShouldBeLessThan((2 * limit) + largestCommit);
            (await ledger.VerifyAsync(CancellationToken.None)).Ok.ShouldBeTrue();
            var balances = 0L;
            foreach (var id in ids)
            {
                balances += (await store.ReadAccountAsync(id, CancellationToken.None))!.Balances["credits"].Balance.Minor;
            }

            balances.ShouldBe(((long)accounts * charges) - charges);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_wal_hook_reports_the_log_size_after_each_commit()
    {
        var directory = Directory.CreateTempSubdirectory("tally-walhook-").FullName;
        try
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hook.db")};Pooling=false");
            connection.Open();
            Run(connection, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT);");
            using var frames = WalFrames.Attach(connection).ShouldNotBeNull();

            Run(connection, "INSERT INTO t VALUES (zeroblob(20000))");
            var afterOne = frames.Count;
            Run(connection, "INSERT INTO t VALUES (zeroblob(20000))");
            var afterTwo = frames.Count;
            WalCheckpointer.Checkpoint(connection);
            Run(connection, "INSERT INTO t VALUES ('x')");
            var afterRestart = frames.Count;

            afterOne.ShouldBeGreaterThan(4);
            afterTwo.ShouldBeGreaterThan(afterOne);
            afterRestart.ShouldBeLessThan(afterOne);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        static void Run(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
