using System.Globalization;

namespace Tally.Ledger.Rules;

/// <summary>The kinds of rule configuration can declare (SPEC §9). Names are the wire spelling.</summary>
public static class RuleKinds
{
    public const string MaxBalance = "max_balance";
    public const string TierBonus = "tier_bonus";
    public const string FirstUseDiscount = "first_use_discount";
    public const string FreeAllowance = "free_allowance";
    public const string VolumeDiscount = "volume_discount";

    public static readonly IReadOnlyList<string> All = [MaxBalance, TierBonus, FirstUseDiscount, FreeAllowance, VolumeDiscount];

    /// <summary>Kinds that keep state per account and feature (one such rule per kind and feature).</summary>
    public static bool IsPerFeature(string? kind) => kind is FirstUseDiscount or FreeAllowance or VolumeDiscount;
}

/// <summary>Periods a free allowance resets on, at UTC boundaries (weeks start on Monday).</summary>
public static class RulePeriods
{
    public const string Day = "day";
    public const string Week = "week";
    public const string Month = "month";

    public static readonly IReadOnlyList<string> All = [Day, Week, Month];

    /// <summary>The start of the period holding <paramref name="now"/>, in Unix seconds (the usage row's key).</summary>
    public static long Start(string period, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var day = new DateTime(utc.Year, utc.Month, utc.Day, 0, 0, 0, DateTimeKind.Utc);
        var start = period switch
        {
            Day => day,
            Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            Month => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "unknown period"),
        };
        return new DateTimeOffset(start).ToUnixTimeSeconds();
    }

    /// <summary>How far back a current period can start: usage rows older than this are never read.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(31);
}

/// <summary>
/// One rule as configuration declares it (the <c>Rules</c> array of appsettings). Which fields
/// matter depends on <see cref="Kind"/>; <see cref="Validate"/> names the first wrong one.
/// </summary>
public sealed class RuleDefinition
{
    /// <summary>Unique; recorded on every entry the rule changes.</summary>
    public string? Name { get; set; }

    /// <summary>One of <see cref="RuleKinds"/>.</summary>
    public string? Kind { get; set; }

    /// <summary>Higher runs first; ties keep declaration order.</summary>
    public int Priority { get; set; }

    /// <summary>Accounts of this tier only (required for <c>tier_bonus</c>; optional for <c>max_balance</c>).</summary>
    public string? Tier { get; set; }

    /// <summary>The feature key a <c>first_use_discount</c> or <c>free_allowance</c> applies to.</summary>
    public string? Feature { get; set; }

    /// <summary>Discount (0 &lt; p ≤ 100) or bonus (0 &lt; p ≤ 1000) in percent.</summary>
    public decimal? Percent { get; set; }

    /// <summary><c>max_balance</c>: the largest balance, in whole units of the granted unit.</summary>
    public long? Max { get; set; }

    /// <summary><c>free_allowance</c> in credits of the feature's unit per period (or use <see cref="Quantity"/>).</summary>
    public decimal? Credits { get; set; }

    /// <summary><c>free_allowance</c> in feature quantity per period (or use <see cref="Credits"/>).</summary>
    public decimal? Quantity { get; set; }

    /// <summary><c>free_allowance</c> and <c>volume_discount</c>: one of <see cref="RulePeriods"/>.</summary>
    public string? Period { get; set; }

    /// <summary><c>volume_discount</c>: the discount each level of use in the period earns (see <see cref="VolumeTiers"/>).</summary>
    public List<VolumeTier>? Tiers { get; set; }

    /// <summary>The first problem as (field, problem), the field spelt as in configuration; null when valid.</summary>
    public (string Field, string Problem)? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100)
        {
            return ("name", "is required (1–100 characters)");
        }

        if (Kind is null || !RuleKinds.All.Contains(Kind))
        {
            return ("kind", $"must be one of {string.Join(", ", RuleKinds.All)}");
        }

        return Kind switch
        {
            RuleKinds.MaxBalance => Max is null or <= 0 or > 1_000_000_000_000 ? ("max", "must be between 1 and 10^12") : null,
            RuleKinds.TierBonus => string.IsNullOrWhiteSpace(Tier) ? ("tier", "is required for a tier bonus")
                : Percent is not ({ } p and > 0 and <= 1000) ? ("percent", "must be more than 0 and at most 1000") : null,
            RuleKinds.FirstUseDiscount => FeatureProblem()
                ?? (Percent is not ({ } d and > 0 and <= 100) ? ("percent", "must be more than 0 and at most 100") : null),
            RuleKinds.VolumeDiscount => FeatureProblem() ?? PeriodProblem() ?? VolumeTiers.Problem(Tiers),
            _ => FeatureProblem() ?? AllowanceProblem(),
        };
    }

    private (string, string)? FeatureProblem() =>
        Engine.FeatureKeys.IsValid(Feature) ? null : ("feature", "must be a feature key (1–100 letters, digits, -_.:)");

    private (string, string)? AllowanceProblem()
    {
        if ((Credits is null) == (Quantity is null))
        {
            return ("credits", "give exactly one of credits or quantity");
        }

        if (Credits is { } c && (c <= 0 || c > 1_000_000_000_000 || decimal.Round(c, Amounts.UnitInfo.MaxPrecision) != c))
        {
            return ("credits", "must be more than 0, at most 10^12, with at most 6 decimals");
        }

        if (Quantity is { } q && !(q > 0 && Amounts.Micros.TryFrom(q, out _)))
        {
            return ("quantity", "must be more than 0 with at most 6 decimals");
        }

        return PeriodProblem();
    }

    private (string, string)? PeriodProblem() =>
        Period is null || !RulePeriods.All.Contains(Period)
            ? ("period", $"must be one of {string.Join(", ", RulePeriods.All)}")
            : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Kind}, priority {Priority})");
}
