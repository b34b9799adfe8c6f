using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Analytics;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>
/// Analytics rollups (docs/analytics.md): folded incrementally in any slices, interleaved with
/// writes, run twice, raced by writers and by a second folder, they always equal a recomputation
/// from the journal. Each test has its own database: the rollups are global.
/// </summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private static readonly DateTimeOffset AnalyticsStart = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Rollups_folded_in_random_slices_between_random_writes_equal_a_recomputation_from_the_journal(int seed)
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var analytics = (IAnalyticsStore)store;
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit }, AnalyticsStart);
        var random = new Random(seed);
        var accounts = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            accounts.Add(await t.NewAccountAsync());
        }

        var features = new[] { await t.NewFeatureAsync(3), await t.NewFeatureAsync(0.5m) };
        var charges = new List<Guid>();
        var holds = new List<Guid>();
        for (var step = 0; step < 160; step++)
        {
            var account = accounts[random.Next(accounts.Count)];
            switch (random.Next(10))
            {
                case 0:
                    t.Clock.Advance(TimeSpan.FromMinutes(random.Next(30, 9 * 60)));
                    break;
                case 1:
                    var source = random.Next(2) == 0 ? LotSource.Purchase : LotSource.Promo;
                    DateTimeOffset? expires = random.Next(3) == 0 ? t.Clock.GetUtcNow().AddHours(random.Next(1, 30)) : null;
                    Is<EntryResult>(await t.RunAsync(new Grant(account, new Credits(random.Next(5, 60)), Source: source, ExpiresAt: expires)));
                    break;
                case 2:
                    if (await t.ChargeAsync(account, random.Next(1, 15)) is EntryResult charged)
                    {
                        charges.Add(charged.Entry.Id);
                    }

                    break;
                case 3:
                    if (await t.ChargeFeatureAsync(account, features[random.Next(2)].Key, random.Next(1, 5)) is EntryResult featured)
                    {
                        charges.Add(featured.Entry.Id);
                    }

                    break;
                case 4:
                    if (await t.ReserveAsync(account, random.Next(1, 10), ttlSeconds: random.Next(60, 7200)) is HoldResult held)
                    {
                        holds.Add(held.Hold.Id);
                    }

                    break;
                case 5 when holds.Count > 0:
                    var hold = holds[random.Next(holds.Count)];
                    holds.Remove(hold);
                    await t.RunAsync(random.Next(2) == 0 ? new Capture(hold) : new Release(hold));
                    break;
                case 6 when charges.Count > 0:
                    await t.RunAsync(new Reverse(charges[random.Next(charges.Count)], 1m));
                    break;
                case 7:
                    await t.RunAsync(new Transfer(account, accounts[random.Next(accounts.Count)], new Credits(random.Next(1, 8))));
                    break;
                case 8:
                    await t.Ledger.ExpireAsync();
                    break;
                default:
                    // A slice of a few accounts, sometimes folded again at once (which must add nothing).
                    await analytics.FoldAsync(random.Next(1, 4), long.MinValue, t.Clock.GetUtcNow(), CancellationToken.None);
                    if (random.Next(3) == 0)
                    {
                        await analytics.FoldAsync(random.Next(1, 4), long.MinValue, t.Clock.GetUtcNow(), CancellationToken.None);
                    }

                    break;
            }

            if (step % 40 == 39)
            {
                // The account report joins the folded totals and the unfolded tail: always the journal's balance.
                var probe = accounts[random.Next(accounts.Count)];
                await ShouldReportJournalBalanceAsync(store, analytics, probe);
            }
        }

        await RollupFolder.FoldAllAsync(analytics, t.Clock, retentionDays: 100_000, batch: 2);
        await ShouldEqualRecomputationAsync(analytics);
        var journal = await analytics.ReadJournalLinesAsync(CancellationToken.None);
        journal.ShouldContain(l => l.Amount > 0 && l.PaidAmount == 0); // a grant of unpaid credits
        journal.ShouldContain(l => l.Feature != null && l.QuantityMicros > 0);
        (await analytics.CountUnfoldedAccountsAsync(CancellationToken.None)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_paid_part_of_an_entry_follows_the_lots_it_made_or_burned()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var analytics = (IAnalyticsStore)store;
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit }, AnalyticsStart);
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await t.RunAsync(new Grant(id, new Credits(10), Source: LotSource.Purchase)));
        Is<EntryResult>(await t.RunAsync(new Grant(id, new Credits(5), Source: LotSource.Promo, ExpiresAt: AnalyticsStart.AddHours(1))));
        Is<EntryResult>(await t.ChargeAsync(id, 8)); // the expiring promo lot first (5 granted), then 3 paid
        t.Clock.Advance(TimeSpan.FromHours(2));

        var lines = (await analytics.ReadJournalLinesAsync(CancellationToken.None)).OrderBy(l => l.Seq).ToList();

        lines.Select(l => (l.Type, l.Amount, l.PaidAmount)).ShouldBe([(EntryType.Grant, 10L, 10L), (EntryType.Grant, 5L, 0L), (EntryType.Charge, -8L, -3L)]);
    }

    [Fact]
    public async Task A_rebuild_forgets_the_rollups_and_folds_the_journal_again_to_the_same_rows()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var analytics = (IAnalyticsStore)store;
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit }, AnalyticsStart);
        var a = await t.NewAccountAsync(50);
        var b = await t.NewAccountAsync(20);
        Is<EntryResult>(await t.ChargeAsync(a, 7));
        t.Clock.Advance(TimeSpan.FromDays(1));
        Is<EntryResult>(await t.ChargeAsync(b, 3));
        await RollupFolder.FoldAllAsync(analytics, t.Clock, 90);
        var before = Canonical(await analytics.ReadRollupsAsync(CancellationToken.None));

        var rebuilt = await RollupFolder.RebuildAsync(analytics, t.Clock, 90, batch: 1);

        rebuilt.Entries.ShouldBe(4);
        Canonical(await analytics.ReadRollupsAsync(CancellationToken.None)).ShouldBe(before);
    }

    [Fact]
    public async Task Account_daily_rows_are_pruned_after_the_retention_while_platform_days_and_account_totals_stay()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var analytics = (IAnalyticsStore)store;
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit }, AnalyticsStart);
        var id = await t.NewAccountAsync(50);
        Is<EntryResult>(await t.ChargeAsync(id, 5));
        await RollupFolder.FoldAllAsync(analytics, t.Clock, 90);
        var first = Days.Of(AnalyticsStart);

        t.Clock.Advance(TimeSpan.FromDays(90));
        Is<EntryResult>(await t.ChargeAsync(id, 1));
        (await RollupFolder.FoldAllAsync(analytics, t.Clock, 90)).Pruned.ShouldBe(0);
        t.Clock.Advance(TimeSpan.FromDays(1));
        var pruned = await RollupFolder.FoldAllAsync(analytics, t.Clock, 90);

        pruned.Pruned.ShouldBe(2); // the grant's and the charge's rows of the first day
        var rows = await analytics.ReadRollupsAsync(CancellationToken.None);
        rows.Where(r => r.Grain == RollupGrain.AccountDaily).ShouldAllBe(r => r.Key.Day == first + 90);
        rows.Where(r => r.Grain == RollupGrain.PlatformDaily && r.Key.Day == first).Sum(r => r.Sums.Entries).ShouldBe(2);
        rows.Where(r => r.Grain == RollupGrain.AccountTotal).Sum(r => r.Sums.Entries).ShouldBe(3);
        rows.Where(r => r.Grain == RollupGrain.AccountTotal).Sum(r => r.Sums.Amount).ShouldBe(44);
    }

    [Fact]
    public async Task Writers_racing_two_folders_lose_and_double_nothing()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var analytics = (IAnalyticsStore)store;
        var t = new TestLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit }, AnalyticsStart);
        var accounts = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            accounts.Add(await t.NewAccountAsync(1_000));
        }

        using var done = new CancellationTokenSource();
        // Writers start once both folders are in their loop, and each folder folds at least once
        // after that, so the race is real however the scheduler orders the tasks on a busy box.
        var foldersStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            await foldersStarted.Task;
            var random = new Random(w);
            for (var i = 0; i < 60; i++)
            {
                var account = accounts[random.Next(accounts.Count)];
                _ = random.Next(3) == 0
                    ? await t.RunAsync(new Grant(account, new Credits(random.Next(1, 20)), Source: LotSource.Purchase))
                    : await t.ChargeAsync(account, random.Next(1, 5));
            }
        })).ToList();
        var folds = 0;
        var folders = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                foldersStarted.SetResult();
            }

            do
            {
                await analytics.FoldAsync(2, long.MinValue, t.Clock.GetUtcNow(), CancellationToken.None);
                Interlocked.Increment(ref folds);
            }
            while (!done.IsCancellationRequested);
        })).ToList();

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await Task.WhenAll(folders);
        await RollupFolder.FoldAllAsync(analytics, t.Clock, 100_000);

        folds.ShouldBeGreaterThan(0);
        await ShouldEqualRecomputationAsync(analytics);
        await t.ShouldHoldInvariantsAsync();
    }

    private static async Task ShouldReportJournalBalanceAsync(ILedgerStore store, IAnalyticsStore analytics, string account)
    {
        var data = (await analytics.ReadAccountAnalyticsAsync(account, CancellationToken.None)).ShouldNotBeNull();
        var report = AnalyticsReports.Account(data, _ => UnitInfo.Default);
        var journal = (await store.ReadAccountAsync(account, CancellationToken.None)).ShouldNotBeNull();
        var balance = journal.Balances.TryGetValue(UnitInfo.DefaultKey, out var row) ? row.Balance.Minor : 0;
        (report.Units.SingleOrDefault()?.Balance ?? 0).ShouldBe(balance);
    }

    /// <summary>The stored rollups equal the journal added up independently (account-daily rows only within what was kept).</summary>
    private static async Task ShouldEqualRecomputationAsync(IAnalyticsStore analytics)
    {
        var lines = await analytics.ReadJournalLinesAsync(CancellationToken.None);
        lines.ShouldNotBeEmpty();
        static RollupSums Sum(IEnumerable<JournalLine> g) => new(g.Sum(l => l.Amount), g.Sum(l => l.PaidAmount), g.LongCount(), g.Sum(l => l.QuantityMicros ?? 0));
        var expected = new List<RollupRow>();
        expected.AddRange(lines.GroupBy(l => new RollupKey(Days.Of(l.CreatedAt), null, l.Unit, Names.Of(l.Type), l.Feature ?? ""))
            .Select(g => new RollupRow(RollupGrain.PlatformDaily, g.Key, Sum(g))));
        expected.AddRange(lines.GroupBy(l => new RollupKey(Days.Of(l.CreatedAt), l.AccountId, l.Unit, Names.Of(l.Type), l.Feature ?? ""))
            .Select(g => new RollupRow(RollupGrain.AccountDaily, g.Key, Sum(g))));
        expected.AddRange(lines.GroupBy(l => new RollupKey(0, l.AccountId, l.Unit, Names.Of(l.Type), l.Feature ?? ""))
            .Select(g => new RollupRow(RollupGrain.AccountTotal, g.Key, Sum(g))));
        Canonical(await analytics.ReadRollupsAsync(CancellationToken.None)).ShouldBe(Canonical(expected));
    }

    private static List<string> Canonical(IEnumerable<RollupRow> rows) =>
        rows.Select(r => $"{r.Grain} {r.Key.Day} {r.Key.AccountId} {r.Key.Unit} {r.Key.Type} {r.Key.Feature} = {r.Sums}")
            .Order(StringComparer.Ordinal).ToList();
}
