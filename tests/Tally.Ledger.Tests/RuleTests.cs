using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Rules;
using Xunit;

namespace Tally.Ledger.Tests;

/// <summary>The pure rule evaluator (docs/rules.md): order, combination, rounding, periods, validation.</summary>
public sealed class RuleTests
{
    private static readonly DateTimeOffset Now = new(2030, 5, 15, 10, 0, 0, TimeSpan.Zero);

    private sealed class Usage(Dictionary<(string, long), long>? rows = null) : IRuleUsage
    {
        public long Get(string key, long period) => rows?.GetValueOrDefault((key, period)) ?? 0;
    }

    private sealed class Custom(string name, int priority, Func<RuleContext, RuleDecision?> evaluate) : ILedgerRule
    {
        public string Name => name;
        public int Priority => priority;
        public RuleDecision? Evaluate(RuleContext context) => evaluate(context);
    }

    private static RuleContext Charge(long amount, string feature = "image", long quantity = Micros.PerUnit, IRuleUsage? usage = null, UnitInfo? unit = null) => new()
    {
        Operation = RuleOperation.Charge,
        Account = "a",
        Tier = "free",
        Unit = unit ?? UnitInfo.Default,
        Amount = new Credits(amount),
        Requested = new Credits(amount),
        Balance = new Credits(1_000),
        Feature = feature,
        Quantity = new Micros(quantity),
        Now = Now,
        Usage = usage ?? new Usage(),
    };

    private static RuleContext Grant(long amount, string tier, LotSource source, long balance = 0, UnitInfo? unit = null) => new()
    {
        Operation = RuleOperation.Grant,
        Account = "a",
        Tier = tier,
        Unit = unit ?? UnitInfo.Default,
        Amount = new Credits(amount),
        Requested = new Credits(amount),
        Balance = new Credits(balance),
        Source = source,
        Now = Now,
        Usage = new Usage(),
    };

    private static RuleDefinition FirstUse(int priority = 0, decimal percent = 50) =>
        new() { Name = "first", Kind = RuleKinds.FirstUseDiscount, Feature = "image", Percent = percent, Priority = priority };

    private static RuleDefinition Allowance(int priority = 0, decimal credits = 4) =>
        new() { Name = "free", Kind = RuleKinds.FreeAllowance, Feature = "image", Credits = credits, Period = RulePeriods.Day, Priority = priority };

    [Fact]
    public void Higher_priority_runs_first_and_each_rule_sees_the_amount_the_one_before_left()
    {
        // First use (50 %) then allowance (4): 10 → 5 → 1.
        var discountFirst = new RuleSet([FirstUse(priority: 2), Allowance(priority: 1)], []).Evaluate(Charge(10));
        discountFirst.Amount.ShouldBe(new Credits(1));
        discountFirst.Applied.Select(a => (a.Rule, a.AmountBefore.Minor, a.AmountAfter.Minor)).ShouldBe([("first", 10L, 5L), ("free", 5L, 1L)]);
        discountFirst.Uses.ShouldBe([new RuleUse("first_use:image", 0, 1), new RuleUse("allowance:image", RulePeriods.Start(RulePeriods.Day, Now), 4)]);

        // Allowance first: 10 → 6 → 3.
        var allowanceFirst = new RuleSet([FirstUse(priority: 1), Allowance(priority: 2)], []).Evaluate(Charge(10));
        allowanceFirst.Amount.ShouldBe(new Credits(3));
        allowanceFirst.Applied.Select(a => a.Rule).ShouldBe(["free", "first"]);
    }

    [Fact]
    public void Equal_priorities_keep_declaration_order_configured_rules_before_custom_ones()
    {
        var log = new List<string>();
        var custom = new Custom("host", 0, c => { log.Add("host:" + c.Amount.Minor); return new RuleDecision(c.Amount - new Credits(1)); });
        var set = new RuleSet([Allowance(), FirstUse()], [custom]);
        set.Ordered.Select(r => r.Name).ShouldBe(["free", "first", "host"]);
        var outcome = set.Evaluate(Charge(10));
        outcome.Amount.ShouldBe(new Credits(2)); // 10 → 6 → 3 → 2
        log.ShouldBe(["host:3"]);
        outcome.Applied[^1].Kind.ShouldBe("custom");
    }

    [Fact]
    public void A_used_first_use_marker_or_a_used_up_allowance_changes_nothing_and_is_not_recorded()
    {
        var period = RulePeriods.Start(RulePeriods.Day, Now);
        var usage = new Usage(new() { [("first_use:image", 0)] = 1, [("allowance:image", period)] = 4 });
        var outcome = new RuleSet([FirstUse(), Allowance()], []).Evaluate(Charge(10, usage: usage));
        outcome.Amount.ShouldBe(new Credits(10));
        outcome.Applied.ShouldBeEmpty();
        outcome.Uses.ShouldBeEmpty();

        // Yesterday's usage does not count today.
        var yesterday = new Usage(new() { [("allowance:image", period - 86_400)] = 4 });
        new RuleSet([Allowance()], []).Evaluate(Charge(10, usage: yesterday)).Amount.ShouldBe(new Credits(6));
    }

