using Microsoft.Data.Sqlite;
using Shouldly;
using Tally.TestSupport.Faults;
using Xunit.Abstractions;

namespace Tally.Ledger.Sqlite.Tests;

/// <summary>
/// Commits that report an error at random — before COMMIT ran (the transaction is still open)
/// and after it did its work (a WAL hook or the driver failing once the commit is on disk) — with
/// group commit on and off, with and without idempotency keys. No charge may be lost or applied
/// twice (<see cref="FaultLoad"/>).
/// </summary>
public sealed class CommitFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-sqlite-faults-").FullName;

    [Theory]
    [InlineData(true, false, 1)]
    [InlineData(true, true, 2)]
    [InlineData(false, false, 3)]
    [InlineData(false, true, 4)]
    public async Task Commits_that_report_errors_never_lose_or_double_a_charge(bool groupCommit, bool idempotencyKeys, int seed)
    {
        var path = Path.Combine(_directory, $"{seed}.db");
        await using var direct = new SqliteLedgerStore(path);
        await direct.MigrateAsync(CancellationToken.None);
        await using var healthy = new CreditLedger(direct, new LedgerOptions { InitialAmount = 0 }, TimeProvider.System);
        var random = new Random(seed);
        var injected = 0;
        var firstOfStage = new HashSet<CommitStage>();
        await using var store = new SqliteLedgerStore(path)
        {
            // The first commit of each stage always fails (so both paths run in every test),
            // then one in ten at random.
            Faults = stage =>
            {
                lock (random)
                {
                    if (firstOfStage.Add(stage) || random.NextDouble() < 0.1)
                    {
                        injected++;
                        throw new SqliteException($"injected failure {stage}", SQLitePCL.raw.SQLITE_IOERR);
                    }
                }
            },
        };
        using var inDoubt = new InDoubtCounter();
        await using (var faulty = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = groupCommit }, TimeProvider.System))
        {
            var report = await FaultLoad.RunAsync(faulty, healthy, idempotencyKeys);
            output.WriteLine($"{report}, injected {injected}, in-doubt commits {inDoubt.Resolutions}");
        }

        injected.ShouldBeGreaterThanOrEqualTo(2);
        inDoubt.Resolutions.ShouldContain("committed");
        inDoubt.Resolutions.ShouldContain("rolled_back");
        (await healthy.VerifyAsync()).Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
