using Tally.Ledger.Storage;

namespace Tally.TestSupport.Conformance;

/// <summary>A store under test: one shared, migrated database, and fresh isolated ones on demand.</summary>
public interface ILedgerStoreFixture
{
    /// <summary>The shared store; tests make their own accounts so they never see each other.</summary>
    ILedgerStore Store { get; }

    /// <summary>A new empty migrated database for tests that look at the whole database (sweeper, verify).</summary>
    Task<ILedgerStore> CreateIsolatedStoreAsync();

    /// <summary>Whether ledgers made for this suite run use group commit (the suite runs both ways).</summary>
    bool GroupCommit { get; }

    /// <summary>Runs raw SQL against <paramref name="store"/> (to corrupt data on purpose).</summary>
    Task ExecuteRawAsync(ILedgerStore store, string sql);
}
