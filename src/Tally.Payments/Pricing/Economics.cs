namespace Tally.Payments.Pricing;

/// <summary>
/// When a subscription beats buying the same credits: <see cref="BreakEvenCredits"/> is the least
/// number of credits per period whose pay-as-you-go price (bulk tiers included) reaches the plan's
/// price — null when even all of <see cref="CreditsPerPeriod"/> cost less bought as credits.
/// <see cref="SavingsAtFullUse"/> is what a subscriber saves (negative: overpays) using them all.
/// </summary>
public sealed record BreakEven(
    string Plan,
    Money PlanPrice,
    long CreditsPerPeriod,
    Money PayAsYouGoPrice,
    long? BreakEvenCredits,
    Money SavingsAtFullUse);

/// <summary>
/// What one use of a feature earns against what it costs to serve, in major units of
/// <see cref="Currency"/> (exact decimals, not rounded to cents: a use may earn a tenth of a cent).
/// "List" is at the base price per credit; "best tier" at the deepest bulk discount, the least a
/// credit ever sells for. <see cref="BreakEvenCreditsPerUse"/> is the least whole number of credits
/// per use that covers the cost at the best-tier price (0 when serving is free).
/// </summary>
public sealed record FeatureMargin(
    string Feature,
    decimal CreditsPerUse,
    string Currency,
    decimal CostToServe,
    decimal RevenueAtList,
    decimal RevenueAtBestTier,
    decimal MarginAtList,
    decimal MarginAtBestTier,
    decimal? MarginPercentAtList,
    decimal? MarginPercentAtBestTier,
    long BreakEvenCreditsPerUse);

/// <summary>
/// Break-even and margin analysis on top of <see cref="PriceCalculator"/>. Exact: money is decimal
/// or integer minor units; the only roundings are the calculator's (to the minor unit, half away
/// from zero), percentages (2 decimals, half away from zero, for display) and break-even credits
/// (always up: the least amount that covers the cost). The seed's calculateBreakEven ignored the
/// credits a plan includes and its bulk tiers; its dynamic pricing rounded discounts up.
/// </summary>
public static class Economics
{
    /// <summary>The subscription/pay-as-you-go break-even of a plan priced in the pricing currency.</summary>
    public static BreakEven BreakEven(PricingSettings settings, string plan, Money planPrice, long creditsPerPeriod)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(creditsPerPeriod);
        if (!string.Equals(planPrice.Currency, settings.Currency, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the plan is priced in {planPrice.Currency}, credits in {settings.Currency}", nameof(planPrice));
        }

        var payAsYouGo = PriceCalculator.Quote(settings, creditsPerPeriod).Price;
        return new BreakEven(
            plan,
            planPrice,
            creditsPerPeriod,
            payAsYouGo,
            LeastCreditsCosting(settings, planPrice.Amount, creditsPerPeriod),
            new Money(payAsYouGo.Amount - planPrice.Amount, settings.Currency));
    }

    /// <summary>The margin per use of a feature costing <paramref name="creditsPerUse"/> credits.</summary>
    public static FeatureMargin Margin(PricingSettings settings, string feature, decimal creditsPerUse, decimal costToServe)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(creditsPerUse);
        ArgumentOutOfRangeException.ThrowIfNegative(costToServe);
        var bestPercent = settings.Tiers.Select(t => t.Percent).DefaultIfEmpty(0m).Max();
        var bestPrice = settings.BasePrice * (100m - bestPercent) / 100m;
        var atList = creditsPerUse * settings.BasePrice;
        var atBest = creditsPerUse * bestPrice;
        return new FeatureMargin(
            feature,
            creditsPerUse,
            settings.Currency,
            costToServe,
            atList,
            atBest,
            atList - costToServe,
            atBest - costToServe,
            Percent(atList - costToServe, atList),
            Percent(atBest - costToServe, atBest),
            (long)decimal.Ceiling(costToServe / bestPrice));
    }

    /// <summary>
    /// The least n in 1..<paramref name="most"/> whose price reaches <paramref name="target"/> minor
    /// units, or null. The discount only grows with n, so the price is not monotone across a tier
    /// threshold (500 credits may cost less than 499), but it is within a stretch of one discount:
    /// each stretch is searched by bisection, in order.
    /// </summary>
    private static long? LeastCreditsCosting(PricingSettings settings, long target, long most)
    {
        if (target <= 0)
        {
            return most >= 1 ? 1 : null;
        }

        var starts = settings.Tiers.Select(t => t.Credits).Where(c => c > 1 && c <= most).Append(1).Distinct().Order().ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            var low = starts[i];
            var high = i + 1 < starts.Count ? starts[i + 1] - 1 : most;
            if (Price(settings, high) < target)
            {
                continue;
            }

            while (low < high)
            {
                var middle = low + ((high - low) / 2);
                if (Price(settings, middle) >= target)
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            return low;
        }

        return null;
    }

    private static long Price(PricingSettings settings, long credits) => PriceCalculator.Quote(settings, credits).Price.Amount;

    private static decimal? Percent(decimal part, decimal whole) =>
        whole == 0 ? null : decimal.Round(part / whole * 100m, 2, MidpointRounding.AwayFromZero);
}
