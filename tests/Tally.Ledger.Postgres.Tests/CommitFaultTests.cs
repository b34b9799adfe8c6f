using Shouldly;
using Tally.TestSupport.Faults;
using Tally.TestSupport.Postgres;
using Xunit.Abstractions;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// Charges through a proxy that cuts the connection to PostgreSQL at random points — after
/// forwarding what the ledger sent, and instead of forwarding the server's reply to a COMMIT (the
/// commit happened, the answer is lost) — with group commit on and off, with and without
/// idempotency keys, on plain PostgreSQL and on Citus. No charge may be lost or applied twice
/// (<see cref="FaultLoad"/>).
/// </summary>
public sealed class CommitFaultTests(ITestOutputHelper output)
{
    private static readonly CutPlan Plan = new(AfterClientChunk: 0.02, BeforeCommitReply: 0.15, BeforeServerChunk: 0.01, FirstCommitReplies: 2);

    [Theory]
    [InlineData(true, false, 1)]
    [InlineData(true, true, 2)]
    [InlineData(false, false, 3)]
    [InlineData(false, true, 4)]
    public async Task Connections_cut_at_random_points_never_lose_or_double_a_charge(bool groupCommit, bool idempotencyKeys, int seed) =>
        await RunAsync(await (await PgServer.SharedAsync()).CreateDatabaseAsync("faults"), groupCommit, idempotencyKeys, seed);

    /// <summary>
    /// The same cuts between the ledger and a Citus coordinator, which commits each transaction on
    /// the workers with two-phase commit: the commit marker on the coordinator still tells a lost
    /// answer from a lost commit.
    /// </summary>
    [CitusFact]
    public async Task Connections_to_a_Citus_coordinator_cut_at_random_points_never_lose_or_double_a_charge() =>
        await RunAsync(await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("faults"), groupCommit: true, idempotencyKeys: true, seed: 5);

    private async Task RunAsync(string database, bool groupCommit, bool idempotencyKeys, int seed)
    {
        await using var direct = new PostgresLedgerStore(database);
        await direct.MigrateAsync(CancellationToken.None);
        var options = new LedgerOptions { InitialAmount = 0, GroupCommit = groupCommit };
        await using var healthy = new CreditLedger(direct, options, TimeProvider.System);

        var (proxy, proxied) = CuttingProxy.ForPostgres(database, Plan, seed);
        await using (proxy)
        {
            await using var store = new PostgresLedgerStore(proxied);
            using var inDoubt = new InDoubtCounter();
            await using (var faulty = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = groupCommit }, TimeProvider.System))
            {
                var report = await FaultLoad.RunAsync(faulty, healthy, idempotencyKeys);
                output.WriteLine($"{report}, cuts {proxy.Cuts}, in-doubt commits {inDoubt.Resolutions}");
                report.Charged.ShouldBeGreaterThan(0);
            }

            proxy.Cuts.ShouldBeGreaterThan(0);
            inDoubt.Total.ShouldBeGreaterThan(0, "no commit was cut while in flight: the test did not exercise resolution");
        }

        var verify = await healthy.VerifyAsync();
        verify.Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }
}
