using System.Globalization;
using Tally.Ledger.Amounts;

namespace Tally.Ledger.Rules;

/// <summary>One level of a volume discount: use above <see cref="Above"/> credits earns <see cref="Percent"/> % off.</summary>
public sealed class VolumeTier
{
    /// <summary>Credits of the feature's unit used this period (at list price) that must be exceeded.</summary>
    public decimal? Above { get; set; }

    /// <summary>The discount, 0 &lt; p ≤ 100.</summary>
    public decimal? Percent { get; set; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"above {Above}: {Percent} %");
}

/// <summary>
/// Per-feature dynamic pricing (the seed's "heavy users pay less"), pure and exact: the price of a
/// charge given what the account already used of the feature this period. The discount is rounded
/// down to a minor unit, so a charge never costs less than its exact discounted price.
/// </summary>
public static class VolumeTiers
{
    public const int MaxTiers = 20;

    /// <summary>The discount earned by <paramref name="used"/> (strictly above a tier's threshold), or 0.</summary>
    public static decimal PercentFor(Credits used, IReadOnlyList<VolumeTier> tiers, UnitInfo unit)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(unit);
        var percent = 0m;
        foreach (var tier in tiers)
        {
            if (used.Minor > ThresholdMinor(tier, unit))
            {
                percent = tier.Percent!.Value;
            }
        }

        return percent;
    }

    /// <summary><paramref name="amount"/> less the discount <paramref name="used"/> earns.</summary>
    public static Credits Price(Credits amount, Credits used, IReadOnlyList<VolumeTier> tiers, UnitInfo unit) =>
        PercentFor(used, tiers, unit) is var percent and > 0 ? amount - RuleSet.PercentOf(amount, percent) : amount;

    /// <summary>The first problem with a tier list as (field, problem), or null when it is valid.</summary>
    public static (string Field, string Problem)? Problem(IReadOnlyList<VolumeTier>? tiers)
    {
        if (tiers is null || tiers.Count == 0 || tiers.Count > MaxTiers)
        {
            return ("tiers", $"must list 1–{MaxTiers} tiers");
        }

        decimal? previous = null;
        for (var i = 0; i < tiers.Count; i++)
        {
            var tier = tiers[i];
            if (tier.Above is not { } above || above < 0 || above > 1_000_000_000_000 || decimal.Round(above, UnitInfo.MaxPrecision) != above)
            {
                return ($"tiers:{i}:above", "must be 0 to 10^12 credits with at most 6 decimals");
            }

            if (previous is { } p && above <= p)
            {
                return ($"tiers:{i}:above", "must be more than the tier before it (tiers go up)");
            }

            if (tier.Percent is not ({ } percent and > 0 and <= 100))
            {
                return ($"tiers:{i}:percent", "must be more than 0 and at most 100");
            }

            previous = above;
        }

        return null;
    }

    /// <summary>A threshold in minor units of <paramref name="unit"/>, rounded down: use is whole minor units, so it is above x exactly when it is above ⌊x⌋.</summary>
    private static long ThresholdMinor(VolumeTier tier, UnitInfo unit) => (long)decimal.Floor(tier.Above!.Value * unit.Scale);
}
