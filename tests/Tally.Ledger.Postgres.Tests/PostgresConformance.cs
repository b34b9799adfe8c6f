using Tally.Ledger.Storage;
using Tally.TestSupport.Conformance;
using Tally.TestSupport.Postgres;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>A database of its own on the test server for the suite, and fresh ones on demand.</summary>
public class PostgresFixture : ILedgerStoreFixture, IAsyncLifetime
{
    private PostgresLedgerStore? _store;

    public virtual bool GroupCommit => true;

    public ILedgerStore Store => _store ?? throw new InvalidOperationException("fixture not initialized");

    public async Task InitializeAsync()
    {
        var server = await PgServer.SharedAsync();
        _store = new PostgresLedgerStore(await server.CreateDatabaseAsync("conformance"));
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task<ILedgerStore> CreateIsolatedStoreAsync()
    {
        var server = await PgServer.SharedAsync();
        return new PostgresLedgerStore(await server.CreateDatabaseAsync("isolated"));
    }

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

/// <summary>Every request its own transaction (group commit off).</summary>
public sealed class PostgresUnbatchedFixture : PostgresFixture
{
    public override bool GroupCommit => false;
}

public sealed class PostgresConformance(PostgresFixture fixture) : LedgerStoreConformance<PostgresFixture>(fixture);

public sealed class PostgresUnbatchedConformance(PostgresUnbatchedFixture fixture) : LedgerStoreConformance<PostgresUnbatchedFixture>(fixture);

public sealed class PostgresCrashTests
{
    [Fact]
    public async Task Killing_a_writer_process_mid_batch_loses_no_acknowledged_charge_while_another_process_writes_too()
    {
        var database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("crash");
        await using var store = new PostgresLedgerStore(database);
        await store.MigrateAsync(CancellationToken.None);
        await CrashRecovery.RunAsync(store, database);
    }

    /// <summary>The same on Citus: the killed writer's open distributed transactions are rolled back on every node.</summary>
    [CitusFact]
    public async Task On_citus_killing_a_writer_process_mid_batch_loses_no_acknowledged_charge_while_another_process_writes_too()
    {
        var database = await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("crash");
        await using var store = new PostgresLedgerStore(database);
        await store.MigrateAsync(CancellationToken.None);
        await CrashRecovery.RunAsync(store, database);
    }
}
