using Tally.Ledger.Engine;
using Tally.Payments.Pricing;
using Tally.Server.Http;

namespace Tally.Server.Features.Selling;

/// <summary>The field rules of packages and plans, reported all at once through <see cref="Fields"/>.</summary>
internal static class CatalogRules
{
    public const int MaxNameLength = 100;

    public const long MaxPrice = 100_000_000_000;

    public static void Id(Fields fields, string id) => fields.Check("id", FieldRules.FeatureKey(id));

    public static void Name(Fields fields, string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            fields.Add("name", FieldRules.Required);
            return;
        }

        fields.Text(name, "name", MaxNameLength);
    }

    public static void Credits(Fields fields, string field, long? credits, long min)
    {
        if (credits is not { } value)
        {
            fields.Add(field, FieldRules.Required);
        }
        else if (value < min || value > fields.MaxPerOperation)
        {
            fields.Add(field, $"must be from {min} to {fields.MaxPerOperation} (CREDIT_MAX_PER_OPERATION)");
        }
    }

    public static Money? Price(Fields fields, MoneyRequest? price, PricingSettings pricing)
    {
        if (price?.Amount is not { } amount)
        {
            fields.Add("price.amount", FieldRules.Required);
            return null;
        }

        if (amount < 0 || amount > MaxPrice)
        {
            fields.Add("price.amount", $"must be from 0 to {MaxPrice} minor units");
        }

        var currency = price.Currency ?? pricing.Currency;
        if (!Money.IsCurrencyCode(currency))
        {
            fields.Add("price.currency", "must be an ISO 4217 code in capitals, e.g. USD");
        }

        return new Money(amount, currency);
    }

    public static void ProductId(Fields fields, string? productId) => fields.Text(productId, "dodoProductId", FieldRules.MaxReferenceLength);

    /// <summary>An id from a name: lowercase letters and digits joined by '-' (e.g. "Starter Pack" → starter-pack).</summary>
    public static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length is > 0 and <= FieldRules.MaxFeatureKeyLength ? slug : $"item-{Guid.NewGuid():N}";
    }
}
