using FsCheck.Xunit;
using Shouldly;
using Tally.Payments.Pricing;
using Xunit;

namespace Tally.Payments.Tests;

public sealed class EconomicsTests
{
    private static readonly PricingSettings Seed = PricingSettings.Default;

    [Theory]
    // $0.01 a credit; 10 % from 500, 15 % from 1,000, 25 % from 5,000 (the seed's tiers).
    [InlineData(300, 1_000, 300L)]       // $3.00: 300 credits cost $3.00 before any tier
    [InlineData(499, 1_000, 499L)]       // $4.99: 499 credits, the last before the 10 % tier
    [InlineData(500, 1_000, 555L)]       // $5.00: 500 credits cost $4.50 (tier); 555 × 0.9 = 499.5 cents → $5.00
    [InlineData(900, 5_000, 1_059L)]     // $9.00: 999 credits cost $8.99; from 1,000 15 % off: 1,059 × 0.85 = $9.0015
    [InlineData(2_000, 2_000, null)]     // $20.00 for 2,000 credits, which cost $17.00 bought: never
    [InlineData(0, 100, 1L)]             // a free plan beats buying from the first credit
    public void Break_even_is_the_least_credits_whose_price_reaches_the_plans(long planCents, long creditsPerPeriod, long? breakEven)
    {
        var result = Economics.BreakEven(Seed, "pro", new Money(planCents, "USD"), creditsPerPeriod);
        result.BreakEvenCredits.ShouldBe(breakEven);
        result.PayAsYouGoPrice.ShouldBe(PriceCalculator.Quote(Seed, creditsPerPeriod).Price);
        result.SavingsAtFullUse.Amount.ShouldBe(result.PayAsYouGoPrice.Amount - planCents);
    }

    [Property]
    public void Break_even_is_least_and_reaches_the_price(ushort cents, ushort credits)
    {
        var result = Economics.BreakEven(Seed, "p", new Money(cents, "USD"), credits);
        if (result.BreakEvenCredits is { } n)
        {
            Price(n).ShouldBeGreaterThanOrEqualTo(cents);
            for (var smaller = 1L; smaller < n; smaller += Math.Max(1, n / 200))
            {
                Price(smaller).ShouldBeLessThan(cents, $"{smaller} credits");
            }

            Price(n - 1).ShouldBeLessThan(n > 1 ? cents : long.MaxValue);
        }
        else
        {
            for (var any = 1L; any <= credits; any += Math.Max(1, credits / 200))
            {
                Price(any).ShouldBeLessThan(cents);
            }
        }
    }

    [Fact]
    public void A_plan_in_another_currency_has_no_break_even()
    {
        Should.Throw<ArgumentException>(() => Economics.BreakEven(Seed, "eur", new Money(900, "EUR"), 1_000));
    }

    [Fact]
    public void Margin_per_use_at_the_list_price_and_the_deepest_tier()
    {
        // 5 credits a use: $0.05 at list, $0.0375 at 25 % off; serving costs $0.02.
        var margin = Economics.Margin(Seed, "image.generate", 5m, 0.02m);
        margin.RevenueAtList.ShouldBe(0.05m);
        margin.RevenueAtBestTier.ShouldBe(0.0375m);
        margin.MarginAtList.ShouldBe(0.03m);
        margin.MarginAtBestTier.ShouldBe(0.0175m);
        margin.MarginPercentAtList.ShouldBe(60m);
        margin.MarginPercentAtBestTier.ShouldBe(46.67m);
        margin.BreakEvenCreditsPerUse.ShouldBe(3, "$0.02 / $0.0075 = 2.67 credits, rounded up");
    }

    [Fact]
    public void A_feature_that_loses_money_shows_a_negative_margin_and_a_free_one_no_percentage()
    {
        var losing = Economics.Margin(Seed, "video", 1m, 0.05m);
        losing.MarginAtList.ShouldBe(-0.04m);
        losing.MarginPercentAtList.ShouldBe(-400m);
        losing.BreakEvenCreditsPerUse.ShouldBe(7, "$0.05 / $0.0075 = 6.67");

        var free = Economics.Margin(Seed, "ping", 0m, 0m);
        free.MarginPercentAtList.ShouldBeNull();
        free.BreakEvenCreditsPerUse.ShouldBe(0);
    }

    private static long Price(long credits) => credits <= 0 ? 0 : PriceCalculator.Quote(Seed, credits).Price.Amount;
}