    [Fact]
    public void Rules_for_another_feature_or_operation_do_not_apply()
    {
        var set = new RuleSet([FirstUse(), Allowance()], []);
        set.Evaluate(Charge(10, feature: "video")).Applied.ShouldBeEmpty();
        set.Evaluate(Grant(10, "free", LotSource.Purchase)).Applied.ShouldBeEmpty();
    }

    [Fact]
    public void Percentages_round_the_benefit_down_to_the_minor_unit()
    {
        // 33 % of 7 = 2.31 → discount 2 (charge 5); bonus 10 % of 95 = 9.5 → 9.
        new RuleSet([FirstUse(percent: 33)], []).Evaluate(Charge(7)).Amount.ShouldBe(new Credits(5));
        var bonus = new RuleDefinition { Name = "b", Kind = RuleKinds.TierBonus, Tier = "premium", Percent = 10 };
        new RuleSet([bonus], []).Evaluate(Grant(95, "premium", LotSource.Purchase)).Amount.ShouldBe(new Credits(104));
        new RuleSet([bonus], []).Evaluate(Grant(95, "premium", LotSource.Subscription)).Amount.ShouldBe(new Credits(95));
        new RuleSet([bonus], []).Evaluate(Grant(95, "free", LotSource.Purchase)).Amount.ShouldBe(new Credits(95));

        // On a unit with 2 decimals: 10 % of 0.95 = 0.095 → 0.09.
        var cents = new UnitInfo("c", 2);
        new RuleSet([bonus], []).Evaluate(Grant(95, "premium", LotSource.Purchase, unit: cents)).Amount.ShouldBe(new Credits(104));
        new RuleSet([Allowance(credits: 0.5m)], []).Evaluate(Charge(120, unit: cents)).Amount.ShouldBe(new Credits(70));
    }

    [Fact]
    public void Max_balance_refuses_after_the_rules_before_it_and_stops_the_rest()
    {
        var bonus = new RuleDefinition { Name = "bonus", Kind = RuleKinds.TierBonus, Tier = "premium", Percent = 10, Priority = 2 };
        var cap = new RuleDefinition { Name = "cap", Kind = RuleKinds.MaxBalance, Max = 100, Priority = 1 };
        var set = new RuleSet([bonus, cap], []);
        set.Evaluate(Grant(90, "premium", LotSource.Purchase, balance: 1)).Refusal.ShouldBeNull(); // 1 + 99 = 100
        var refused = set.Evaluate(Grant(91, "premium", LotSource.Purchase, balance: 1)); // 1 + 100
        refused.RefusedBy.ShouldBe("cap");
        refused.Uses.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("2030-05-15T10:00:00Z", "day", "2030-05-15T00:00:00Z")]
    [InlineData("2030-05-15T10:00:00Z", "week", "2030-05-13T00:00:00Z")] // a Wednesday: the Monday before
    [InlineData("2030-05-13T00:00:00Z", "week", "2030-05-13T00:00:00Z")]
    [InlineData("2030-05-19T23:59:59Z", "week", "2030-05-13T00:00:00Z")] // Sunday belongs to the week that began on Monday
    [InlineData("2030-05-31T23:59:59Z", "month", "2030-05-01T00:00:00Z")]
    [InlineData("2030-06-01T00:30:00+02:00", "month", "2030-05-01T00:00:00Z")] // UTC, whatever the offset
    public void Periods_start_at_UTC_boundaries(string now, string period, string start) =>
        RulePeriods.Start(period, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds());

