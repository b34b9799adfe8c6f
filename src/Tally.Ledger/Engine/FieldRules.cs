using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Engine;

/// <summary>
/// The one set of field rules: every limit and every message a request's fields are held to
/// (docs/api.md). Each check returns null when the value is acceptable, else what is wrong with
/// it, in words for the caller. The HTTP edge runs them to report every field error of a request
/// at once; the engine runs the same ones (and those that need the locked rows) before it
/// decides, so a library caller is held to exactly the same rules.
/// </summary>
public static class FieldRules
{
    public const int MaxTextLength = 1000;
    public const int MaxReferenceLength = 255;
    public const int MaxTierLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxMetadataBytes = 8 * 1024;
    public const int MaxMetadataDepth = 32;
    public const int MaxFeatures = 100;
    public const int MaxFeatureKeyLength = 100;

    /// <summary>Largest overdraft limit or low-balance threshold, in whole units.</summary>
    public const long MaxAccountLimit = 1_000_000_000_000;

    public const string Required = "is required";
    public const string AmountOrFeature = "give either an amount or a feature, not both";
    public const string AmountRequired = "is required (or give a feature)";
    public const string QuantityNeedsFeature = "goes with a feature, not an amount";
    public const string MustBePositive = "must be greater than zero";
    public const string MustNotBeZero = "must not be zero";
    public const string FeatureKeyRule = "feature keys are 1–100 characters of letters, digits and -_.:";

    public static string? AccountId(string? id) =>
        AccountIds.IsValid(id) ? null : "must be 1–200 characters of letters, digits and -_.:@ (and not . or ..)";

    /// <summary>Free text the ledger stores and shows: at most <paramref name="max"/> characters, no control characters.</summary>
    public static string? Text(string? value, int max = MaxTextLength)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > max)
        {
            return $"must be at most {max} characters";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
        }

        return null;
    }

    public static string? Tier(string? tier) =>
        tier is { Length: 0 } ? $"must be 1–{MaxTierLength} characters" : Text(tier, MaxTierLength);

    /// <summary>An overdraft limit or low-balance threshold.</summary>
    public static string? AccountLimit(long? value) =>
        value is < 0 or > MaxAccountLimit ? $"must be between 0 and {MaxAccountLimit}" : null;

    /// <summary>A JSON object of at most 8 KiB, nested at most <see cref="MaxMetadataDepth"/> levels, so whatever is stored renders anywhere.</summary>
    public static string? Metadata(string? json)
    {
        if (json is null)
        {
            return null;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxMetadataBytes)
        {
            return "must be a JSON object of at most 8 KiB";
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json, new System.Text.Json.JsonDocumentOptions { MaxDepth = MaxMetadataDepth });
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? null : "must be a JSON object";
        }
        catch (System.Text.Json.JsonException)
        {
            return $"must be a JSON object nested at most {MaxMetadataDepth} levels deep";
        }
    }

    public static string? FeatureKey(string? key) => FeatureKeys.IsValid(key) ? null : FeatureKeyRule;

    /// <summary>The feature keys a lot is scoped to.</summary>
    public static string? Features(IReadOnlyList<string?>? features)
    {
        if (features is null)
        {
            return null;
        }

        if (features.Count is 0 or > MaxFeatures)
        {
            return $"must list 1–{MaxFeatures} feature keys";
        }

        return features.All(FeatureKeys.IsValid) ? null : FeatureKeyRule;
    }

    public static string? Priority(int priority) =>
        priority is < 0 or > Commands.Grant.MaxPriority ? $"must be an integer from 0 to {Commands.Grant.MaxPriority}" : null;

    public static string? TtlSeconds(int ttl) =>
        ttl is < 1 or > Commands.Reserve.MaxTtlSeconds ? $"must be an integer from 1 to {Commands.Reserve.MaxTtlSeconds}" : null;

    public static string? MaxPerOperation(long max) => $"must not exceed the maximum per operation ({max})";

    /// <summary>
    /// A whole-unit amount (a JSON number) in minor units of <paramref name="unit"/>, exactly: at
    /// most <c>CREDIT_MAX_PER_OPERATION</c> in size (checked first, so no conversion can
    /// overflow), no more decimals than the unit has, &gt; 0 (or ≠ 0 when <paramref name="signed"/>).
    /// </summary>
    public static string? Amount(decimal value, UnitInfo unit, long maxPerOperation, out Credits minor, bool signed = false)
    {
        ArgumentNullException.ThrowIfNull(unit);
        minor = Credits.Zero;
        if (Math.Abs(value) > maxPerOperation)
        {
            return MaxPerOperation(maxPerOperation);
        }

        if (!unit.TryToMinor(value, out minor))
        {
            return unit.Precision == 0
                ? $"must be a whole number of {unit.Key}"
                : $"must have at most {unit.Precision} decimal places for {unit.Key}";
        }

        return signed
            ? minor.IsZero ? MustNotBeZero : null
            : minor.IsPositive ? null : MustBePositive;
    }

    /// <summary>An amount already in minor units: positive and within the per-operation maximum.</summary>
    public static string? Amount(Credits amount, UnitInfo unit, long maxPerOperation)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (!amount.IsPositive)
        {
            return MustBePositive;
        }

        return amount > unit.FromWhole(maxPerOperation) ? MaxPerOperation(maxPerOperation) : null;
    }

    /// <summary>A feature quantity: &gt; 0, at most 10^12, at most six decimals.</summary>
    public static string? Quantity(decimal value, out Micros micros)
    {
        micros = default;
        if (value <= 0)
        {
            return MustBePositive;
        }

        if (value > Micros.MaxWhole)
        {
            return $"must be at most {Micros.MaxWhole}";
        }

        return Micros.TryFrom(value, out micros) ? null : "must have at most 6 decimal places";
    }

    /// <summary>A feature's cost per unit of quantity: &gt; 0, at most the per-operation maximum, at most six decimals.</summary>
    public static string? FeatureCost(decimal value, long maxPerOperation, out Micros micros)
    {
        micros = default;
        if (value <= 0)
        {
            return MustBePositive;
        }

        if (value > maxPerOperation)
        {
            return $"{MaxPerOperation(maxPerOperation)} per unit of quantity";
        }

        return Micros.TryFrom(value, out micros) ? null : "must have at most 6 decimal places";
    }
}
