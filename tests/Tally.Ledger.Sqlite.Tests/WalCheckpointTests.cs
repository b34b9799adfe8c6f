using Microsoft.Data.Sqlite;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger.Sqlite.Tests;

/// <summary>The background checkpointer keeps the write-ahead log bounded while writers never stop.</summary>
/// <remarks>Alone (not beside other classes), so the log size it watches is its own writers' doing.</remarks>
[Collection(nameof(WalCheckpointTests))]
public sealed class WalCheckpointTests
{
    [Fact]
    public async Task Sustained_writes_keep_the_log_bounded_and_lose_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("tally-wal-").FullName;
        var path = Path.Combine(directory, "wal.db");
        const int accounts = 200;
        const int charges = 12_000;
        try
        {
            var largestLog = 0L;
            await using (var store = new SqliteLedgerStore(path) { MaxLogFrames = 32 })
            {
                await store.MigrateAsync(CancellationToken.None);
                var ledger = new CreditLedger(store, new LedgerOptions { InitialAmount = 0 }, TimeProvider.System);
                var ids = Enumerable.Range(0, accounts).Select(i => $"wal-{i}").ToArray();
                var seeded = await ledger.ExecuteAsync(new LedgerRequest(
                    ids.Select(id => (LedgerCommand)new Grant(id, new Credits(charges))).ToList(), BatchMode.Independent));
                seeded.Results.ShouldAllBe(r => r.Succeeded);

                using var done = new CancellationTokenSource();
                var watcher = Task.Run(async () =>
                {
                    while (!done.IsCancellationRequested)
                    {
                        largestLog = Math.Max(largestLog, LogBytes(path));
                        await Task.Delay(2);
                    }
                });

                var next = -1;
                var succeeded = 0;
                await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
                {
                    while (Interlocked.Increment(ref next) < charges)
                    {
                        var account = ids[Random.Shared.Next(accounts)];
                        if (await ledger.ExecuteAsync(new Charge(account, Price.Of(new Credits(1)))) is EntryResult)
                        {
                            Interlocked.Increment(ref succeeded);
                        }
                    }
                })));
                await done.CancelAsync();
                await watcher;

                succeeded.ShouldBe(charges);
                var report = await ledger.VerifyAsync(CancellationToken.None);
                report.Ok.ShouldBeTrue();
                var balances = 0L;
                foreach (var id in ids)
                {
                    balances += (await store.ReadAccountAsync(id, CancellationToken.None))!.Balances["credits"].Balance.Minor;
                }

                balances.ShouldBe((long)accounts * charges - charges);
            }

            // Unbounded, 12,000 charges of about four changed pages each leave a log of ~120 MiB
            // (measured with no limit). The writer rewinds it when the background checkpointer asks
            // or, whatever that thread's timing, once the WAL hook shows twice the limit; so it
            // stays near 2 MiB here even beside the PostgreSQL suite. The margin covers rewinds
            // that find a background pass holding the lock and wait for the next commit.
            largestLog.ShouldBeLessThan(8L * 1024 * 1024);
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

    private static long LogBytes(string path)
    {
        var wal = new FileInfo(path + "-wal");
        return wal.Exists ? wal.Length : 0;
    }
}

/// <summary>Runs <see cref="WalCheckpointTests"/> with nothing else in parallel.</summary>
[CollectionDefinition(nameof(WalCheckpointTests), DisableParallelization = true)]
public sealed class WalCheckpointCollection;
