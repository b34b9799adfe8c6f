using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger.Engine;

/// <summary>
/// Field rules shared by every command (docs/api.md amounts, docs/api.md limits). Each returns the refusal
/// naming the field as the API spells it, or null when the value is acceptable.
/// </summary>
internal static class Rules
{
    public const int MaxTextLength = 1000;
    public const int MaxReferenceLength = 255;
    public const int MaxTierLength = 64;
    public const int MaxMetadataBytes = 8 * 1024;
    public const int MaxFeatures = 100;
    public const int MaxFeatureKeyLength = 100;

    public static Invalid? Account(string? id, string field = "account") =>
        AccountIds.IsValid(id) ? null : new Invalid(field, "must be 1–200 characters of letters, digits and -_.:@");

    /// <summary>A positive amount no larger than the per-operation maximum.</summary>
    public static Invalid? Amount(CommandContext ctx, UnitInfo unit, Credits amount, string field = "amount")
    {
        if (!amount.IsPositive)
        {
            return new Invalid(field, "must be greater than zero");
        }

        return amount > unit.FromWhole(ctx.Options.MaxPerOperation)
            ? new Invalid(field, $"must not exceed the maximum per operation ({ctx.Options.MaxPerOperation})")
            : null;
    }

    /// <summary>
    /// A whole-unit amount converted exactly to minor units of <paramref name="unit"/>, positive;
    /// <paramref name="fallback"/> when none was given.
    /// </summary>
    public static Invalid? Whole(CommandContext ctx, UnitInfo unit, decimal? value, Credits fallback, out Credits amount)
    {
        amount = fallback;
        if (value is not { } whole)
        {
            return null;
        }

        if (Math.Abs(whole) > ctx.Options.MaxPerOperation)
        {
            return new Invalid("amount", $"must not exceed the maximum per operation ({ctx.Options.MaxPerOperation})");
        }

        if (!unit.TryToMinor(whole, out amount))
        {
            return new Invalid("amount", $"must have at most {unit.Precision} decimal places for {unit.Key}");
        }

        return amount.IsPositive ? null : new Invalid("amount", "must be greater than zero");
    }

    public static Invalid? Text(string? value, string field, int max = MaxTextLength) =>
        TextRule.Problem(value, max) is { } problem ? new Invalid(field, problem) : null;

    /// <summary>Deepest nesting of a metadata object: whatever is stored can be rendered inside any response.</summary>
    public const int MaxMetadataDepth = 32;

    /// <summary>A JSON object of at most 8 KiB and <see cref="MaxMetadataDepth"/> levels.</summary>
    public static Invalid? Metadata(string? json)
    {
        if (json is null)
        {
            return null;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxMetadataBytes)
        {
            return new Invalid("metadata", "must be a JSON object of at most 8 KiB");
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json, new System.Text.Json.JsonDocumentOptions { MaxDepth = MaxMetadataDepth });
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                ? null
                : new Invalid("metadata", "must be a JSON object");
        }
        catch (System.Text.Json.JsonException)
        {
            return new Invalid("metadata", $"must be a JSON object nested at most {MaxMetadataDepth} levels deep");
        }
    }

    public static Invalid? Features(IReadOnlyList<string>? features)
    {
        if (features is null)
        {
            return null;
        }

        if (features.Count is 0 or > MaxFeatures)
        {
            return new Invalid("features", $"must list 1–{MaxFeatures} feature keys");
        }

        foreach (var key in features)
        {
            if (!FeatureKeys.IsValid(key))
            {
                return new Invalid("features", FeatureKeys.Rule);
            }
        }

        return null;
    }

    public static Invalid UnknownUnit(string? key) => new("unit", $"unknown unit '{key}'");

    public static Invalid? First(params Invalid?[] checks)
    {
        foreach (var check in checks)
        {
            if (check is not null)
            {
                return check;
            }
        }

        return null;
    }
}

/// <summary>
/// Free text the ledger stores and shows (descriptions, reasons, references, names): at most a
/// length, and no control characters — a newline or a terminal escape in a name is never data.
/// </summary>
public static class TextRule
{
    public const int MaxLength = Rules.MaxTextLength;

    /// <summary>Null when <paramref name="value"/> is acceptable (null is), else what is wrong with it.</summary>
    public static string? Problem(string? value, int max = MaxLength)
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
}

/// <summary>Feature keys: 1–100 characters of letters, digits and <c>-_.:</c>.</summary>
public static class FeatureKeys
{
    public const string Rule = "feature keys are 1–100 characters of letters, digits and -_.:";

    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > Rules.MaxFeatureKeyLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Resolves what a charge or hold costs: an explicit amount, or a catalog feature × quantity.</summary>
internal static class Pricing
{
    public sealed record Priced(UnitInfo Unit, Credits Amount, string? Feature, Micros? Quantity);

    /// <summary>Null and <paramref name="priced"/> set when the price is acceptable; else the refusal.</summary>
    public static Invalid? Resolve(CommandContext ctx, Price price, out Priced? priced)
    {
        priced = null;
        if (price.Amount is { } amount)
        {
            if (price.Feature is not null)
            {
                return new Invalid("feature", "give either an amount or a feature, not both");
            }

            if (price.Quantity is not null)
            {
                return new Invalid("quantity", "quantity goes with a feature, not an amount");
            }

            var unit = ctx.Units.Find(price.Unit ?? UnitInfo.DefaultKey);
            if (unit is null)
            {
                return Rules.UnknownUnit(price.Unit);
            }

            if (Rules.Amount(ctx, unit, amount) is { } amountError)
            {
                return amountError;
            }

            priced = new Priced(unit, amount, null, null);
            return null;
        }

        if (price.Feature is null)
        {
            return new Invalid("amount", "give an amount or a feature");
        }

        return ResolveFeature(ctx, price, out priced);
    }

    private static Invalid? ResolveFeature(CommandContext ctx, Price price, out Priced? priced)
    {
        priced = null;
        if (!ctx.Snapshot.Features.TryGetValue(price.Feature!, out var feature))
        {
            return new Invalid("feature", $"unknown feature '{price.Feature}'");
        }

        if (!feature.Active)
        {
            return new Invalid("feature", $"feature '{feature.Key}' is not active");
        }

        if (price.Unit is not null && price.Unit != feature.Unit)
        {
            return new Invalid("unit", $"feature '{feature.Key}' is priced in '{feature.Unit}'");
        }

        var unit = ctx.Units.Find(feature.Unit);
        if (unit is null)
        {
            return Rules.UnknownUnit(feature.Unit);
        }

        var quantity = price.Quantity ?? Micros.One;
        if (quantity.Value <= 0)
        {
            return new Invalid("quantity", "must be greater than zero");
        }

        if (!FeaturePricing.TryPrice(feature.Cost, quantity, unit, out var amount)
            || amount > unit.FromWhole(ctx.Options.MaxPerOperation))
        {
            return new Invalid("quantity", $"the cost must not exceed the maximum per operation ({ctx.Options.MaxPerOperation})");
        }

        priced = new Priced(unit, amount, feature.Key, quantity);
        return null;
    }
}
