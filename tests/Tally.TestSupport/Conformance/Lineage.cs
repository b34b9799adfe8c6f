using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>Credits keep their terms (scope, expiry, paid or granted) through reversals and transfers.</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private async Task<List<LotRow>> LotsAsync(TestLedger t, string account, LotSource source) =>
        (await t.Ledger.Store.ReadAccountAsync(account, CancellationToken.None)).ShouldNotBeNull()
            .Lots.Where(l => l.Source == source && l.Remaining.IsPositive).OrderBy(l => l.CreatedAt).ToList();

    [Fact]
    public async Task Reversing_a_charge_paid_by_an_expiring_scoped_promo_returns_credits_with_that_scope_and_expiry()
    {
        var t = NewLedger();
        var feature = await t.NewFeatureAsync(1);
        var id = await t.NewAccountAsync(100);
        var expires = t.Clock.GetUtcNow().AddHours(1);
        Is<EntryResult>(await t.GrantAsync(id, 10, expiresAt: expires, features: [feature.Key]));
        var charge = Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key, 5)).Entry;

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id)));

        var refund = (await LotsAsync(t, id, LotSource.Refund)).ShouldHaveSingleItem();
        refund.Amount.Minor.ShouldBe(5);
        refund.Features.ShouldBe([feature.Key]);
        refund.ExpiresAt.ShouldBe(TimeMath.ToMicroseconds(expires));
        refund.Paid.ShouldBeFalse();
        Is<InsufficientCredits>(await t.ChargeAsync(id, 101)).Available.Minor.ShouldBe(100); // plain charges never spend it

        t.Clock.Advance(TimeSpan.FromHours(2));
        (await t.TotalAsync(id)).ShouldBe(100);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_part_whose_lot_expired_meanwhile_comes_back_expired_and_is_written_off()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await t.GrantAsync(id, 10, expiresAt: t.Clock.GetUtcNow().AddHours(1)));
        var charge = Is<EntryResult>(await t.ChargeAsync(id, 4)).Entry;
        t.Clock.Advance(TimeSpan.FromHours(2));

        var reversal = Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id)));

        reversal.Entry.Amount.Minor.ShouldBe(4);
        reversal.Balance.Total.Minor.ShouldBe(0);
        var newest = (await t.EntriesAsync(id)).Take(2).ToList();
        newest[0].Type.ShouldBe(EntryType.Expire);
        newest[0].Amount.Minor.ShouldBe(-4);
        newest[1].Type.ShouldBe(EntryType.Reversal);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Partial_reversals_unwind_the_last_credits_spent_first_and_add_up_to_one_full_reversal()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        var expires = t.Clock.GetUtcNow().AddDays(1);
        Is<EntryResult>(await t.GrantAsync(id, 3, priority: 1, expiresAt: expires)); // burns first
        Is<EntryResult>(await t.GrantAsync(id, 10));
        var charge = Is<EntryResult>(await t.ChargeAsync(id, 8)).Entry; // 3 from the first lot, 5 from the second

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id, 2)));
        (await LotsAsync(t, id, LotSource.Refund)).ShouldHaveSingleItem().ExpiresAt.ShouldBeNull();

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id, 4)));
        var refunds = await LotsAsync(t, id, LotSource.Refund);
        refunds.Sum(l => l.Amount.Minor).ShouldBe(6);
        refunds.Where(l => l.ExpiresAt is null).Sum(l => l.Amount.Minor).ShouldBe(5);
        refunds.Single(l => l.ExpiresAt is not null).Amount.Minor.ShouldBe(1);

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id)));
        var all = await LotsAsync(t, id, LotSource.Refund);
        all.Where(l => l.ExpiresAt is not null).Sum(l => l.Amount.Minor).ShouldBe(3);
        all.Where(l => l.ExpiresAt is not null).ShouldAllBe(l => l.Priority == 1);
        (await t.TotalAsync(id)).ShouldBe(13);
        (await t.BalanceAsync(id)).NextExpiry.ShouldNotBeNull().Amount.Minor.ShouldBe(3);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Paid_credits_stay_paid_through_a_reversal_and_a_transfer()
    {
        var t = NewLedger();
        var payer = await t.NewAccountAsync();
        var receiver = await t.NewAccountAsync();
        var expires = t.Clock.GetUtcNow().AddDays(30);
        Is<EntryResult>(await t.RunAsync(new Grant(payer, new Credits(20), Source: LotSource.Purchase, ExpiresAt: expires)));
        var charge = Is<EntryResult>(await t.ChargeAsync(payer, 5)).Entry;

        Is<EntryResult>(await t.RunAsync(new Reverse(charge.Id)));
        var refund = (await LotsAsync(t, payer, LotSource.Refund)).ShouldHaveSingleItem();
        refund.Paid.ShouldBeTrue();
        refund.ExpiresAt.ShouldBe(TimeMath.ToMicroseconds(expires));

        Is<TransferResult>(await t.RunAsync(new Transfer(payer, receiver, new Credits(12))));
        var moved = (await LotsAsync(t, receiver, LotSource.Transfer)).ShouldHaveSingleItem();
        moved.Amount.Minor.ShouldBe(12);
        moved.Paid.ShouldBeTrue();
        moved.ExpiresAt.ShouldBe(TimeMath.ToMicroseconds(expires));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_transfer_carries_each_source_lots_expiry_and_what_the_overdraft_paid_arrives_plain()
    {
        var t = NewLedger();
        var payer = await t.NewAccountAsync();
        var receiver = await t.NewAccountAsync();
        await t.RunAsync(new EnsureAccount(payer, OverdraftLimit: 5));
        var soon = t.Clock.GetUtcNow().AddHours(2);
        Is<EntryResult>(await t.GrantAsync(payer, 4, expiresAt: soon));
        Is<EntryResult>(await t.RunAsync(new Grant(payer, new Credits(3), Source: LotSource.Purchase)));

        var transfer = Is<TransferResult>(await t.RunAsync(new Transfer(payer, receiver, new Credits(9))));

        transfer.Credit.LotId.ShouldBeNull(); // several lots: one per set of terms
        var lots = await LotsAsync(t, receiver, LotSource.Transfer);
        lots.Sum(l => l.Amount.Minor).ShouldBe(9);
        lots.Single(l => l.ExpiresAt is not null).ShouldSatisfyAllConditions(l => l.Amount.Minor.ShouldBe(4), l => l.Paid.ShouldBeFalse());
        lots.Where(l => l.ExpiresAt is null && l.Paid).Sum(l => l.Amount.Minor).ShouldBe(3);
        lots.Where(l => l.ExpiresAt is null && !l.Paid).Sum(l => l.Amount.Minor).ShouldBe(2);
        (await t.TotalAsync(payer)).ShouldBe(-2);

        t.Clock.Advance(TimeSpan.FromHours(3));
        (await t.TotalAsync(receiver)).ShouldBe(5);
        await t.ShouldHoldInvariantsAsync();
    }
}
