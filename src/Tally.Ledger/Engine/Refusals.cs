using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger.Engine;

/// <summary>
/// <see cref="FieldRules"/> as the engine's refusals: each returns the <see cref="Invalid"/> naming
/// the field as the API spells it, or null when the value is acceptable.
/// </summary>
internal static class Refusals
{
    public const int MaxReferenceLength = FieldRules.MaxReferenceLength;

    public static Invalid? Account(string? id, string field = "account") => Field(field, FieldRules.AccountId(id));

    /// <summary>A positive amount no larger than the per-operation maximum.</summary>
    public static Invalid? Amount(CommandContext ctx, UnitInfo unit, Credits amount, string field = "amount") =>
        Field(field, FieldRules.Amount(amount, unit, ctx.Options.MaxPerOperation));

    /// <summary>
    /// A whole-unit amount converted exactly to minor units of <paramref name="unit"/>, positive;
    /// <paramref name="fallback"/> when none was given.
    /// </summary>
    public static Invalid? Whole(CommandContext ctx, UnitInfo unit, decimal? value, Credits fallback, out Credits amount)
    {
        amount = fallback;
        return value is { } whole ? Field("amount", FieldRules.Amount(whole, unit, ctx.Options.MaxPerOperation, out amount)) : null;
    }

    public static Invalid? Text(string? value, string field, int max = FieldRules.MaxTextLength) => Field(field, FieldRules.Text(value, max));

    public static Invalid? Metadata(string? json) => Field("metadata", FieldRules.Metadata(json));

    public static Invalid? Features(IReadOnlyList<string>? features) => Field("features", FieldRules.Features(features));

    public static Invalid UnknownUnit(string? key) => new("unit", $"unknown unit '{key}'");

    /// <summary>The refusal naming <paramref name="field"/> when <paramref name="problem"/> is set.</summary>
    public static Invalid? Field(string field, string? problem) => problem is null ? null : new Invalid(field, problem);

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

/// <summary>Feature keys: 1–100 characters of letters, digits and <c>-_.:</c>.</summary>
public static class FeatureKeys
{
    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > FieldRules.MaxFeatureKeyLength)
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
                return new Invalid("feature", FieldRules.AmountOrFeature);
            }

            if (price.Quantity is not null)
            {
                return new Invalid("quantity", FieldRules.QuantityNeedsFeature);
            }

            var unit = ctx.Units.Find(price.Unit ?? UnitInfo.DefaultKey);
            if (unit is null)
            {
                return Refusals.UnknownUnit(price.Unit);
            }

            if (Refusals.Amount(ctx, unit, amount) is { } amountError)
            {
                return amountError;
            }

            priced = new Priced(unit, amount, null, null);
            return null;
        }

        if (price.Feature is null)
        {
            return new Invalid("amount", FieldRules.AmountRequired);
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
            return Refusals.UnknownUnit(feature.Unit);
        }

        var quantity = price.Quantity ?? Micros.One;
        if (quantity.Value <= 0)
        {
            return new Invalid("quantity", FieldRules.MustBePositive);
        }

        if (!FeaturePricing.TryPrice(feature.Cost, quantity, unit, out var amount)
            || amount > unit.FromWhole(ctx.Options.MaxPerOperation))
        {
            return new Invalid("quantity", $"the cost {FieldRules.MaxPerOperation(ctx.Options.MaxPerOperation)}");
        }

        priced = new Priced(unit, amount, feature.Key, quantity);
        return null;
    }
}
