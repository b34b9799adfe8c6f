using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Tally.TestSupport.Postgres;
using Xunit.Abstractions;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// Adding a worker and rebalancing while charges run (docs/scaling.md, "Adding a worker and
/// rebalancing under load"): a Citus cluster of its own with a spare worker, a charge load with
/// an idempotency key per charge, <c>citus_add_node</c> and <c>citus_rebalance_start</c> under it.
/// Nothing acknowledged may be lost or doubled, nothing refused may be half-written.
/// </summary>
public sealed class CitusRebalanceTests(ITestOutputHelper output)
{
    private const int Accounts = 200;
    private const int Callers = 8;
    private const long Granted = 1_000_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [CitusFact]
    public async Task A_rebalance_onto_a_new_worker_during_a_charge_load_loses_nothing()
    {
        await using var cluster = await CitusCluster.StartPrivateAsync(spareWorkers: 1);
        var database = await cluster.CreateDatabaseAsync("rebalance");
        await using var store = new PostgresLedgerStore(database);
        await store.MigrateAsync(CancellationToken.None);
        await using var ledger = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = true }, TimeProvider.System);
        var accounts = Enumerable.Range(0, Accounts).Select(i => $"rebalance-{i}").ToArray();
        var grants = await ledger.ExecuteAsync(new LedgerRequest(
            accounts.Select(a => (LedgerCommand)new Grant(a, new Credits(Granted))).ToList(), BatchMode.Independent));
        grants.Results.ShouldAllBe(r => r.Succeeded);

        await using var load = new ChargeLoad(ledger, accounts);
        load.Start(Callers);
        await load.WaitForAsync(Accounts, Deadline); // the load is in full swing before the move

        var before = load.Acknowledged.Count;
        var clock = Stopwatch.StartNew();
        var port = await cluster.AddSpareWorkerAsync(database);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var start = new NpgsqlCommand("SELECT citus_rebalance_start()", connection);
            await start.ExecuteScalarAsync();
            // Blocks until the background job has finished (and fails if it failed); the
            // command timeout is the safety net.
            await using var wait = new NpgsqlCommand("SELECT citus_rebalance_wait()", connection) { CommandTimeout = (int)Deadline.TotalSeconds };
            await wait.ExecuteNonQueryAsync();
        }

        var rebalanced = clock.Elapsed;
        var during = load.Acknowledged.Count - before;
        var failedDuring = load.Failed.Count;

        // Charges keep landing after the cutover (as many again as there are accounts, so the
        // moved shards' accounts almost surely among them).
        await load.WaitForAsync(load.Acknowledged.Count + Accounts, Deadline);
        await load.StopAsync();
        output.WriteLine($"add node + rebalance: {rebalanced.TotalSeconds:0.0} s; charges acknowledged before {before}, during {during}, in all {load.Acknowledged.Count}; failed during {failedDuring}, in all {load.Failed.Count}");
        foreach (var failure in load.Failed.GroupBy(f => $"{f.Error.GetType().Name}: {f.Error.Message} / {f.Error.InnerException?.Message}"))
        {
            output.WriteLine($"{failure.Count()} × {failure.Key}");
        }

        var moved = await MovedShardsAsync(database, port);
        output.WriteLine($"accounts shards on the new worker: {moved}");
        moved.ShouldBeGreaterThan(0, "the rebalance moved shards onto the new worker");
        await AssertJournalAsync(database, ledger, load);
        (await ledger.VerifyAsync()).Ok.ShouldBeTrue("verification after the rebalance");
        await AssertReplaysAsync(ledger, load);
    }

    /// <summary>Placements of the accounts' shards on the worker at <paramref name="port"/>.</summary>
    private static async Task<long> MovedShardsAsync(string database, int port)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FROM pg_dist_placement p
            JOIN pg_dist_node n ON n.groupid = p.groupid
            JOIN pg_dist_shard s ON s.shardid = p.shardid
            WHERE n.nodeport = $1 AND s.logicalrelid = 'accounts'::regclass
            """, connection);
        command.Parameters.AddWithValue(port);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Every acknowledged charge is in the journal exactly once, with the entry id it was
    /// acknowledged with; a failed one is not there at all (or, when its commit outcome was
    /// unknown, is there once and its key replays it); each balance is the grant less the charges.
    /// </summary>
    private static async Task AssertJournalAsync(string database, CreditLedger ledger, ChargeLoad load)
    {
        var landed = new Dictionary<string, Charged>(load.Acknowledged.Select(c => KeyValuePair.Create(c.Request.Idempotency!.Key, c)));
        foreach (var (request, error) in load.Failed)
        {
            error.ShouldBeAssignableTo<StoreUnavailableException>($"a charge failed during the cutover with {error.GetType().Name}: {error.Message}");
            var replay = await ledger.ExecuteAsync(request with { ReplayOnly = true });
            if (error is CommitOutcomeUnknownException && replay.Replayed)
            {
                landed.Add(request.Idempotency!.Key, new Charged(request, replay));
                continue;
            }

            replay.Results.ShouldBeEmpty($"a charge that failed with {error.GetType().Name} left its key behind");
        }

        var journal = new Dictionary<string, List<Guid>>();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT idempotency_key, id FROM entries WHERE idempotency_key IS NOT NULL", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var key = reader.GetString(0);
                if (!journal.TryGetValue(key, out var ids))
                {
                    journal[key] = ids = [];
                }

                ids.Add(reader.GetGuid(1));
            }
        }

        journal.Keys.Order().ShouldBe(landed.Keys.Order(), "the journal holds exactly the charges that landed");
        foreach (var (key, charged) in landed)
        {
            journal[key].ShouldBe([charged.Entry.Entry.Id], $"charge {key} is in the journal once");
        }

        var spent = landed.Values.GroupBy(c => c.Entry.Entry.Account).ToDictionary(g => g.Key, g => g.Sum(c => Math.Abs(c.Entry.Entry.Amount.Minor)));
        foreach (var account in load.AccountIds)
        {
            var balance = (await ledger.GetAccountAsync(account)).ShouldNotBeNull().Balances.Single();
            balance.Total.Minor.ShouldBe(Granted - spent.GetValueOrDefault(account), $"balance of {account}");
        }
    }

    /// <summary>Each key used again returns the first answer and charges nothing more.</summary>
    private static async Task AssertReplaysAsync(CreditLedger ledger, ChargeLoad load)
    {
        foreach (var chunk in load.Acknowledged.Chunk(64))
        {
            var replays = await Task.WhenAll(chunk.Select(c => ledger.ExecuteAsync(c.Request)));
            for (var i = 0; i < chunk.Length; i++)
            {
                replays[i].Replayed.ShouldBeTrue();
                replays[i].Single.ShouldBe(chunk[i].Outcome.Single, "a replay returns the first answer");
            }
        }
    }

    private sealed record Charged(LedgerRequest Request, RequestOutcome Outcome)
    {
        public EntryResult Entry => Outcome.Single.ShouldBeOfType<EntryResult>();
    }

    /// <summary>Callers charging random accounts, each charge with a key of its own, until stopped.</summary>
    private sealed class ChargeLoad(CreditLedger ledger, string[] accounts) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _running = Task.CompletedTask;

        public string[] AccountIds => accounts;

        public ConcurrentQueue<Charged> Acknowledged { get; } = new();

        public ConcurrentQueue<(LedgerRequest Request, Exception Error)> Failed { get; } = new();

        public void Start(int callers) => _running = Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            while (!_stop.IsCancellationRequested)
            {
                var charge = new Charge(accounts[random.Next(accounts.Length)], Price.Of(new Credits(random.Next(1, 10))));
                var request = LedgerRequest.Of(charge, RequestIdempotency.For(Guid.NewGuid().ToString(), [charge]));
                try
                {
                    var outcome = await ledger.ExecuteAsync(request);
                    outcome.Single.ShouldBeOfType<EntryResult>();
                    Acknowledged.Enqueue(new Charged(request, outcome));
                }
                catch (Exception e) when (e is not ShouldAssertException)
                {
                    Failed.Enqueue((request, e));
                }
            }
        })));

        /// <summary>Waits until <paramref name="count"/> charges were acknowledged (a condition; the deadline is a safety net).</summary>
        public async Task WaitForAsync(int count, TimeSpan deadline)
        {
            using var timeout = new CancellationTokenSource(deadline);
            while (Acknowledged.Count < count)
            {
                timeout.IsCancellationRequested.ShouldBeFalse($"{Acknowledged.Count} of {count} charges acknowledged in {deadline}; failures: {string.Join("; ", Failed.Take(3).Select(f => f.Error.Message))}");
                await Task.Delay(20, CancellationToken.None);
            }
        }

        /// <summary>Stops the callers and waits for them; an assertion one of them failed is thrown here.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _running;
        }

        /// <summary>Stops the callers if the test ended early (its own failure is what counts then).</summary>
        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAny(_running);
            _stop.Dispose();
        }
    }
}
