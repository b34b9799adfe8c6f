using Shouldly;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>The admin panel's account reads (<see cref="IAccountDirectory"/>): search by prefix, newest first, every lot, lineage.</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private IAccountDirectory Directory => Fixture.Store.ShouldBeAssignableTo<IAccountDirectory>()!;

    [Fact]
    public async Task Accounts_are_found_by_id_prefix_in_id_order_a_page_at_a_time_and_listed_newest_first()
    {
        var t = NewLedger();
        var prefix = TestLedger.NewId("dir")[..16] + "-";
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await t.NewAccountAsync(prefix: prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var first = await Directory.ListAccountIdsAsync(prefix, null, 3, CancellationToken.None);
        first.ShouldBe(ids.Order(StringComparer.Ordinal).Take(3));
        var rest = await Directory.ListAccountIdsAsync(prefix, first[^1], 3, CancellationToken.None);
        rest.ShouldBe(ids.Order(StringComparer.Ordinal).Skip(3));
        (await Directory.ListAccountIdsAsync(prefix + "9", null, 3, CancellationToken.None)).ShouldBeEmpty();

        var newest = await Directory.ListAccountIdsAsync(null, null, 2, CancellationToken.None);
        newest.ShouldBe([ids[4], ids[3]]);
        (await Directory.ListAccountIdsAsync(null, ids[4], 2, CancellationToken.None)).ShouldBe([ids[3], ids[2]]);
        (await Directory.CountAccountsAsync(CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public async Task An_accounts_lots_are_all_listed_newest_first_and_a_charges_lineage_names_the_lots_that_paid()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await t.GrantAsync(id, 3));
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        Is<EntryResult>(await t.GrantAsync(id, 10, priority: 200));
        var charge = Is<EntryResult>(await t.ChargeAsync(id, 5)).Entry;

        var lots = await Directory.ReadLotsAsync(id, 10, CancellationToken.None);
        lots.Select(l => l.Amount.Minor).ShouldBe([10, 3]);
        lots.Select(l => l.Remaining.Minor).ShouldBe([8, 0]);
        (await Directory.ReadLotsAsync(TestLedger.NewId(), 10, CancellationToken.None)).ShouldBeEmpty();

        var lineage = await Directory.ReadLineageAsync([charge.Id], CancellationToken.None);
        lineage.ShouldAllBe(l => l.EntryId == charge.Id);
        lineage.Select(l => (l.PaidBy.Lot.Amount.Minor, l.PaidBy.Amount.Minor)).OrderBy(p => p.Item1).ShouldBe([(3L, 3L), (10L, 2L)]);
        lineage.ShouldAllBe(l => l.PaidBy.Lot.Source == LotSource.Admin);
        (await Directory.ReadLineageAsync([], CancellationToken.None)).ShouldBeEmpty();
    }
}
