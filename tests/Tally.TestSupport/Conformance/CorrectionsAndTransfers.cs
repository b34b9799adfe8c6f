using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task A_charge_can_be_reversed_in_parts_until_nothing_is_left()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(50);
        var charge = Is<EntryResult>(await t.ChargeAsync(id, 30)).Entry;

        var partial = Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id, 10, "partial")));
        partial.Entry.Type.ShouldBe(EntryType.Reversal);
        partial.Entry.Amount.Minor.ShouldBe(10);
        partial.Entry.ReversesEntryId.ShouldBe(charge.Id);
        partial.Entry.Description.ShouldBe("partial");
        (await t.TotalAsync(id)).ShouldBe(30);

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id, null, "the rest"))).Entry.Amount.Minor.ShouldBe(20);
        (await t.TotalAsync(id)).ShouldBe(50);
        Is<InvalidState>(await t.RunAsync(new Reverse(charge.Id, 1)));

        var small = Is<EntryResult>(await t.ChargeAsync(id, 5)).Entry;
        Is<InvalidState>(await t.RunAsync(new Reverse(small.Id, 6)));
        InvalidField(await t.RunAsync(new Reverse(small.Id, 0)), "amount");
        (await t.TotalAsync(id)).ShouldBe(45);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Only_charges_and_captures_can_be_reversed()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        var grant = Is<EntryResult>(await t.GrantAsync(id, 10)).Entry;
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 4)).Hold;
        var capture = Is<HoldResult>(await t.RunAsync(new Capture(hold.Id))).Entry.ShouldNotBeNull();

        Is<InvalidState>(await t.RunAsync(new Reverse(grant.Id)));
        Is<NotFound>(await t.RunAsync(new Reverse(Guid.CreateVersion7()))).What.ShouldBe("entry");
        Is<EntryResult>(await t.RunAsync(new Reverse(capture.Id))).Balance.Total.Minor.ShouldBe(10);
    }

    [Fact]
    public async Task A_reversal_repays_overdraft_debt_first()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(5);
        await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 10));
        var charge = Is<EntryResult>(await t.ChargeAsync(id, 12)).Entry;

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id, 4))).Balance.Total.Minor.ShouldBe(-3);
        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id))).Balance.Total.Minor.ShouldBe(5);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Adjustments_correct_either_way_and_need_a_reason()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(20);

        InvalidField(await t.RunAsync(new Adjust(id, new Credits(5), "")), "reason");
        InvalidField(await t.RunAsync(new Adjust(id, new Credits(0), "zero")), "amount");
        var down = Is<EntryResult>(await t.RunAsync(new Adjust(id, new Credits(-5), "duplicate grant")));
        down.Entry.Type.ShouldBe(EntryType.Adjust);
        down.Entry.BalanceAfter.Minor.ShouldBe(15);
        Is<EntryResult>(await t.RunAsync(new Adjust(id, new Credits(7), "goodwill"))).Entry.BalanceAfter.Minor.ShouldBe(22);
        Is<InsufficientCredits>(await t.RunAsync(new Adjust(id, new Credits(-23), "too much")));
        (await t.TotalAsync(id)).ShouldBe(22);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_paid_adjustment_makes_a_paid_lot_and_an_adjustment_from_one_lot_voids_only_that_lot()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(20);
        var directory = (IAccountDirectory)Fixture.Store;

        var paid = Is<EntryResult>(await t.RunAsync(new Adjust(id, new Credits(30), "purchase lost by a bug", Paid: true)));
        var lots = await directory.ReadLotsAsync(id, 10, CancellationToken.None);
        var paidLot = lots.Single(l => l.Id == paid.Entry.LotId);
        (paidLot.Paid, paidLot.Source).ShouldBe((true, LotSource.Admin));
        lots.Single(l => l.Id != paidLot.Id).Paid.ShouldBeFalse();
        InvalidField(await t.RunAsync(new Adjust(id, new Credits(-1), "x", Paid: true)), "paid");
        InvalidField(await t.RunAsync(new Adjust(id, new Credits(1), "x", FromLot: paidLot.Id)), "lotId");
        InvalidField(await t.RunAsync(new Adjust(id, new Credits(-1), "x", FromLot: Guid.NewGuid())), "lotId");

        // Held credits stay with their hold: the lot can lose only what is left beside it.
        Is<HoldResult>(await t.ReserveAsync(id, 45));
        var left = (await directory.ReadLotsAsync(id, 10, CancellationToken.None)).Single(l => l.Id == paidLot.Id).Remaining;
        Is<InsufficientCredits>(await t.RunAsync(new Adjust(id, -(left + new Credits(1)), "too much", FromLot: paidLot.Id)));
        var voided = Is<EntryResult>(await t.RunAsync(new Adjust(id, -left, "void: chargeback outside the provider", FromLot: paidLot.Id)));
        voided.Entry.LotId.ShouldBe(paidLot.Id);
        (await directory.ReadLotsAsync(id, 10, CancellationToken.None)).Single(l => l.Id == paidLot.Id).Remaining.ShouldBe(Credits.Zero);
        InvalidField(await t.RunAsync(new Adjust(id, new Credits(-1), "again", FromLot: paidLot.Id)), "lotId");
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_transfer_moves_credits_with_both_entries_or_neither()
    {
        var t = NewLedger();
        var a = await t.NewAccountAsync(30);
        var b = await t.NewAccountAsync(30);

        var moved = Is<TransferResult>(await t.RunAsync(new Transfer(a, b, new Credits(10), Description: "gift")));

        moved.Debit.Type.ShouldBe(EntryType.TransferOut);
        moved.Debit.Amount.Minor.ShouldBe(-10);
        moved.Debit.Account.ShouldBe(a);
        moved.Credit.Type.ShouldBe(EntryType.TransferIn);
        moved.Credit.Amount.Minor.ShouldBe(10);
        moved.Credit.Account.ShouldBe(b);
        Is<InsufficientCredits>(await t.RunAsync(new Transfer(a, b, new Credits(21))));
        InvalidField(await t.RunAsync(new Transfer(a, a, new Credits(1))), "to");
        InvalidField(await t.RunAsync(new Transfer(a, b, new Credits(0))), "amount");
        (await t.TotalAsync(a)).ShouldBe(20);
        (await t.TotalAsync(b)).ShouldBe(40);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_transfer_to_an_unknown_account_creates_it()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 100 });
        var a = await t.NewAccountAsync();
        var b = TestLedger.NewId();

        Is<TransferResult>(await t.RunAsync(new Transfer(a, b, new Credits(10))));

        (await t.TotalAsync(b)).ShouldBe(110);
    }
}
