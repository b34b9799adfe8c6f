using Tally.Ledger.Storage;
using Tally.TestSupport.Conformance;
using Tally.TestSupport.Postgres;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// The store on a Citus cluster (a coordinator and two workers, <see cref="CitusCluster"/>): a
/// database of its own for the suite, distributed by the ordinary migration, and fresh ones on demand.
/// </summary>
public sealed class CitusFixture : ILedgerStoreFixture, IAsyncLifetime
{
    private PostgresLedgerStore? _store;

    public bool GroupCommit => true;

    public ILedgerStore Store => _store ?? throw new InvalidOperationException("fixture not initialized");

    public async Task InitializeAsync()
    {
        if (!CitusCluster.IsInstalled)
        {
            throw new InvalidOperationException("Citus is not installed: run ../shared/vendor/citus/install.sh (as .ci/run does)");
        }

        _store = new PostgresLedgerStore(await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("conformance"));
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task<ILedgerStore> CreateIsolatedStoreAsync() =>
        new PostgresLedgerStore(await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("isolated"));

    public Task ExecuteRawAsync(ILedgerStore store, string sql) => ((PostgresLedgerStore)store).ExecuteAsync(sql, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await SuiteVerification.AssertCleanAsync(_store);
            await _store.DisposeAsync();
        }
    }
}

/// <summary>The whole conformance suite, unchanged, on Citus (group commit on).</summary>
public sealed class CitusConformance(CitusFixture fixture) : LedgerStoreConformance<CitusFixture>(fixture);
