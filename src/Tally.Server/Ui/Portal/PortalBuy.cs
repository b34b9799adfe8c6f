using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Checkout;
using Tally.Payments.Dodo;
using Tally.Server.Auth;
using Tally.Server.Features.Payments;
using Tally.Server.Http;

namespace Tally.Server.Ui.Portal;

/// <summary>The Buy form: one of a package, a plan or a number of credits, and the form's one-time key.</summary>
public sealed class PortalBuyForm
{
    public string? PackageId { get; set; }

    public string? PlanId { get; set; }

    public string? Credits { get; set; }

    /// <summary>Rendered into the form (a version 7 GUID): it becomes the payment's id, so a double submit opens one checkout.</summary>
    public string? Key { get; set; }
}

/// <summary>
/// The portal's Buy page (<c>/portal/buy</c>): packages, plans and the custom-amount builder; a
/// Buy opens the checkout through <see cref="CheckoutService"/> (as <c>POST /v1/checkout</c> does)
/// and the provider sends the customer back to <c>/portal/checkout/result</c>.
/// </summary>
public static class PortalBuy
{
    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/buy", (string? credits, HttpContext http, IPaymentStore store, PaymentSettings payments, CancellationToken ct) =>
            PageAsync(http, store, payments, credits, null, StatusCodes.Status200OK, ct));
        pages.MapGet("/quote", PortalQuote.Json);
        pages.MapPost("/buy", BuyAsync);
        pages.MapGet("/checkout/result", ResultAsync);
        pages.MapGet("/payments/{id}/status", StatusAsync);
    }

    /// <summary>A payment id from a form key: <c>pay_</c> and the key's 32 hex digits, or null when it is not a key this page made.</summary>
    public static string? PaymentIdOf(string? key) =>
        Guid.TryParseExact(key, "N", out var guid) && guid.Version == 7 ? "pay_" + guid.ToString("N") : null;

    private static async Task<IResult> PageAsync(HttpContext http, IPaymentStore store, PaymentSettings payments, string? credits, string? formError, int status, CancellationToken ct)
    {
        var (quote, error) = PortalQuote.Of(credits, payments.Pricing);
        return UiEndpoints.Page<PortalBuyPage>(new
        {
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Packages = (await store.ReadPackagesAsync(ct)).Where(p => p.Active).OrderBy(p => p.SortOrder).ThenBy(p => p.Id, StringComparer.Ordinal).ToList(),
            Plans = (await store.ReadPlansAsync(ct)).Where(p => p.Active).OrderBy(p => p.Price.Amount).ThenBy(p => p.Id, StringComparer.Ordinal).ToList(),
            Pricing = payments.Pricing,
            Credits = credits is { Length: <= 30 } ? credits : null,
            Quote = quote,
            CreditsError = error,
            FormError = formError,
        }, status);
    }

    private static async Task<IResult> BuyAsync([FromForm] PortalBuyForm form, HttpContext http, CheckoutService checkouts, IPaymentStore store, PaymentSettings payments, PaymentMode mode, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        if (!mode.Enabled)
        {
            return await PageAsync(http, store, payments, null, "Buying is not available right now: payments are not set up on this server.", StatusCodes.Status503ServiceUnavailable, ct);
        }

        if (PaymentIdOf(form.Key) is not { } paymentId)
        {
            return await PageAsync(http, store, payments, null, "This form has expired. Choose again.", StatusCodes.Status400BadRequest, ct);
        }

        // A second submit of the same form: the checkout is already open, show where it stands.
        if (await store.FindPaymentAsync(paymentId, ct) is { } existing)
        {
            return existing.Account == account
                ? SeeOther(ResultPath(paymentId))
                : await PageAsync(http, store, payments, null, "This form has expired. Choose again.", StatusCodes.Status400BadRequest, ct);
        }

        long? credits = null;
        var packageId = form.PackageId is { Length: > 0 } p ? p : null;
        var planId = form.PlanId is { Length: > 0 } q ? q : null;
        if (packageId is null && planId is null)
        {
            var (quote, _) = PortalQuote.Of(form.Credits ?? "", payments.Pricing);
            if (quote is null)
            {
                return await PageAsync(http, store, payments, form.Credits ?? "", null, StatusCodes.Status400BadRequest, ct);
            }

            credits = quote.Credits;
        }
        else if (packageId is not null && planId is not null)
        {
            return await PageAsync(http, store, payments, null, "Choose one package or plan.", StatusCodes.Status400BadRequest, ct);
        }

        var returnUrl = new Uri(UiBase.Of(http) + ResultPath(paymentId));
        try
        {
            var (opened, refusal) = await checkouts.OpenAsync(new CheckoutOrder(account, packageId, planId, credits, returnUrl, paymentId), ct);
            if (refusal is not null)
            {
                return refusal.Field == "customCredits"
                    ? await PageAsync(http, store, payments, form.Credits, null, StatusCodes.Status400BadRequest, ct)
                    : await PageAsync(http, store, payments, null, refusal.NotFound ? "That is no longer for sale." : "That cannot be bought right now.", refusal.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest, ct);
            }

            return SeeOther(opened!.CheckoutUrl.AbsoluteUri);
        }
        catch (Exception e) when (e is PaymentProviderException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return await PageAsync(http, store, payments, null, "The payment provider could not open the checkout. Try again in a moment.", StatusCodes.Status502BadGateway, ct);
        }
    }

    private static string ResultPath(string paymentId) => "/portal/checkout/result?payment=" + Uri.EscapeDataString(paymentId);

    /// <summary>303 See Other: the browser follows with a GET (post, redirect, get).</summary>
    public static IResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static async Task<IResult> ResultAsync(string? payment, HttpContext http, IPaymentStore store, LedgerGateway gateway, ClientTokens tokens, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var record = payment is { Length: > 0 and <= 100 } ? await store.FindPaymentAsync(payment, ct) : null;
        if (record is null || record.Account != account)
        {
            return UiEndpoints.Page<PortalResultPage>(new { ReturnUrl = PortalPages.ReturnUrlOf(http), Account = account }, StatusCodes.Status404NotFound);
        }

        return UiEndpoints.Page<PortalResultPage>(new
        {
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Account = account,
            Token = await PortalBalance.StreamTokenAsync(tokens, account, ct),
            Balances = PortalBalance.Balances(await gateway.Ledger.GetAccountAsync(account, ct)),
            Payment = record,
            Status = StatusName(record.Status),
            Message = Message(record),
        });
    }

    /// <summary><c>GET /portal/payments/{id}/status</c>: where the session's own payment stands (404 for anyone else's).</summary>
    private static async Task<IResult> StatusAsync(string id, HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var record = id.Length <= 100 ? await store.FindPaymentAsync(id, ct) : null;
        if (record is null || record.Account != account)
        {
            return Results.Text(new JsonObject { ["error"] = "no such payment" }.ToJsonString(), "application/json; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }

        return Results.Text(new JsonObject { ["status"] = StatusName(record.Status), ["message"] = Message(record) }.ToJsonString(), "application/json; charset=utf-8");
    }

    /// <summary>The payment status's wire name (pending, succeeded, partially_refunded, …).</summary>
    public static string StatusName(PaymentStatus status) => Tally.Ledger.Relational.PaymentRecordSql.Name(status);

    /// <summary>What the result page says about a payment.</summary>
    public static string Message(PaymentRecord payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment.Status switch
        {
            PaymentStatus.Pending => "Waiting for the payment to be confirmed…",
            PaymentStatus.Succeeded when payment.Kind == PaymentKind.Plan => "Payment received: your subscription is active.",
            PaymentStatus.Succeeded => $"Payment received: {PortalFormat.Credits(payment.Credits)} credits added.",
            PaymentStatus.Failed => "The payment did not go through. Nothing was charged.",
            PaymentStatus.Cancelled => "The checkout was cancelled. Nothing was charged.",
            _ => "This payment was refunded.",
        };
    }

    internal static string Credits(CreditPackage package) =>
        package.BonusCredits > 0
            ? $"{PortalFormat.Credits(package.Credits)} + {PortalFormat.Credits(package.BonusCredits)} bonus"
            : PortalFormat.Credits(package.Credits);

    internal static string Interval(Payments.Providers.BillingInterval interval) =>
        interval == Payments.Providers.BillingInterval.Year ? "year" : "month";
}
