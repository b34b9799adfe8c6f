using System.Globalization;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Payments;
using Tally.Payments.Pricing;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Pricing;

/// <summary>
/// Live price quotes for custom credit amounts (the portal's builder, host apps' pricing pages),
/// and the economics behind them: a plan's break-even against buying credits, a feature's margin
/// against its cost to serve (docs/pricing.md).
/// </summary>
public static class PricingEndpoints
{
    public static void MapPricing(this RouteGroupBuilder v1)
    {
        var pricing = v1.MapGroup("/pricing").WithTags("Pricing").RequireAuthorization(Policies.Read);
        pricing.MapGet("/quote", Quote)
            .WithSummary("What N credits cost: base price, the bulk tier reached, savings and the price (integer minor units)");
        pricing.MapGet("/plans/{id}/break-even", BreakEvenAsync)
            .WithSummary("How many credits per period make a plan cheaper than buying them (bulk tiers included)");
        pricing.MapGet("/features/{key}/margin", MarginAsync)
            .WithSummary("A feature's revenue and margin per use at the list price and the deepest bulk tier, given ?costToServe= per use");
    }

    [Refusals(404, 409)]
    private static async Task<Answer<BreakEven>> BreakEvenAsync(string id, HttpContext http, IPaymentStore store, PaymentSettings payments, CancellationToken ct)
    {
        var plan = (await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == id);
        if (plan is null)
        {
            return Requests.NotFound(http, "plan", id);
        }

        return plan.Price.Currency != payments.Pricing.Currency
            ? Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"plan '{id}' is priced in {plan.Price.Currency} and credits in {payments.Pricing.Currency}: there is no break-even across currencies")
            : BytesResult.Json(200, Economics.BreakEven(payments.Pricing, plan.Id, plan.Price, plan.CreditsPerPeriod));
    }

    [Refusals(400, 404)]
    private static async Task<Answer<FeatureMargin>> MarginAsync(string key, HttpContext http, CreditLedger ledger, PaymentSettings payments, CancellationToken ct)
    {
        var text = http.Request.Query["costToServe"].ToString();
        var problem = !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cost)
            ? "is required: what one use costs you to serve, in major units of the pricing currency (e.g. 0.004)"
            : cost > 1_000_000 || decimal.Round(cost, 6) != cost
                ? "must be at most 1,000,000 with at most 6 decimals"
                : null;
        if (problem is not null)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "costToServe", problem));
        }

        var feature = (await ledger.Store.ReadFeaturesAsync(ct)).FirstOrDefault(f => f.Key == key);
        if (feature is null)
        {
            return Requests.NotFound(http, "feature", key);
        }

        // Bought credits are the default unit; a feature priced in another unit has no price in money.
        return feature.Unit != UnitInfo.DefaultKey
            ? Problems.Result(Problems.Validation(Problems.TraceId(http), "key", $"is priced in '{feature.Unit}', which is not sold for money; margins are for '{UnitInfo.DefaultKey}'"))
            : BytesResult.Json(200, Economics.Margin(payments.Pricing, feature.Key, feature.Cost.ToDecimal(), cost));
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
