using FsCheck.Xunit;
using Shouldly;
using Tally.Payments.Pricing;
using Xunit;

namespace Tally.Payments.Tests;

public sealed class PricingTests
{
    private static readonly PricingSettings Seed = PricingSettings.Default;

    [Theory]
    [InlineData(100, 100, 0, null, 0, 100)]
    [InlineData(499, 499, 0, null, 0, 499)]
    [InlineData(500, 500, 10, 500L, 50, 450)]
    [InlineData(999, 999, 10, 500L, 100, 899)]
    [InlineData(1000, 1000, 15, 1000L, 150, 850)]
    [InlineData(5000, 5000, 25, 5000L, 1250, 3750)]
    public void The_seed_tiers_apply_from_their_boundary_exactly(long credits, long basePrice, int percent, long? tier, long savings, long price)
    {
        var quote = PriceCalculator.Quote(Seed, credits);
        quote.BasePrice.ShouldBe(new Money(basePrice, "USD"));
        quote.DiscountPercent.ShouldBe(percent);
        quote.Tier.ShouldBe(tier);
        quote.Savings.Amount.ShouldBe(savings);
        quote.Price.Amount.ShouldBe(price);
    }

    [Fact]
    public void Half_a_minor_unit_rounds_away_from_zero_and_the_parts_still_add_up()
    {
        // 0.005 per credit: 3 credits = 1.5 cents → 2; 15 % off 1.5 cents = 1.275 → 1.
        var settings = Seed with { BasePrice = 0.005m, Tiers = [new BulkTier(3, 15)] };
        var quote = PriceCalculator.Quote(settings, 3);
        quote.BasePrice.Amount.ShouldBe(2);
        quote.Price.Amount.ShouldBe(1);
        quote.Savings.Amount.ShouldBe(1);
    }

    [Fact]
    public void The_best_tier_reached_applies_whatever_the_order_they_were_given_in()
    {
        var settings = Seed with { Tiers = [new BulkTier(2000, 5), new BulkTier(1000, 20), new BulkTier(100, 10)] };
        PriceCalculator.Quote(settings, 2500).DiscountPercent.ShouldBe(20);
        PriceCalculator.Quote(settings, 2500).Tier.ShouldBe(1000);
        PriceCalculator.Quote(settings, 150).Tier.ShouldBe(100);
    }

    [Fact]
    public void Currencies_without_cents_price_in_whole_units()
    {
        var quote = PriceCalculator.Quote(Seed with { Currency = "JPY", BasePrice = 1.5m }, 3);
        quote.BasePrice.ShouldBe(new Money(5, "JPY"));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    [InlineData(10_000, true)]
    [InlineData(10_001, false)]
    public void Custom_amounts_keep_to_the_purchase_limits(long credits, bool allowed) =>
        (PriceCalculator.PurchaseProblem(Seed, credits) is null).ShouldBe(allowed);

    [Property]
    public bool Savings_are_base_minus_price(ushort credits, byte percent)
    {
        var settings = Seed with { Tiers = [new BulkTier(1, percent % 100)] };
        var quote = PriceCalculator.Quote(settings, credits);
        return quote.Savings.Amount == quote.BasePrice.Amount - quote.Price.Amount && quote.Price.Amount >= 0 && quote.Savings.Amount >= 0;
    }

    [Property]
    public bool Price_never_decreases_as_credits_grow_within_a_tier(uint seed, ushort step)
    {
        var credits = seed % 1_000_000;
        var tiers = new[] { new BulkTier(500, 10), new BulkTier(1000, 15), new BulkTier(5000, 25) };
        var more = credits + step;
        var samePercent = PriceCalculator.Quote(Seed with { Tiers = tiers }, credits).DiscountPercent
            == PriceCalculator.Quote(Seed with { Tiers = tiers }, more).DiscountPercent;
        return !samePercent
            || PriceCalculator.Quote(Seed with { Tiers = tiers }, more).Price.Amount >= PriceCalculator.Quote(Seed with { Tiers = tiers }, credits).Price.Amount;
    }

    [Property]
    public bool Quotes_are_exact_in_minor_units(uint credits, ushort microCents)
    {
        var basePrice = (microCents + 1) / 1_000_000m;
        var quote = PriceCalculator.Quote(Seed with { BasePrice = basePrice, Tiers = [] }, credits);
        var exact = credits * basePrice * 100;
        return Math.Abs(quote.BasePrice.Amount - exact) <= 0.5m;
    }

    [Fact]
    public void Bad_settings_name_the_setting()
    {
        (Seed with { BasePrice = 0 }).Problem()!.ShouldContain("CREDIT_BASE_PRICE");
        (Seed with { BasePrice = 0.0000001m }).Problem()!.ShouldContain("CREDIT_BASE_PRICE");
        (Seed with { Currency = "usd" }).Problem()!.ShouldContain("CREDIT_CURRENCY");
        (Seed with { Tiers = [new BulkTier(100, 100)] }).Problem()!.ShouldContain("CREDIT_BULK_DISCOUNT_100");
        (Seed with { MinPurchase = 50, MaxPurchase = 10 }).Problem()!.ShouldContain("CREDIT_MAX_PURCHASE");
        Seed.Problem().ShouldBeNull();
    }
}
