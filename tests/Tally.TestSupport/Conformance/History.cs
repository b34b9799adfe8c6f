using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task History_pages_newest_first_without_gaps_or_repeats()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        for (var i = 0; i < 12; i++)
        {
            await t.GrantAsync(id, 1);
        }

        await t.ChargeAsync(id, 1);
        var seen = new List<EntryView>();
        string? cursor = null;
        var pages = 0;
        do
        {
            long? before = cursor is null ? null : (EntryCursor.TryDecode(cursor, out var s) ? s : throw new InvalidOperationException());
            var page = (await t.Ledger.GetEntriesAsync(new EntryQuery(id, 5, before))).ShouldNotBeNull();
            page.Entries.Count.ShouldBeLessThanOrEqualTo(5);
            seen.AddRange(page.Entries);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        pages.ShouldBe(3);
        seen.Count.ShouldBe(13);
        seen.Select(e => e.Id).Distinct().Count().ShouldBe(13);
        seen.Select(e => e.Seq).ShouldBeInOrder(SortDirection.Descending);
        seen[0].Type.ShouldBe(EntryType.Charge);
    }

    [Fact]
    public async Task History_filters_by_type_feature_unit_and_time()
    {
        var t = NewLedger();
        var feature = await t.NewFeatureAsync(2);
        var id = await t.NewAccountAsync(50);
        var start = t.Ledger.Now();
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        await t.ChargeFeatureAsync(id, feature.Key);
        await t.ChargeAsync(id, 1);
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        var later = t.Ledger.Now();
        await t.ChargeAsync(id, 3);

        async Task<List<EntryView>> Query(EntryQuery q) => [.. (await t.Ledger.GetEntriesAsync(q)).ShouldNotBeNull().Entries];

        (await Query(new EntryQuery(id, 50, Type: EntryType.Charge))).Count.ShouldBe(3);
        (await Query(new EntryQuery(id, 50, Type: EntryType.Grant))).Count.ShouldBe(1);
        (await Query(new EntryQuery(id, 50, Feature: feature.Key))).Single().Amount.Minor.ShouldBe(-2);
        (await Query(new EntryQuery(id, 50, Unit: "credits"))).Count.ShouldBe(4);
        (await Query(new EntryQuery(id, 50, Unit: "other"))).ShouldBeEmpty();
        (await Query(new EntryQuery(id, 50, From: start.AddSeconds(30), To: later))).Count.ShouldBe(2);
        (await Query(new EntryQuery(id, 50, From: later))).Single().Amount.Minor.ShouldBe(-3);
    }

    [Fact]
    public void Cursors_are_opaque_and_reject_garbage()
    {
        EntryCursor.TryDecode(EntryCursor.Encode(42), out var seq).ShouldBeTrue();
        seq.ShouldBe(42);
        EntryCursor.TryDecode("not a cursor!", out _).ShouldBeFalse();
        EntryCursor.TryDecode("", out _).ShouldBeFalse();
        EntryCursor.TryDecode(Convert.ToBase64String("s:-1"u8.ToArray()), out _).ShouldBeFalse();
    }
}