    [Theory]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"bogus\"}", "kind")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"first_use_discount\",\"Feature\":\"image\",\"Percent\":0}", "percent")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"first_use_discount\",\"Feature\":\"image\",\"Percent\":101}", "percent")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"first_use_discount\",\"Percent\":10}", "feature")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"free_allowance\",\"Feature\":\"image\",\"Credits\":5,\"Period\":\"year\"}", "period")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"free_allowance\",\"Feature\":\"image\",\"Credits\":5,\"Quantity\":5,\"Period\":\"day\"}", "credits")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"tier_bonus\",\"Percent\":10}", "tier")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"max_balance\"}", "max")]
    [InlineData("{\"Kind\":\"max_balance\",\"Max\":5}", "name")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Period\":\"month\"}", "tiers")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Tiers\":[{\"Above\":1,\"Percent\":5}]}", "period")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Period\":\"day\",\"Tiers\":[{\"Above\":10,\"Percent\":5},{\"Above\":10,\"Percent\":9}]}", "tiers:1:above")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Period\":\"day\",\"Tiers\":[{\"Above\":-1,\"Percent\":5}]}", "tiers:0:above")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Period\":\"day\",\"Tiers\":[{\"Above\":0.0000001,\"Percent\":5}]}", "tiers:0:above")]
    [InlineData("{\"Name\":\"x\",\"Kind\":\"volume_discount\",\"Feature\":\"image\",\"Period\":\"day\",\"Tiers\":[{\"Above\":5,\"Percent\":100.5}]}", "tiers:0:percent")]
    public void Validation_names_the_first_bad_field(string json, string field) =>
        System.Text.Json.JsonSerializer.Deserialize<RuleDefinition>(json).ShouldNotBeNull().Validate().ShouldNotBeNull().Field.ShouldBe(field);

    [Fact]
    public void Two_rules_with_one_name_are_refused() =>
        Should.Throw<ArgumentException>(() => new RuleSet([FirstUse()], [new Custom("first", 0, _ => null)]));

    [Fact]
    public void Applied_rules_round_trip_through_their_stored_form()
    {
        IReadOnlyList<AppliedRule> rules = [new("a", RuleKinds.FirstUseDiscount, new Credits(10), new Credits(5)), new("b", "custom", new Credits(5), Credits.Zero)];
        AppliedRules.Decode(AppliedRules.Encode(rules)).ShouldBe(rules);
        AppliedRules.Encode([]).ShouldBeNull();
        AppliedRules.Decode(null).ShouldBeEmpty();
    }

    private static RuleDefinition Volume(params (decimal Above, decimal Percent)[] tiers) => new()
    {
        Name = "volume",
        Kind = RuleKinds.VolumeDiscount,
        Feature = "image",
        Period = RulePeriods.Month,
        Tiers = [.. tiers.Select(t => new VolumeTier { Above = t.Above, Percent = t.Percent })],
    };

    private static Usage VolumeUsed(long minor) =>
        new(new() { [(RuleSet.VolumeKey("image"), RulePeriods.Start(RulePeriods.Month, Now))] = minor });

    [Theory]
    [InlineData(0, 100)]
    [InlineData(500, 100)] // at a threshold is not above it
    [InlineData(501, 90)]
    [InlineData(1_000, 90)]
    [InlineData(1_001, 80)] // the highest tier reached wins
    [InlineData(long.MaxValue / 2, 80)]
    public void Volume_discount_takes_the_percent_of_the_highest_tier_the_period_s_use_is_above(long used, long price)
    {
        var rules = new RuleSet([Volume((500, 10), (1_000, 20))], []);

        var outcome = rules.Evaluate(Charge(100, usage: VolumeUsed(used)));

        outcome.Amount.Minor.ShouldBe(price);
        outcome.Applied.Count.ShouldBe(price == 100 ? 0 : 1);
        outcome.Uses.ShouldBe([new RuleUse(RuleSet.VolumeKey("image"), RulePeriods.Start(RulePeriods.Month, Now), 100)]); // use at list price, discount or not
    }

    [Fact]
    public void Volume_use_counts_the_list_price_even_when_an_allowance_before_it_made_the_charge_free()
    {
        var rules = new RuleSet([Allowance(priority: 10, credits: 50), Volume((0, 50))], []);

        var outcome = rules.Evaluate(Charge(7, usage: VolumeUsed(1)));

        outcome.Amount.Minor.ShouldBe(0);
        outcome.Uses.ShouldContain(new RuleUse(RuleSet.VolumeKey("image"), RulePeriods.Start(RulePeriods.Month, Now), 7));
    }

    [Theory]
    [InlineData(7, 33, 5)] // 33 % of 7 = 2.31 → 2 off
    [InlineData(1, 50, 1)] // 0.5 → nothing off: a discount never rounds up
    [InlineData(3, 100, 0)]
    public void Volume_discounts_round_down(long amount, int percent, long price) =>
        VolumeTiers.Price(new Credits(amount), new Credits(10), [new VolumeTier { Above = 0, Percent = percent }], UnitInfo.Default).Minor.ShouldBe(price);

    [Fact]
    public void Volume_thresholds_are_in_the_feature_s_unit_with_its_decimals()
    {
        var cents = new UnitInfo("usd", 2);
        List<VolumeTier> tiers = [new() { Above = 5.5m, Percent = 10 }];

        VolumeTiers.PercentFor(new Credits(550), tiers, cents).ShouldBe(0m); // 5.50 is not above 5.5
        VolumeTiers.PercentFor(new Credits(551), tiers, cents).ShouldBe(10m);
    }
}
