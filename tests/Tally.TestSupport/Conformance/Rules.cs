using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Rules;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>Pricing rules (SPEC §9, docs/rules.md): usage loaded with the account, written with the entry.</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private TestLedger RulesLedger(DateTimeOffset? start, params RuleDefinition[] rules)
    {
        var options = new LedgerOptions { InitialAmount = 0, GroupCommit = Fixture.GroupCommit, Rules = new RuleSet(rules, []) };
        return new TestLedger(Fixture.Store, options, start);
    }

    private static RuleDefinition FirstUse(string feature, decimal percent, int priority = 0) =>
        new() { Name = "first-" + feature, Kind = RuleKinds.FirstUseDiscount, Feature = feature, Percent = percent, Priority = priority };

    private static RuleDefinition Allowance(string feature, decimal? credits, string period, decimal? quantity = null, int priority = 0) =>
        new() { Name = "free-" + feature, Kind = RuleKinds.FreeAllowance, Feature = feature, Credits = credits, Quantity = quantity, Period = period, Priority = priority };

    [Fact]
    public async Task First_use_discount_applies_once_per_account_and_feature_under_64_concurrent_charges()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(10);
        var t = RulesLedger(null, FirstUse(feature.Key, 50));
        var id = await t.NewAccountAsync(10_000);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => t.ChargeFeatureAsync(id, feature.Key))));

        var entries = outcomes.Select(o => Is<EntryResult>(o).Entry).ToList();
        entries.Count(e => e.Amount.Minor == -5).ShouldBe(1);
        entries.Count(e => e.Amount.Minor == -10).ShouldBe(63);
        var discounted = entries.Single(e => e.Amount.Minor == -5);
        discounted.Rules.ShouldBe([new AppliedRule("first-" + feature.Key, RuleKinds.FirstUseDiscount, new Credits(10), new Credits(5))]);
        entries.Where(e => e.Amount.Minor == -10).ShouldAllBe(e => e.Rules.Count == 0);
        (await t.TotalAsync(id)).ShouldBe(10_000 - 5 - (63 * 10));

        // The journal as stored says the same, and a second account gets its own first use.
        var stored = (await t.EntriesAsync(id)).Single(e => e.Id == discounted.Id);
        stored.Rules.ShouldBe(discounted.Rules);
        var other = await t.NewAccountAsync(100);
        Is<EntryResult>(await t.ChargeFeatureAsync(other, feature.Key)).Entry.Amount.Minor.ShouldBe(-5);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task First_use_discount_applies_once_within_one_group_transaction_and_not_after_a_rolled_back_batch()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(10);
        var t = RulesLedger(null, FirstUse(feature.Key, 30));
        var id = await t.NewAccountAsync(100);

        // An atomic batch whose second command fails takes nothing: not the marker either.
        var failed = await t.Ledger.ExecuteAsync(new LedgerRequest([new Charge(id, Price.OfFeature(feature.Key)), new Charge(id, Price.Of(new Credits(1_000)))]));
        failed.FailedIndex.ShouldBe(1);

        var charge = new Charge(id, Price.OfFeature(feature.Key));
        var outcomes = await t.Ledger.ExecuteGroupAsync([LedgerRequest.Of(charge), LedgerRequest.Of(charge), LedgerRequest.Of(charge)]);

        outcomes.Select(o => Is<EntryResult>(o.Single).Entry.Amount.Minor).ShouldBe([-7, -10, -10]);
        (await t.TotalAsync(id)).ShouldBe(100 - 27);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Free_allowance_covers_charges_until_used_up_and_resets_at_the_period_boundary()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(2);
        var t = RulesLedger(new DateTimeOffset(2031, 3, 31, 23, 58, 0, TimeSpan.Zero), Allowance(feature.Key, 5, RulePeriods.Day));
        var id = await t.NewAccountAsync(100);

        async Task<EntryView> Charge() => Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key)).Entry;

        var free = await Charge();
        free.Amount.Minor.ShouldBe(0);
        free.BalanceAfter.Minor.ShouldBe(100);
        free.Rules.ShouldBe([new AppliedRule("free-" + feature.Key, RuleKinds.FreeAllowance, new Credits(2), Credits.Zero)]);
        (await Charge()).Amount.Minor.ShouldBe(0);
        var partly = await Charge();
        partly.Amount.Minor.ShouldBe(-1);
        partly.Rules.Single().AmountAfter.ShouldBe(new Credits(1));
        (await Charge()).Amount.Minor.ShouldBe(-2);

        t.Clock.Advance(TimeSpan.FromSeconds(119)); // 23:59:59: still the same day
        (await Charge()).Amount.Minor.ShouldBe(-2);
        t.Clock.Advance(TimeSpan.FromSeconds(1)); // 00:00:00 UTC, a new day (and month)
        (await Charge()).Amount.Minor.ShouldBe(0);
        (await t.TotalAsync(id)).ShouldBe(100 - 1 - 2 - 2);
        (await t.EntriesAsync(id)).Count(e => e.Type == EntryType.Charge).ShouldBe(6);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Quantity_allowance_per_month_covers_the_free_share_of_a_charge()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(0.5m);
        var t = RulesLedger(new DateTimeOffset(2031, 6, 30, 12, 0, 0, TimeSpan.Zero), Allowance(feature.Key, null, RulePeriods.Month, quantity: 100));
        var id = await t.NewAccountAsync(1_000);

        Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key, 60)).Entry.Amount.Minor.ShouldBe(0);
        var partly = Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key, 60)).Entry;
        partly.Amount.Minor.ShouldBe(-10); // 30 credits for 60; 40 of the 60 are free: 2/3 of 30 covered
        t.Clock.Advance(TimeSpan.FromHours(12));
        Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key, 60)).Entry.Amount.Minor.ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Tier_bonus_adds_to_purchases_of_that_tier_only_rounded_down()
    {
        var bonus = new RuleDefinition { Name = "premium-bonus", Kind = RuleKinds.TierBonus, Tier = "premium", Percent = 10 };
        var t = RulesLedger(null, bonus);
        var premium = TestLedger.NewId();
        Is<AccountResult>(await t.RunAsync(new EnsureAccount(premium, Tier: "premium")));
        var free = await t.NewAccountAsync();

        var bought = Is<EntryResult>(await t.RunAsync(new Grant(premium, new Credits(95), Source: LotSource.Purchase))).Entry;
        bought.Amount.Minor.ShouldBe(104);
        bought.Rules.ShouldBe([new AppliedRule("premium-bonus", RuleKinds.TierBonus, new Credits(95), new Credits(104))]);
        Is<EntryResult>(await t.RunAsync(new Grant(premium, new Credits(95), Source: LotSource.Promo))).Entry.Amount.Minor.ShouldBe(95);
        Is<EntryResult>(await t.RunAsync(new Grant(free, new Credits(95), Source: LotSource.Purchase))).Entry.Amount.Minor.ShouldBe(95);
        (await t.TotalAsync(premium)).ShouldBe(199);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Max_balance_per_tier_refuses_grants_above_it_for_that_tier()
    {
        var cap = new RuleDefinition { Name = "free-cap", Kind = RuleKinds.MaxBalance, Tier = "free", Max = 100 };
        var t = RulesLedger(null, cap);
        var free = await t.NewAccountAsync(60);
        var premium = TestLedger.NewId();
        Is<AccountResult>(await t.RunAsync(new EnsureAccount(premium, Tier: "premium")));

        InvalidField(await t.GrantAsync(free, 41), "amount").Message.ShouldContain("free-cap");
        Is<EntryResult>(await t.GrantAsync(free, 40));
        Is<EntryResult>(await t.GrantAsync(premium, 1_000));
        (await t.TotalAsync(free)).ShouldBe(100);
    }

    [Fact]
    public async Task An_idempotent_replay_returns_the_same_entry_with_the_same_rules()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(8);
        var t = RulesLedger(null, FirstUse(feature.Key, 25, priority: 10), Allowance(feature.Key, 1, RulePeriods.Week));
        var id = await t.NewAccountAsync(100);
        var charge = new Charge(id, Price.OfFeature(feature.Key));
        var key = RequestIdempotency.For(Guid.NewGuid().ToString(), [charge]);

        var first = Is<EntryResult>((await t.Ledger.ExecuteAsync(LedgerRequest.Of(charge, key))).Single).Entry;
        var again = await t.Ledger.ExecuteAsync(LedgerRequest.Of(charge, key));

        first.Amount.Minor.ShouldBe(-5); // 8 → 6 (first use, priority 10) → 5 (1 credit of allowance)
        first.Rules.Select(r => (r.Rule, r.AmountBefore.Minor, r.AmountAfter.Minor)).ShouldBe([("first-" + feature.Key, 8L, 6L), ("free-" + feature.Key, 6L, 5L)]);
        again.Replayed.ShouldBeTrue();
        var replayed = Is<EntryResult>(again.Single).Entry;
        replayed.Id.ShouldBe(first.Id);
        replayed.Rules.ShouldBe(first.Rules);
        (await t.TotalAsync(id)).ShouldBe(95);
    }

    [Fact]
    public async Task Volume_discount_prices_by_the_period_s_use_under_concurrency_and_resets_with_the_period()
    {
        var setup = NewLedger();
        var feature = await setup.NewFeatureAsync(10);
        var volume = new RuleDefinition
        {
            Name = "volume-" + feature.Key, Kind = RuleKinds.VolumeDiscount, Feature = feature.Key, Period = RulePeriods.Month,
            Tiers = [new() { Above = 100, Percent = 10 }, new() { Above = 300, Percent = 50 }],
        };
        var t = RulesLedger(new DateTimeOffset(2031, 1, 31, 12, 0, 0, TimeSpan.Zero), volume);
        var id = await t.NewAccountAsync(10_000);

        // 40 charges at once: in whatever order the lock serializes them, charges 1–11 see use of at
        // most 100 (full price: at a threshold is not above it), 12–31 use of 110–300 (10 % off: 9),
        // 32–40 use above 300 (half price: 5).
        var entries = (await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => t.ChargeFeatureAsync(id, feature.Key)))))
            .Select(o => Is<EntryResult>(o).Entry).ToList();

        entries.Select(e => -e.Amount.Minor).Order().ShouldBe([.. Enumerable.Repeat(5L, 9), .. Enumerable.Repeat(9L, 20), .. Enumerable.Repeat(10L, 11)]);
        entries.Where(e => e.Amount.Minor == -9).ShouldAllBe(e => e.Rules.Single().Kind == RuleKinds.VolumeDiscount && e.Rules.Single().AmountBefore.Minor == 10);
        (await t.TotalAsync(id)).ShouldBe(10_000 - (9 * 5) - (20 * 9) - (11 * 10));

        t.Clock.Advance(TimeSpan.FromDays(1)); // February: use starts again
        Is<EntryResult>(await t.ChargeFeatureAsync(id, feature.Key)).Entry.Amount.Minor.ShouldBe(-10);
        await t.ShouldHoldInvariantsAsync();
    }
}
