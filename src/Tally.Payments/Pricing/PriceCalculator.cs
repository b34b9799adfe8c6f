namespace Tally.Payments.Pricing;

/// <summary>What a number of credits costs: the base price, the tier reached, the savings and the price.</summary>
public sealed record Quote(long Credits, Money BasePrice, decimal DiscountPercent, long? Tier, Money Savings, Money Price);

/// <summary>
/// Prices credits exactly. The rounding rule, the only one: the base price is credits × the price
/// per credit, the discounted price is the exact base × (100 − percent) / 100, and each is rounded
/// to the currency's minor unit half away from zero (0.5 cent → 1 cent); savings are base − price,
/// so the three always add up. The tier is the one with the highest percentage among those reached.
/// </summary>
public static class PriceCalculator
{
    public static Quote Quote(PricingSettings settings, long credits)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(credits);
        var scale = Pow10(Money.MinorDigits(settings.Currency));
        var exactBase = credits * settings.BasePrice * scale;
        var tier = settings.Tiers
            .Where(t => credits >= t.Credits)
            .OrderByDescending(t => t.Percent)
            .ThenBy(t => t.Credits)
            .FirstOrDefault();
        var percent = tier?.Percent ?? 0m;
        var basePrice = Round(exactBase);
        var price = Round(exactBase * (100m - percent) / 100m);
        return new Quote(
            credits,
            new Money(basePrice, settings.Currency),
            percent,
            tier is { Percent: > 0 } ? tier.Credits : null,
            new Money(basePrice - price, settings.Currency),
            new Money(price, settings.Currency));
    }

    /// <summary>Null when <paramref name="credits"/> may be bought as a custom amount; else why not.</summary>
    public static string? PurchaseProblem(PricingSettings settings, long credits)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return credits < settings.MinPurchase || credits > settings.MaxPurchase
            ? $"must be from {settings.MinPurchase} to {settings.MaxPurchase} credits"
            : null;
    }

    private static long Round(decimal minor) => (long)decimal.Round(minor, 0, MidpointRounding.AwayFromZero);

    private static decimal Pow10(int digits)
    {
        var result = 1m;
        for (var i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }
}
