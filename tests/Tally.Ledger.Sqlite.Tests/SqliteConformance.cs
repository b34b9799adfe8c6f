using Tally.Ledger.Storage;
using Tally.TestSupport.Conformance;

namespace Tally.Ledger.Sqlite.Tests;

/// <summary>A temp-directory SQLite database shared by the suite, and fresh ones on demand.</summary>
public class SqliteFixture : ILedgerStoreFixture, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-sqlite-").FullName;
    private SqliteLedgerStore? _store;

    public virtual bool GroupCommit => true;

    public ILedgerStore Store => _store ?? throw new InvalidOperationException("fixture not initialized");

    public async Task InitializeAsync()
    {
        _store = new SqliteLedgerStore(Path.Combine(_directory, "shared.db"));
        await _store.MigrateAsync(CancellationToken.None);
    }

    public Task<ILedgerStore> CreateIsolatedStoreAsync() =>
        Task.FromResult<ILedgerStore>(new SqliteLedgerStore(Path.Combine(_directory, $"{Guid.NewGuid():N}.db")));

    public Task ExecuteRawAsync(ILedgerStore store, string sql) => ((SqliteLedgerStore)store).ExecuteWrite(sql);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await SuiteVerification.AssertCleanAsync(_store);
            await _store.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle may linger for a moment; the OS temp cleaner gets the rest.
        }
    }
}

/// <summary>The same database, every request its own transaction (group commit off).</summary>
public sealed class SqliteUnbatchedFixture : SqliteFixture
{
    public override bool GroupCommit => false;
}

public sealed class SqliteConformance(SqliteFixture fixture) : LedgerStoreConformance<SqliteFixture>(fixture);

public sealed class SqliteUnbatchedConformance(SqliteUnbatchedFixture fixture) : LedgerStoreConformance<SqliteUnbatchedFixture>(fixture);

public sealed class SqliteCrashTests
{
    [Fact]
    public async Task Killing_a_writer_process_mid_batch_loses_no_acknowledged_charge_while_another_process_writes_too()
    {
        var directory = Directory.CreateTempSubdirectory("tally-crash-").FullName;
        var path = Path.Combine(directory, "crash.db");
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.MigrateAsync(CancellationToken.None);
            await CrashRecovery.RunAsync(store, $"sqlite:{path}");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
