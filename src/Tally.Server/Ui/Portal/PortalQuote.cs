using System.Globalization;
using System.Text.Json.Nodes;
using Tally.Payments;
using Tally.Payments.Pricing;

namespace Tally.Server.Ui.Portal;

/// <summary>
/// The custom-amount builder's quote: the same parsing, limits and price calculator as
/// <c>GET /v1/pricing/quote</c>, with the answer written for a person.
/// </summary>
public sealed record PortalQuote(long Credits, string BasePrice, string Tier, string Savings, string Price)
{
    /// <summary>The Buy button's text.</summary>
    public string BuyLabel => $"Buy {PortalFormat.Credits(Credits)} credits for {Price}";

    /// <summary>The quote for <paramref name="text"/>, or the field error to show (null text: nothing asked yet).</summary>
    public static (PortalQuote? Quote, string? Error) Of(string? text, PricingSettings pricing)
    {
        ArgumentNullException.ThrowIfNull(pricing);
        if (text is null)
        {
            return (null, null);
        }

        text = text.Trim().Replace(",", "", StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var credits))
        {
            return (null, "Enter a whole number of credits.");
        }

        if (PriceCalculator.PurchaseProblem(pricing, credits) is not null)
        {
            return (null, $"Credits must be from {PortalFormat.Credits(pricing.MinPurchase)} to {PortalFormat.Credits(pricing.MaxPurchase)}.");
        }

        var quote = PriceCalculator.Quote(pricing, credits);
        var tier = quote.Tier is { } from
            ? $"{PortalFormat.Percent(quote.DiscountPercent)} off ({PortalFormat.Credits(from)} credits or more)"
            : "No discount";
        return (new PortalQuote(credits, PortalFormat.Money(quote.BasePrice), tier, PortalFormat.Money(quote.Savings), PortalFormat.Money(quote.Price)), null);
    }

    /// <summary>The bulk tiers as a sentence for the builder's help text.</summary>
    public static string Tiers(PricingSettings pricing)
    {
        ArgumentNullException.ThrowIfNull(pricing);
        var tiers = pricing.Tiers.Where(t => t.Percent > 0).OrderBy(t => t.Credits).ToList();
        return tiers.Count == 0
            ? "No bulk discounts."
            : "Bulk discounts: " + string.Join(", ", tiers.Select(t => $"{PortalFormat.Percent(t.Percent)} off from {PortalFormat.Credits(t.Credits)}")) + " credits.";
    }

    /// <summary><c>GET /portal/quote?credits=</c>: the builder's live answer for portal.js.</summary>
    public static IResult Json(HttpContext http, PaymentSettings payments)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(payments);
        var (quote, error) = Of(http.Request.Query["credits"].ToString(), payments.Pricing);
        var body = quote is null
            ? new JsonObject { ["error"] = error }
            : new JsonObject
            {
                ["credits"] = quote.Credits,
                ["base"] = quote.BasePrice,
                ["tier"] = quote.Tier,
                ["savings"] = quote.Savings,
                ["price"] = quote.Price,
                ["buy"] = quote.BuyLabel,
            };
        return Results.Text(body.ToJsonString(), "application/json; charset=utf-8", statusCode: quote is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }
}
