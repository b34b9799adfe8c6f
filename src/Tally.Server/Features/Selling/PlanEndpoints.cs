using Tally.Ledger;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Selling;

/// <summary>Subscription plans: listed with read scope, written with admin scope (audited).</summary>
public static class PlanEndpoints
{
    public static void MapPlans(this RouteGroupBuilder v1)
    {
        var plans = v1.MapGroup("/plans").WithTags("Selling");
        plans.MapGet("", ListAsync).RequireAuthorization(Policies.Read)
            .WithSummary("Subscription plans, cheapest first");
        var admin = plans.MapGroup("").RequireAuthorization(Policies.Admin);
        admin.MapPost("", CreateAsync).Audited()
            .Accepts<PlanRequest>("application/json")
            .WithSummary("Offer a subscription plan: credits per period, rollover percentage and cap");
        admin.MapPatch("/{id}", PatchAsync).Audited()
            .Accepts<PlanPatch>("application/json")
            .WithSummary("Change a plan (takes effect from each subscription's next period)");
    }

    private static async Task<Answer<ListResponse<PlanDto>>> ListAsync(IPaymentStore store, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<PlanDto>((await store.ReadPlansAsync(ct)).Select(PlanDto.From).ToList()));

    [Refusals(400, 409)]
    private static async Task<CreatedAnswer<PlanDto>> CreateAsync(HttpContext http, CreditLedger ledger, IPaymentStore store, HttpIdempotency idempotency, PaymentSettings payments, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<PlanRequest>(http, async body =>
        {
            var r = body.Value;
            var fields = new Fields(ledger);
            var id = r.Id ?? CatalogRules.Slug(r.Name ?? "");
            var price = CatalogRules.Price(fields, r.Price, payments.Pricing);
            var interval = Interval(fields, r.Interval ?? "month");
            CatalogRules.Credits(fields, "creditsPerPeriod", r.CreditsPerPeriod, min: 1);
            var plan = Validate(fields, new SubscriptionPlan(id, r.Name ?? "", price ?? default, interval, r.CreditsPerPeriod ?? 0,
                r.RolloverPercent ?? 0, r.RolloverCap, r.DodoProductId, r.Active ?? true));
            if (plan is null)
            {
                return fields.Problem(http);
            }

            return await store.SavePlanAsync(plan, create: true, ledger.Now(), ct)
                ? BytesResult.Json(201, PlanDto.From(plan))
                : Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"plan '{id}' exists already; PATCH it instead");
        });

    [Refusals(400, 404)]
    private static async Task<Answer<PlanDto>> PatchAsync(string id, HttpContext http, CreditLedger ledger, IPaymentStore store, HttpIdempotency idempotency, PaymentSettings payments, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<PlanPatch>(http, async body =>
        {
            var current = (await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == id);
            if (current is null)
            {
                return Requests.NotFound(http, "plan", id);
            }

            var r = body.Value;
            var fields = new Fields(ledger);
            var price = r.Price is null ? current.Price : CatalogRules.Price(fields, r.Price, payments.Pricing);
            var interval = r.Interval is null ? current.Interval : Interval(fields, r.Interval);
            CatalogRules.Credits(fields, "creditsPerPeriod", r.CreditsPerPeriod ?? current.CreditsPerPeriod, min: 1);
            var plan = Validate(fields, current with
            {
                Name = r.Name ?? current.Name,
                Price = price ?? current.Price,
                Interval = interval,
                CreditsPerPeriod = r.CreditsPerPeriod ?? current.CreditsPerPeriod,
                RolloverPercent = r.RolloverPercent ?? current.RolloverPercent,
                RolloverCap = body.Has("rolloverCap") ? r.RolloverCap : current.RolloverCap,
                ProviderProductId = body.Has("dodoProductId") ? r.DodoProductId : current.ProviderProductId,
                Active = r.Active ?? current.Active,
            });
            if (plan is null)
            {
                return fields.Problem(http);
            }

            await store.SavePlanAsync(plan, create: false, ledger.Now(), ct);
            return BytesResult.Json(200, PlanDto.From(plan));
        });

    internal static SubscriptionPlan? Validate(Fields fields, SubscriptionPlan plan)
    {
        CatalogRules.Id(fields, plan.Id);
        CatalogRules.Name(fields, plan.Name);
        if (plan.RolloverPercent is < 0 or > 100)
        {
            fields.Add("rolloverPercent", "must be from 0 to 100");
        }

        if (plan.RolloverCap is < 0)
        {
            fields.Add("rolloverCap", "must be at least 0 (or null for no cap)");
        }

        CatalogRules.ProductId(fields, plan.ProviderProductId);
        return fields.Ok ? plan : null;
    }

    internal static Tally.Payments.Providers.BillingInterval Interval(Fields fields, string name)
    {
        if (Intervals.Parse(name) is { } interval)
        {
            return interval;
        }

        fields.Add("interval", "must be \"month\" or \"year\"");
        return default;
    }
}
