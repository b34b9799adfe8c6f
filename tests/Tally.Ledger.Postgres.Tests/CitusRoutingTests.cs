using Npgsql;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.TestSupport.Conformance;
using Tally.TestSupport.Postgres;
using static Tally.TestSupport.Postgres.PgCommands;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// Where the ledger's statements run on Citus (docs/scaling.md): a charge is single-shard
/// statements only, and a transfer between accounts on two workers is one two-phase transaction
/// that either commits on both or on neither.
/// </summary>
public sealed class CitusRoutingTests
{
    [CitusFact]
    public async Task A_charge_runs_single_shard_statements_only_with_group_commit_on_and_off()
    {
        var database = await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("routing");
        await using (var admin = new NpgsqlConnection(database))
        {
            await admin.OpenAsync();
            // Citus 13's per-database counters of distributed statements, by how many shards each ran on.
            await ExecuteAsync(admin, $"ALTER DATABASE \"{admin.Database}\" SET citus.enable_stat_counters = on");
        }

        foreach (var groupCommit in new[] { true, false })
        {
            await using var store = new PostgresLedgerStore(database);
            await store.MigrateAsync(CancellationToken.None);
            var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = groupCommit });
            var account = await t.NewAccountAsync(1_000);
            var before = await CountersAsync(database);

            // More than five runs of each statement: past PostgreSQL's switch from custom to generic plans.
            for (var i = 0; i < 12; i++)
            {
                var key = new RequestIdempotency($"routing-{groupCommit}-{i}", [1]);
                var outcome = await t.Ledger.ExecuteAsync(LedgerRequest.Of(new Charge(account, Price.Of(new Credits(3))), key));
                outcome.Single.ShouldBeOfType<EntryResult>();
            }

            var after = await CountersAsync(database);
            (after.MultiShard - before.MultiShard).ShouldBe(0, $"group commit {groupCommit}: a charge ran a multi-shard statement");
            (after.SingleShard - before.SingleShard).ShouldBeGreaterThan(0);
            (await t.BalanceAsync(account)).Available.Minor.ShouldBe(1_000 - (12 * 3));
        }
    }

    [CitusFact]
    public async Task A_transfer_across_workers_commits_on_both_or_neither_and_concurrent_ones_conserve_credits()
    {
        var cluster = await CitusCluster.SharedAsync();
        var database = await cluster.CreateDatabaseAsync("transfer");
        await using var store = new PostgresLedgerStore(database);
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = false });
        await using var admin = new NpgsqlConnection(database);
        await admin.OpenAsync();

        // Two accounts whose shards are on different workers.
        var from = await t.NewAccountAsync(1_000);
        var fromPort = await WorkerPortAsync(admin, from);
        string to;
        do
        {
            to = await t.NewAccountAsync(1_000);
        }
        while (await WorkerPortAsync(admin, to) == fromPort);

        // The receiving worker refuses to prepare any transaction that wrote an entry for `to`: a
        // deferred constraint trigger on its shard of the journal fires at PREPARE TRANSACTION,
        // after both workers ran every statement.
        var toPort = await WorkerPortAsync(admin, to);
        var toId = await AccountIdAsync(admin, to);
        await using (var worker = new NpgsqlConnection(CitusCluster.ConnectionString(toPort, admin.Database)))
        {
            await worker.OpenAsync();
            var shard = (await ScalarAsync<string>(admin, $"SELECT shard_name('entries', get_shard_id_for_distribution_column('entries', '{toId}'::uuid))::text"))!;
            // The function through the coordinator (Citus creates it on every node), the trigger on the shard itself.
            await ExecuteAsync(admin, $$"""
                CREATE FUNCTION tally_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN
                    IF NEW.account_id = '{{toId}}' THEN RAISE EXCEPTION 'refused at commit by the test'; END IF;
                    RETURN NEW;
                END $f$
                """);
            await ExecuteAsync(worker, $"""
                CREATE CONSTRAINT TRIGGER tally_test_refuse AFTER INSERT ON {shard}
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tally_test_refuse()
                """);
            var refused = await Should.ThrowAsync<PostgresException>(() => t.RunAsync(new Transfer(from, to, new Credits(100))));
            refused.MessageText.ShouldContain("refused at commit by the test");
            (await t.BalanceAsync(from)).Available.Minor.ShouldBe(1_000);
            (await t.BalanceAsync(to)).Available.Minor.ShouldBe(1_000);
            (await ScalarAsync<long>(admin, "SELECT COUNT(*) FROM entries WHERE transfer_id IS NOT NULL")).ShouldBe(0L);
            await ExecuteAsync(worker, $"DROP TRIGGER tally_test_refuse ON {shard}");
            await ExecuteAsync(admin, "DROP FUNCTION tally_test_refuse()");
        }

        // Many at once, both ways and between several accounts: every credit stays somewhere.
        var accounts = new List<string> { from, to };
        for (var i = 0; i < 4; i++)
        {
            accounts.Add(await t.NewAccountAsync(1_000));
        }

        var batched = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = true });
        var done = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            var moved = 0;
            for (var i = 0; i < 25; i++)
            {
                var a = accounts[random.Next(accounts.Count)];
                var b = accounts[random.Next(accounts.Count)];
                if (a != b && await batched.RunAsync(new Transfer(a, b, new Credits(1 + random.Next(5)))) is TransferResult)
                {
                    moved++;
                }
            }

            return moved;
        })));

        done.Sum().ShouldBeGreaterThan(0);
        var total = 0L;
        foreach (var account in accounts)
        {
            total += (await t.BalanceAsync(account)).Available.Minor;
        }

        total.ShouldBe(accounts.Count * 1_000L);
        (await ScalarAsync<long>(admin, "SELECT COUNT(*) FROM entries WHERE transfer_id IS NOT NULL")).ShouldBe(2L * done.Sum());
        await SuiteVerification.AssertCleanAsync(store);
    }

    private static async Task<(long SingleShard, long MultiShard)> CountersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT query_execution_single_shard, query_execution_multi_shard FROM citus_stat_counters WHERE name = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<Guid> AccountIdAsync(NpgsqlConnection admin, string externalId)
    {
        await using var command = new NpgsqlCommand("SELECT id FROM accounts WHERE external_id = $1", admin);
        command.Parameters.Add(new NpgsqlParameter { Value = externalId });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> WorkerPortAsync(NpgsqlConnection admin, string externalId)
    {
        var id = await AccountIdAsync(admin, externalId);
        return await ScalarAsync<int>(admin, $"""
            SELECT nodeport FROM pg_dist_shard_placement
            WHERE shardid = get_shard_id_for_distribution_column('accounts', '{id}'::uuid)
            """);
    }
}
