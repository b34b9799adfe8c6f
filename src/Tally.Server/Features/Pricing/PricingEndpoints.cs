using System.Globalization;
using Tally.Payments;
using Tally.Payments.Pricing;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Pricing;

/// <summary>Live price quotes for custom credit amounts (the portal's builder, host apps' pricing pages).</summary>
public static class PricingEndpoints
{
    public static void MapPricing(this RouteGroupBuilder v1)
    {
        v1.MapGroup("/pricing").WithTags("Pricing").RequireAuthorization(Policies.Read)
            .MapGet("/quote", Quote)
            .WithSummary("What N credits cost: base price, the bulk tier reached, savings and the price (integer minor units)");
    }

    [Refusals(400)]
    private static Answer<Quote> Quote(HttpContext http, PaymentSettings payments)
    {
        var pricing = payments.Pricing;
        var text = http.Request.Query["credits"].ToString();
        var problem = !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var credits)
            ? "is required: a whole number of credits"
            : PriceCalculator.PurchaseProblem(pricing, credits);
        return problem is not null
            ? Problems.Result(Problems.Validation(Problems.TraceId(http), "credits", problem))
            : BytesResult.Json(200, PriceCalculator.Quote(pricing, credits));
    }
}
