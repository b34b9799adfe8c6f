namespace Tally.Payments.Pricing;

/// <summary>A bulk tier: buying at least <see cref="Credits"/> takes <see cref="Percent"/> off the base price.</summary>
public sealed record BulkTier(long Credits, decimal Percent);

/// <summary>
/// How credits are priced (CREDIT_BASE_PRICE, CREDIT_BULK_DISCOUNT_*, CREDIT_MIN_PURCHASE,
/// CREDIT_MAX_PURCHASE): a base price per credit in major units of <see cref="Currency"/>
/// (0.01 = one cent), bulk tiers, and the custom-amount limits.
/// </summary>
public sealed record PricingSettings(decimal BasePrice, string Currency, IReadOnlyList<BulkTier> Tiers, long MinPurchase, long MaxPurchase)
{
    public static IReadOnlyList<BulkTier> DefaultTiers { get; } = [new(500, 10), new(1_000, 15), new(5_000, 25)];

    /// <summary>The seed's defaults: $0.01 per credit; 10 % from 500, 15 % from 1,000, 25 % from 5,000; 10–10,000 credits.</summary>
    public static PricingSettings Default { get; } = new(0.01m, "USD", DefaultTiers, 10, 10_000);

    /// <summary>What is wrong with these settings, naming the setting, or null.</summary>
    public string? Problem()
    {
        if (BasePrice <= 0 || decimal.Round(BasePrice, 6) != BasePrice || BasePrice > 1_000_000)
        {
            return "CREDIT_BASE_PRICE must be a positive price per credit with at most 6 decimals (e.g. 0.01)";
        }

        if (!Money.IsCurrencyCode(Currency))
        {
            return "CREDIT_CURRENCY must be an ISO 4217 code in capitals (e.g. USD)";
        }

        if (Tiers.FirstOrDefault(t => t.Credits < 1 || t.Percent < 0 || t.Percent >= 100 || decimal.Round(t.Percent, 2) != t.Percent) is { } bad)
        {
            return $"CREDIT_BULK_DISCOUNT_{bad.Credits} must be a percentage from 0 up to (not including) 100, with at most 2 decimals";
        }

        if (MinPurchase < 1 || MaxPurchase < MinPurchase || MaxPurchase > 1_000_000_000_000)
        {
            return "CREDIT_MIN_PURCHASE must be at least 1 and CREDIT_MAX_PURCHASE at least CREDIT_MIN_PURCHASE";
        }

        return null;
    }
}
