using Tally.Ledger;
using Tally.Ledger.Engine;
using Tally.Payments.Checkout;
using Tally.Payments.Dodo;
using Tally.Server.Auth;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Payments;

/// <summary>POST /v1/checkout: an admin key for any account, or a client token for its own.</summary>
public static class CheckoutEndpoints
{
    public static void MapCheckout(this RouteGroupBuilder v1)
    {
        v1.MapPost("/checkout", CheckoutAsync).WithTags("Payments").RequireAuthorization(Policies.AdminOrClientToken).Audited()
            .Accepts<CheckoutRequestBody>("application/json")
            .WithSummary("Open a hosted checkout for a package, a plan or a custom number of credits; the server prices it");
    }

    [Refusals(400, 403, 404, 502, 503)]
    private static async Task<CreatedAnswer<CheckoutResponse>> CheckoutAsync(HttpContext http, CreditLedger ledger, CheckoutService checkouts, HttpIdempotency idempotency, PaymentMode mode, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<CheckoutRequestBody>(http, async body =>
        {
            if (!mode.Enabled)
            {
                return Problems.Result(http, StatusCodes.Status503ServiceUnavailable, "payments_disabled", DisabledPaymentProvider.Reason);
            }

            var r = body.Value;
            var fields = new Fields(ledger);
            var account = fields.Required(r.Account, "account");
            fields.Check("account", account is null ? null : FieldRules.AccountId(account));
            var chosen = new object?[] { r.PackageId, r.PlanId, r.CustomCredits }.Count(x => x is not null);
            if (chosen != 1)
            {
                fields.Add("packageId", "give exactly one of packageId, planId or customCredits");
            }

            Uri? returnUrl = null;
            if (r.ReturnUrl is not null && (!Uri.TryCreate(r.ReturnUrl, UriKind.Absolute, out returnUrl) || returnUrl.Scheme is not ("http" or "https")))
            {
                fields.Add("returnUrl", "must be an absolute http(s) URL");
            }

            if (!fields.Ok)
            {
                return fields.Problem(http);
            }

            if (TallyClaims.IsClientToken(http.User) && http.User.FindFirst(TallyClaims.Account)?.Value != account)
            {
                return Problems.Result(http, StatusCodes.Status403Forbidden, "forbidden", "a client token may open a checkout for its own account only");
            }

            try
            {
                var (opened, refusal) = await checkouts.OpenAsync(new CheckoutOrder(account!, r.PackageId, r.PlanId, r.CustomCredits, returnUrl), ct);
                if (refusal is not null)
                {
                    return refusal.NotFound
                        ? Problems.Result(http, StatusCodes.Status404NotFound, "not_found", refusal.Reason)
                        : Problems.Result(Problems.Validation(Problems.TraceId(http), refusal.Field, refusal.Reason));
                }

                return BytesResult.Json(201, new CheckoutResponse(opened!.Payment.Id, opened.CheckoutUrl.AbsoluteUri, opened.Payment.Price));
            }
            catch (Exception e) when (e is PaymentProviderException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return Problems.Result(http, StatusCodes.Status502BadGateway, "provider_unavailable", $"the payment provider could not open the checkout: {e.Message}");
            }
        });
}
