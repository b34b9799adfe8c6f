using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task A_lot_stops_counting_the_instant_it_expires_and_the_next_write_records_the_expiry()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var expires = t.Ledger.Now().AddSeconds(3);
        await t.GrantAsync(id, 40, expiresAt: expires);
        (await t.BalanceAsync(id)).NextExpiry.ShouldBe(new NextExpiry(expires, new Credits(40)));

        t.Clock.Advance(TimeSpan.FromSeconds(3));
        var read = (await t.Ledger.ReadAsync(id)).ShouldNotBeNull();
        (read.View.Balances[0].Available.Minor, read.View.Balances[0].Total.Minor).ShouldBe((10L, 10L));
        read.Settled.ShouldBeFalse();
        read.View.Balances[0].NextExpiry.ShouldBeNull();
        Is<InsufficientCredits>(await t.ChargeAsync(id, 11)).Available.Minor.ShouldBe(10);

        var entries = await t.EntriesAsync(id);
        var expire = entries.Single(e => e.Type == EntryType.Expire);
        expire.Amount.Minor.ShouldBe(-40);
        expire.Actor.ShouldBe(Actors.System);
        entries.Sum(e => e.Amount.Minor).ShouldBe(10);
        entries[0].BalanceAfter.Minor.ShouldBe(10);
        (await t.Ledger.ReadAsync(id)).ShouldNotBeNull().Settled.ShouldBeTrue();
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_grant_that_expired_before_it_is_spent_on_burns_nothing_from_it()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        await t.GrantAsync(id, 5, priority: 1, expiresAt: t.Ledger.Now().AddMinutes(1));
        await t.GrantAsync(id, 5, priority: 2);
        await t.ChargeAsync(id, 2);

        t.Clock.Advance(TimeSpan.FromMinutes(2));
        Is<EntryResult>(await t.ChargeAsync(id, 5)).Balance.Total.Minor.ShouldBe(0);
        Is<InsufficientCredits>(await t.ChargeAsync(id, 1));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_sweeper_writes_off_expired_lots_and_releases_expired_holds()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var lots = await t.NewAccountAsync(10);
        await t.GrantAsync(lots, 7, expiresAt: t.Ledger.Now().AddHours(1));
        var holds = await t.NewAccountAsync(10);
        var hold = Is<HoldResult>(await t.ReserveAsync(holds, 4, ttlSeconds: 60)).Hold;
        var idle = await t.NewAccountAsync(10);
        var idleSeq = await t.SeqAsync(idle);

        t.Clock.Advance(TimeSpan.FromHours(2));
        var report = await t.Ledger.ExpireAsync();

        (report.Accounts, report.LotsExpired, report.HoldsExpired).ShouldBe((2, 1, 1));
        (await t.EntriesAsync(lots)).ShouldContain(e => e.Type == EntryType.Expire && e.Amount.Minor == -7);
        (await t.Ledger.GetHoldsAsync(holds, null)).ShouldNotBeNull().Single(h => h.Id == hold.Id).Status.ShouldBe(HoldStatus.Expired);
        (await t.SeqAsync(idle)).ShouldBe(idleSeq);
        (await t.Ledger.ExpireAsync()).Accounts.ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Idempotency_keys_are_forgotten_after_the_retention()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var id = await t.NewAccountAsync(10);
        var request = LedgerRequest.Of(new Charge(id, Price.Of(new Credits(1))), RequestIdempotency.For("k-1", [new Charge(id, Price.Of(new Credits(1)))]));
        await t.Ledger.ExecuteAsync(request);

        t.Clock.Advance(TimeSpan.FromHours(23));
        (await t.Ledger.ExpireAsync()).IdempotencyKeysPurged.ShouldBe(0);
        t.Clock.Advance(TimeSpan.FromHours(2));
        (await t.Ledger.ExpireAsync()).IdempotencyKeysPurged.ShouldBe(1);
    }

    [Fact]
    public async Task Durable_idempotency_keys_are_never_forgotten()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var id = await t.NewAccountAsync(0);
        var grant = new Grant(id, new Credits(5));
        var request = LedgerRequest.Of(grant, RequestIdempotency.For(RequestIdempotency.DurablePrefix + "payment:test:pay_1:grant", [grant]));
        await t.Ledger.ExecuteAsync(request);

        t.Clock.Advance(TimeSpan.FromDays(400));
        (await t.Ledger.ExpireAsync()).IdempotencyKeysPurged.ShouldBe(0);
        (await t.Ledger.ExecuteAsync(request)).Replayed.ShouldBeTrue();
        (await t.TotalAsync(id)).ShouldBe(5);
    }
}
