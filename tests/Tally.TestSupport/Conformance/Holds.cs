using Shouldly;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task A_hold_makes_credits_unavailable_without_changing_the_total()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var seq = await t.SeqAsync(id);

        var hold = Is<HoldResult>(await t.ReserveAsync(id, 25));

        hold.Hold.Status.ShouldBe(HoldStatus.Active);
        hold.Hold.Amount.Minor.ShouldBe(25);
        hold.Entry.ShouldBeNull();
        (hold.Balance.Available.Minor, hold.Balance.Held.Minor, hold.Balance.Total.Minor).ShouldBe((75L, 25L, 100L));
        (await t.SeqAsync(id)).ShouldBeGreaterThan(seq);
        (await t.Ledger.GetHoldsAsync(id, HoldStatus.Active)).ShouldNotBeNull().Single().Id.ShouldBe(hold.Hold.Id);
        Is<InsufficientCredits>(await t.ChargeAsync(id, 76)).Available.Minor.ShouldBe(75);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Capturing_part_of_a_hold_charges_it_and_returns_the_rest()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 25)).Hold;

        var captured = Is<HoldResult>(await t.RunAsync(new Capture(hold.Id, 10)));

        captured.Hold.Status.ShouldBe(HoldStatus.Captured);
        captured.Hold.Captured.Minor.ShouldBe(10);
        captured.Entry.ShouldNotBeNull().Type.ShouldBe(EntryType.Capture);
        captured.Entry.Amount.Minor.ShouldBe(-10);
        captured.Entry.HoldId.ShouldBe(hold.Id);
        (captured.Balance.Available.Minor, captured.Balance.Held.Minor, captured.Balance.Total.Minor).ShouldBe((90L, 0L, 90L));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Capturing_without_an_amount_takes_the_whole_hold()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 25)).Hold;

        Is<HoldResult>(await t.RunAsync(new Capture(hold.Id))).Entry.ShouldNotBeNull().Amount.Minor.ShouldBe(-25);
        (await t.TotalAsync(id)).ShouldBe(75);
    }

    [Fact]
    public async Task Releasing_a_hold_returns_everything()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 25)).Hold;

        var released = Is<HoldResult>(await t.RunAsync(new Release(hold.Id)));

        released.Hold.Status.ShouldBe(HoldStatus.Released);
        released.Entry.ShouldBeNull();
        (released.Balance.Available.Minor, released.Balance.Held.Minor).ShouldBe((100L, 0L));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_finished_hold_cannot_be_captured_or_released_again()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var released = Is<HoldResult>(await t.ReserveAsync(id, 10)).Hold;
        var captured = Is<HoldResult>(await t.ReserveAsync(id, 10)).Hold;
        await t.RunAsync(new Release(released.Id));
        await t.RunAsync(new Capture(captured.Id));

        Is<InvalidState>(await t.RunAsync(new Capture(released.Id)));
        Is<InvalidState>(await t.RunAsync(new Release(released.Id)));
        Is<InvalidState>(await t.RunAsync(new Capture(captured.Id)));
        Is<InvalidState>(await t.RunAsync(new Release(captured.Id)));
        Is<NotFound>(await t.RunAsync(new Capture(Guid.CreateVersion7()))).What.ShouldBe("hold");
        (await t.TotalAsync(id)).ShouldBe(90);
    }

    [Fact]
    public async Task A_capture_beyond_the_hold_or_of_nothing_is_refused()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 10)).Hold;

        InvalidField(await t.RunAsync(new Capture(hold.Id, 11)), "amount");
        InvalidField(await t.RunAsync(new Capture(hold.Id, 0)), "amount");
        Is<HoldResult>(await t.RunAsync(new Capture(hold.Id, 10)));
    }

    [Fact]
    public async Task Invalid_and_refused_holds_write_nothing()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var seq = await t.SeqAsync(id);

        InvalidField(await t.ReserveAsync(id, 5, ttlSeconds: 0), "ttlSeconds");
        InvalidField(await t.ReserveAsync(id, 5, ttlSeconds: 86_401), "ttlSeconds");
        InvalidField(await t.ReserveAsync(id, 0), "amount");
        Is<InsufficientCredits>(await t.ReserveAsync(id, 11)).Available.Minor.ShouldBe(10);
        (await t.SeqAsync(id)).ShouldBe(seq);
    }

    [Fact]
    public async Task A_hold_past_its_ttl_stops_counting_and_can_no_longer_be_captured()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 30, ttlSeconds: 60)).Hold;

        t.Clock.Advance(TimeSpan.FromSeconds(59));
        (await t.AvailableAsync(id)).ShouldBe(70);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var balance = await t.BalanceAsync(id);
        (balance.Available.Minor, balance.Held.Minor, balance.Total.Minor).ShouldBe((100L, 0L, 100L));
        (await t.Ledger.GetHoldsAsync(id, null)).ShouldNotBeNull().Single().Status.ShouldBe(HoldStatus.Expired);

        Is<InvalidState>(await t.RunAsync(new Capture(hold.Id))).Detail.ShouldContain("expired");
        (await t.TotalAsync(id)).ShouldBe(100);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_hold_on_a_scoped_feature_reserves_the_credits_that_feature_may_spend()
    {
        var t = NewLedger();
        var feature = await t.NewFeatureAsync(1);
        var id = await t.NewAccountAsync(10);
        await t.GrantAsync(id, 10, priority: 50, features: [feature.Key]);

        var hold = Is<HoldResult>(await t.RunAsync(new Reserve(id, Price.OfFeature(feature.Key, TestLedger.ToMicros(10))))).Hold;

        Is<EntryResult>(await t.ChargeAsync(id, 10));
        Is<HoldResult>(await t.RunAsync(new Capture(hold.Id, 4)));
        Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key, 6));
        (await t.TotalAsync(id)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_frozen_account_refuses_new_holds_but_captures_and_releases_existing_ones()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var first = Is<HoldResult>(await t.ReserveAsync(id, 10)).Hold;
        var second = Is<HoldResult>(await t.ReserveAsync(id, 10)).Hold;
        await t.RunAsync(new SetFrozen(id, true));

        Is<AccountFrozen>(await t.ReserveAsync(id, 1));
        Is<HoldResult>(await t.RunAsync(new Capture(first.Id)));
        Is<HoldResult>(await t.RunAsync(new Release(second.Id)));
        (await t.TotalAsync(id)).ShouldBe(90);
    }

    [Fact]
    public async Task A_hold_may_use_the_overdraft_and_its_capture_becomes_debt()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 20));

        var hold = Is<HoldResult>(await t.ReserveAsync(id, 25)).Hold;
        Is<InsufficientCredits>(await t.ReserveAsync(id, 6));
        Is<HoldResult>(await t.RunAsync(new Capture(hold.Id, 22))).Balance.Total.Minor.ShouldBe(-12);
        (await t.AvailableAsync(id)).ShouldBe(-12);
        await t.ShouldHoldInvariantsAsync();
    }
}
