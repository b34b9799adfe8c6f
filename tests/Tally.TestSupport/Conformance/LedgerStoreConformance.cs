using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Outcomes;

namespace Tally.TestSupport.Conformance;

/// <summary>
/// Every ledger behaviour (README, "The credit model"), run unchanged against each store: a store's test project subclasses
/// this with its fixture. Each test makes its own accounts, so tests never depend on each other
/// or on order. Split by area into partial files.
/// </summary>
public abstract partial class LedgerStoreConformance<TFixture>(TFixture fixture) : Xunit.IClassFixture<TFixture>
    where TFixture : class, ILedgerStoreFixture
{
    protected TFixture Fixture { get; } = fixture;

    /// <summary>A ledger over the shared store, with its own fake clock starting now.</summary>
    protected TestLedger NewLedger(LedgerOptions? options = null)
    {
        options ??= new LedgerOptions { InitialAmount = 0 };
        options.GroupCommit = Fixture.GroupCommit;
        return new TestLedger(Fixture.Store, options);
    }

    protected static T Is<T>(LedgerOutcome outcome) where T : LedgerOutcome => outcome.ShouldBeOfType<T>();

    protected static Invalid InvalidField(LedgerOutcome outcome, string field)
    {
        var invalid = outcome.ShouldBeOfType<Invalid>();
        invalid.Field.ShouldBe(field);
        return invalid;
    }
}
