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
    public async Task A_grant_adds_a_lot_and_a_journal_entry_with_the_balance_after()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var seq = await t.SeqAsync(id);

        var result = Is<EntryResult>(await t.RunAsync(new Grant(id, new(50), Description: "welcome", Reference: "ref-1")));

        result.Entry.Type.ShouldBe(EntryType.Grant);
        result.Entry.Amount.Minor.ShouldBe(50);
        result.Entry.BalanceAfter.Minor.ShouldBe(60);
        result.Entry.Seq.ShouldBeGreaterThan(seq);
        result.Entry.Description.ShouldBe("welcome");
        result.Entry.LotId.ShouldNotBeNull();
        result.Balance.Total.Minor.ShouldBe(60);
        result.Balance.Available.Minor.ShouldBe(60);
        (await t.SeqAsync(id)).ShouldBe(result.Entry.Seq);
    }

    [Fact]
    public async Task Invalid_grants_are_refused_with_the_field_and_write_nothing()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var seq = await t.SeqAsync(id);
        var now = t.Ledger.Now();

        InvalidField(await t.GrantAsync(id, 0), "amount");
        InvalidField(await t.GrantAsync(id, -5), "amount");
        InvalidField(await t.GrantAsync(id, 1_000_001), "amount");
        InvalidField(await t.GrantAsync(id, 5, unit: "no-such-unit"), "unit");
        InvalidField(await t.GrantAsync(id, 5, priority: -1), "priority");
        InvalidField(await t.GrantAsync(id, 5, priority: 1001), "priority");
        InvalidField(await t.GrantAsync(id, 5, expiresAt: now.AddSeconds(-1)), "expiresAt");
        InvalidField(await t.GrantAsync(id, 5, features: []), "features");
        InvalidField(await t.GrantAsync(id, 5, features: ["bad key!"]), "features");
        InvalidField(await t.RunAsync(new Grant(id, new(5), EffectiveAt: now.AddDays(1))), "effectiveAt");
        InvalidField(await t.RunAsync(new Grant(id, new(5), Description: new string('x', 1001))), "description");
        InvalidField(await t.RunAsync(new Grant(id, new(5), Metadata: $"{{\"k\":\"{new string('x', 9000)}\"}}")), "metadata");

        (await t.SeqAsync(id)).ShouldBe(seq);
        (await t.TotalAsync(id)).ShouldBe(10);
    }

    [Fact]
    public async Task A_grant_above_the_maximum_balance_is_refused()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 0, MaxBalance = 100 });
        var id = await t.NewAccountAsync(90);

        InvalidField(await t.GrantAsync(id, 11), "amount");
        Is<EntryResult>(await t.GrantAsync(id, 10));
        (await t.TotalAsync(id)).ShouldBe(100);
    }

    [Fact]
    public async Task Units_keep_their_own_precision_and_balances()
    {
        var t = NewLedger();
        var unit = new UnitInfo($"u{Guid.NewGuid():N}"[..20], 2);
        (await t.Ledger.CreateUnitAsync(unit)).ShouldBeTrue();
        (await t.Ledger.CreateUnitAsync(unit)).ShouldBeFalse();
        var id = await t.NewAccountAsync(7);

        Is<EntryResult>(await t.GrantAsync(id, 1050, unit: unit.Key)).Balance.Unit.Precision.ShouldBe(2);
        Is<EntryResult>(await t.ChargeAsync(id, 25, unit.Key)).Balance.Total.Minor.ShouldBe(1025);

        var account = (await t.Ledger.GetAccountAsync(id)).ShouldNotBeNull();
        account.Balances.Select(b => (b.Unit.Key, b.Total.Minor)).ShouldBe([("credits", 7L), (unit.Key, 1025L)], ignoreOrder: true);
        unit.ToDecimal(new Credits(1025)).ShouldBe(10.25m);
        (await t.Ledger.GetUnitsAsync()).ShouldContain(unit);
    }

    [Fact]
    public async Task A_charge_burns_lots_and_records_the_balance_after()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(50);

        var result = Is<EntryResult>(await t.RunAsync(new Charge(id, Price.Of(new(30)), "image", "job-1", """{"job":1}""")));

        result.Entry.Type.ShouldBe(EntryType.Charge);
        result.Entry.Amount.Minor.ShouldBe(-30);
        result.Entry.BalanceAfter.Minor.ShouldBe(20);
        result.Entry.Reference.ShouldBe("job-1");
        result.Entry.Metadata.ShouldBe("""{"job":1}""");
        result.Balance.Available.Minor.ShouldBe(20);
        (await t.TotalAsync(id)).ShouldBe(20);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_charge_over_the_balance_is_refused_with_available_and_required()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(25);
        var seq = await t.SeqAsync(id);

        var refused = Is<InsufficientCredits>(await t.ChargeAsync(id, 26));

        refused.Available.Minor.ShouldBe(25);
        refused.Required.Minor.ShouldBe(26);
        (await t.SeqAsync(id)).ShouldBe(seq);
        (await t.TotalAsync(id)).ShouldBe(25);
    }

    [Fact]
    public async Task Invalid_charges_are_refused_with_the_field()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(25);
        var feature = await t.NewFeatureAsync(2);

        InvalidField(await t.ChargeAsync(id, 0), "amount");
        InvalidField(await t.ChargeAsync(id, -1), "amount");
        InvalidField(await t.ChargeAsync(id, 1_000_001), "amount");
        InvalidField(await t.RunAsync(new Charge(id, new Price(new(1), feature.Key))), "feature");
        InvalidField(await t.RunAsync(new Charge(id, new Price())), "amount");
        InvalidField(await t.ChargeFeatureAsync(id, "no.such.feature"), "feature");
        InvalidField(await t.ChargeFeatureAsync(id, feature.Key, 0), "quantity");
        InvalidField(await t.ChargeFeatureAsync(id, feature.Key, 600_000), "quantity");
        (await t.TotalAsync(id)).ShouldBe(25);
    }

    [Fact]
    public async Task A_feature_charge_costs_cost_times_quantity_rounded_up()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var image = await t.NewFeatureAsync(7);
        var tokens = await t.NewFeatureAsync(0.25m);

        var three = Is<EntryResult>(await t.ChargeFeatureAsync(id, image.Key, 3));
        three.Entry.Amount.Minor.ShouldBe(-21);
        three.Entry.Feature.ShouldBe(image.Key);
        three.Entry.Quantity.ShouldBe(TestLedger.ToMicros(3));
        Is<EntryResult>(await t.ChargeFeatureAsync(id, image.Key)).Entry.Amount.Minor.ShouldBe(-7);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, tokens.Key, 3)).Entry.Amount.Minor.ShouldBe(-1);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, tokens.Key, 5)).Entry.Amount.Minor.ShouldBe(-2);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, tokens.Key, 4)).Entry.Amount.Minor.ShouldBe(-1);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, tokens.Key, 0.000001m)).Entry.Amount.Minor.ShouldBe(-1);
        (await t.TotalAsync(id)).ShouldBe(100 - 21 - 7 - 1 - 2 - 1 - 1);
    }

    [Fact]
    public async Task An_inactive_feature_cannot_be_charged()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var feature = await t.NewFeatureAsync(1, active: false);

        InvalidField(await t.ChargeFeatureAsync(id, feature.Key), "feature");
    }

    [Fact]
    public async Task Scoped_lots_pay_only_for_their_features()
    {
        var t = NewLedger();
        var a = await t.NewFeatureAsync(1);
        var b = await t.NewFeatureAsync(1);
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await t.GrantAsync(id, 10, features: [a.Key]));

        (await t.TotalAsync(id)).ShouldBe(10);
        Is<InsufficientCredits>(await t.ChargeFeatureAsync(id, b.Key)).Available.Minor.ShouldBe(0);
        Is<InsufficientCredits>(await t.ChargeAsync(id, 1)).Available.Minor.ShouldBe(0);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, a.Key, 3));
        Is<EntryResult>(await t.GrantAsync(id, 5));
        Is<EntryResult>(await t.ChargeFeatureAsync(id, b.Key, 5));
        Is<InsufficientCredits>(await t.ChargeFeatureAsync(id, b.Key, 1));
        Is<InsufficientCredits>(await t.ChargeFeatureAsync(id, a.Key, 8)).Available.Minor.ShouldBe(7);
        Is<EntryResult>(await t.ChargeFeatureAsync(id, a.Key, 7));
        var balance = await t.BalanceAsync(id);
        (balance.Total.Minor, balance.Available.Minor).ShouldBe((0L, 0L));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Lots_burn_by_priority_then_soonest_expiry_then_age()
    {
        var t = NewLedger();
        var now = t.Ledger.Now();
        var t1 = now.AddDays(30);
        var t2 = now.AddDays(60);
        var id = await t.NewAccountAsync();
        await t.GrantAsync(id, 10, priority: 5, expiresAt: t1);
        await t.GrantAsync(id, 10, priority: 1, expiresAt: t2);

        await t.ChargeAsync(id, 4);
        (await t.BalanceAsync(id)).NextExpiry.ShouldBe(new NextExpiry(t1, new Credits(10)));
        await t.ChargeAsync(id, 6);
        (await t.BalanceAsync(id)).NextExpiry.ShouldBe(new NextExpiry(t1, new Credits(10)));
        await t.ChargeAsync(id, 3);
        (await t.BalanceAsync(id)).NextExpiry.ShouldBe(new NextExpiry(t1, new Credits(7)));

        var other = await t.NewAccountAsync();
        await t.GrantAsync(other, 10, priority: 3);
        await t.GrantAsync(other, 10, priority: 3, expiresAt: t1);
        await t.ChargeAsync(other, 4);
        (await t.BalanceAsync(other)).NextExpiry.ShouldBe(new NextExpiry(t1, new Credits(6)));

        var aged = await t.NewAccountAsync();
        await t.GrantAsync(aged, 10, expiresAt: t1);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        await t.GrantAsync(aged, 10, expiresAt: t1);
        await t.ChargeAsync(aged, 12);
        (await t.BalanceAsync(aged)).NextExpiry.ShouldBe(new NextExpiry(t1, new Credits(8)));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_overdraft_lets_a_charge_go_negative_and_the_next_credits_repay_it()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 5));

        Is<EntryResult>(await t.ChargeAsync(id, 14)).Entry.BalanceAfter.Minor.ShouldBe(-4);
        Is<InsufficientCredits>(await t.ChargeAsync(id, 2)).Available.Minor.ShouldBe(-4);
        Is<EntryResult>(await t.ChargeAsync(id, 1)).Balance.Total.Minor.ShouldBe(-5);
        Is<EntryResult>(await t.GrantAsync(id, 8)).Balance.Total.Minor.ShouldBe(3);
        (await t.AvailableAsync(id)).ShouldBe(3);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_charge_check_is_advisory_and_writes_nothing()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(40);
        var feature = await t.NewFeatureAsync(7);
        var seq = await t.SeqAsync(id);

        var yes = await t.Ledger.CheckChargeAsync(id, Price.Of(new(40)));
        var no = await t.Ledger.CheckChargeAsync(id, Price.Of(new(41)));
        var byFeature = await t.Ledger.CheckChargeAsync(id, Price.OfFeature(feature.Key, TestLedger.ToMicros(2)));

        (yes.Allowed, yes.Available.Minor, yes.Required.Minor).ShouldBe((true, 40L, 40L));
        (no.Allowed, no.Required.Minor).ShouldBe((false, 41L));
        (byFeature.Allowed, byFeature.Required.Minor).ShouldBe((true, 14L));
        (await t.Ledger.CheckChargeAsync(TestLedger.NewId(), Price.Of(new(1)))).Refusal.ShouldBeOfType<NotFound>();
        (await t.SeqAsync(id)).ShouldBe(seq);
    }

    [Theory]
    [InlineData("Ünïcødé ✓ 🚀 — café")]
    [InlineData("éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé")]
    [InlineData("€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€")]
    public async Task Text_is_stored_exactly_whatever_its_length_or_script(string description)
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);

        var charged = Is<EntryResult>(await t.RunAsync(new Charge(id, Price.Of(new(1)), description, "réf-✓", """{"note":"ß 🚀"}""")));

        var stored = (await t.EntriesAsync(id)).Single(e => e.Id == charged.Entry.Id);
        stored.Description.ShouldBe(description);
        stored.Reference.ShouldBe("réf-✓");
        stored.Metadata.ShouldBe("""{"note":"ß 🚀"}""");
    }
}
