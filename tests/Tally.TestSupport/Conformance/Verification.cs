using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task Verify_finds_a_corrupted_balance_and_a_corrupted_lot()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var balance = await t.NewAccountAsync(10);
        var lot = await t.NewAccountAsync(10);
        await t.ChargeAsync(lot, 3);
        await t.ShouldHoldInvariantsAsync();

        await Fixture.ExecuteRawAsync(store, $"UPDATE balances SET balance = balance + 1 WHERE account_id = (SELECT id FROM accounts WHERE external_id = '{balance}')");
        await Fixture.ExecuteRawAsync(store, $"UPDATE lots SET remaining = remaining - 1 WHERE account_id = (SELECT id FROM accounts WHERE external_id = '{lot}')");
        var report = await t.Ledger.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.Violations.ShouldContain(v => v.Check == "journal_sum" && v.Account == balance);
        report.Violations.ShouldContain(v => v.Check == "lot_lineage" && v.Account == lot && v.Item != null);
        report.Violations.ShouldNotContain(v => v.Account != balance && v.Account != lot);
    }

    [Fact]
    public async Task Verify_finds_a_burn_that_points_at_a_missing_entry()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var id = await t.NewAccountAsync(10);
        await t.ChargeAsync(id, 3);
        await t.ShouldHoldInvariantsAsync();

        // A second burn of the same lot, attributed to an entry that does not exist (the lot's id).
        await Fixture.ExecuteRawAsync(store, "INSERT INTO burns (entry_id, lot_id, account_id, amount) SELECT lot_id, lot_id, account_id, amount FROM burns");
        var report = await t.Ledger.VerifyAsync();

        report.Violations.ShouldContain(v => v.Check == "references" && v.Item != null);
        report.Violations.ShouldContain(v => v.Check == "lot_lineage" && v.Account == id);
    }

    [Fact]
    public async Task The_journal_rejects_updates_and_deletes()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var id = await t.NewAccountAsync(10);

        await Should.ThrowAsync<Exception>(() => Fixture.ExecuteRawAsync(store, "UPDATE entries SET amount = 0"));
        await Should.ThrowAsync<Exception>(() => Fixture.ExecuteRawAsync(store, "DELETE FROM entries"));
        (await t.TotalAsync(id)).ShouldBe(10);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Migrations_run_once()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        (await store.MigrateAsync(CancellationToken.None)).ShouldBeGreaterThan(0);
        (await store.MigrateAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task An_invariant_broken_in_memory_aborts_the_whole_write()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var seq = await t.SeqAsync(id);

        await Should.ThrowAsync<InvariantViolationException>(() => Fixture.Store.WriteAsync(
            Tally.Ledger.Storage.WriteScope.ForAccount(id),
            t.Ledger.Now(),
            snapshot =>
            {
                var account = snapshot.Accounts[id];
                account.Seq += 5;
                account.IsDirty = true;
                throw new InvariantViolationException("simulated bug");
#pragma warning disable CS0162
                return 0;
#pragma warning restore CS0162
            },
            CancellationToken.None));

        (await t.SeqAsync(id)).ShouldBe(seq);
        Is<EntryResult>(await t.ChargeAsync(id, 1));
    }
}
