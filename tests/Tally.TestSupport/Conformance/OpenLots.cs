using Shouldly;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>An account's open lots (the customer portal's balance split, docs/ui.md).</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task Open_lots_are_the_accounts_lots_with_something_left_soonest_expiry_first()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        await t.NewAccountAsync(7); // someone else's lot
        var now = t.Ledger.Now();
        await t.GrantAsync(id, 10);
        await t.GrantAsync(id, 20, expiresAt: now.AddDays(2));
        await t.GrantAsync(id, 30, expiresAt: now.AddDays(1));
        await t.GrantAsync(id, 5, priority: 1, expiresAt: now.AddMinutes(1));
        await t.ChargeAsync(id, 5); // spends the priority-1 lot: nothing left in it

        var reader = (IOpenLotReader)Fixture.Store;
        var lots = await reader.ReadOpenLotsAsync(id, now, CancellationToken.None);
        lots.Select(l => l.Remaining.Minor).ShouldBe([30L, 20L, 10L]);
        lots.Select(l => l.ExpiresAt).ShouldBe([now.AddDays(1), now.AddDays(2), null]);
        lots.ShouldAllBe(l => l.Source == LotSource.Admin && !l.Paid);

        // A lot stops being open at its expiry, whether or not the sweep has written it off yet.
        (await reader.ReadOpenLotsAsync(id, now.AddDays(1), CancellationToken.None)).Select(l => l.Remaining.Minor).ShouldBe([20L, 10L]);
        (await reader.ReadOpenLotsAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], now, CancellationToken.None)).ShouldBeEmpty();
        await t.ShouldHoldInvariantsAsync();
    }
}
