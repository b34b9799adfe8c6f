using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task An_atomic_batch_with_a_failing_operation_applies_nothing()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var fresh = TestLedger.NewId();
        var seq = await t.SeqAsync(id);
        LedgerCommand[] commands =
        [
            new Grant(id, new Credits(5)),
            new Grant(fresh, new Credits(5)),
            new Charge(id, Price.Of(new Credits(5000))),
        ];

        var outcome = await t.Ledger.ExecuteAsync(new LedgerRequest(commands, BatchMode.Atomic));

        outcome.FailedIndex.ShouldBe(2);
        outcome.Results[2].ShouldBeOfType<InsufficientCredits>();
        (await t.SeqAsync(id)).ShouldBe(seq);
        (await t.TotalAsync(id)).ShouldBe(10);
        (await t.Ledger.GetAccountAsync(fresh)).ShouldBeNull();
    }

    [Fact]
    public async Task An_atomic_batch_of_valid_operations_applies_all_in_order()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        LedgerCommand[] commands = [new Grant(id, new Credits(3)), new Charge(id, Price.Of(new Credits(13)))];

        var outcome = await t.Ledger.ExecuteAsync(new LedgerRequest(commands, BatchMode.Atomic));

        outcome.FailedIndex.ShouldBeNull();
        outcome.Results.ShouldAllBe(r => r.Succeeded);
        (await t.TotalAsync(id)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task An_independent_batch_gives_each_operation_its_own_result()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        LedgerCommand[] commands =
        [
            new Grant(id, new Credits(5)),
            new Charge(id, Price.Of(new Credits(5000))),
            new Charge(id, Price.Of(new Credits(0))),
            new Charge(id, Price.Of(new Credits(15))),
        ];

        var outcome = await t.Ledger.ExecuteAsync(new LedgerRequest(commands, BatchMode.Independent));

        outcome.FailedIndex.ShouldBeNull();
        outcome.Results[0].ShouldBeOfType<EntryResult>();
        outcome.Results[1].ShouldBeOfType<InsufficientCredits>();
        outcome.Results[2].ShouldBeOfType<Invalid>();
        outcome.Results[3].ShouldBeOfType<EntryResult>();
        (await t.TotalAsync(id)).ShouldBe(0);
    }

    [Fact]
    public async Task A_batch_with_no_or_too_many_operations_is_refused()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 0, MaxBatchCommands = 3 });
        var id = await t.NewAccountAsync(10);

        (await t.Ledger.ExecuteAsync(new LedgerRequest([], BatchMode.Atomic))).Results[0].ShouldBeOfType<Invalid>();
        var four = Enumerable.Range(0, 4).Select(_ => (LedgerCommand)new Grant(id, new Credits(1))).ToList();
        (await t.Ledger.ExecuteAsync(new LedgerRequest(four, BatchMode.Independent))).Results[0].ShouldBeOfType<Invalid>();
        (await t.TotalAsync(id)).ShouldBe(10);
    }

    [Fact]
    public async Task A_batch_may_capture_a_hold_and_charge_the_same_account_atomically()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 4)).Hold;
        LedgerCommand[] commands = [new Capture(hold.Id, 2), new Charge(id, Price.Of(new Credits(8)))];

        var outcome = await t.Ledger.ExecuteAsync(new LedgerRequest(commands, BatchMode.Atomic));

        outcome.FailedIndex.ShouldBeNull();
        (await t.TotalAsync(id)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }
}
