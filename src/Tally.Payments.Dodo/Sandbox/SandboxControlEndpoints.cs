using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tally.Payments.Dodo.Sandbox;

// The hosted pages and the control routes (/sandbox/...) that tests and the demo drive.
public static partial class SandboxEndpoints
{
    private static void MapPages(RouteGroupBuilder root, DodoSandbox sandbox)
    {
        root.MapGet("/checkout/{id}", (string id) =>
            sandbox.CheckoutPage(id) is { } page
                ? Results.Content(SandboxPages.Checkout(page.Session, page.Product, page.Amount), "text/html; charset=utf-8")
                : Results.Content("<!doctype html><title>Not found</title><p>No such checkout session.</p>", "text/html; charset=utf-8", statusCode: 404));

        root.MapPost("/checkout/{id}/{action}", async (string id, string action, CancellationToken ct) =>
        {
            var delivery = new SandboxControlRequest();
            var paid = action switch
            {
                "pay" or "pay-refund" or "dispute" => await sandbox.PayAsync(id, delivery, ct),
                "fail" => await sandbox.FailAsync(id, delivery, ct),
                _ => SandboxResult<SandboxControlResponse>.NotFound($"checkout action {action}"),
            };
            if (paid.Value?.Payment is not { } payment)
                return Error(paid);

            var follow = action switch
            {
                "pay-refund" => await sandbox.RefundAsync(payment.PaymentId, new SandboxRefundRequest(), ct),
                "dispute" => await sandbox.DisputeAsync(payment.PaymentId, new SandboxDisputeRequest(), ct),
                _ => paid,
            };
            if (follow.Value is null)
                return Error(follow);

            var status = payment.Status ?? "failed";
            var returnUrl = sandbox.CheckoutPage(id)?.ReturnUrl;
            if (returnUrl is null)
                return Results.Content(SandboxPages.Result(payment.PaymentId, status), "text/html; charset=utf-8");
            var separator = returnUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var target = $"{returnUrl}{separator}payment_id={Uri.EscapeDataString(payment.PaymentId)}&status={Uri.EscapeDataString(status)}";
            // 303: the browser follows with a GET, as after Dodo's hosted checkout.
            return new SeeOther(target);
        });

        root.MapGet("/portal/{customerId}", (string customerId, HttpRequest request) =>
            sandbox.SubscriptionsOf(customerId) is { } subscriptions
                ? Results.Content(SandboxPages.Portal(customerId, subscriptions, request.Query["return_url"].FirstOrDefault()), "text/html; charset=utf-8")
                : Results.Content("<!doctype html><title>Not found</title><p>No such customer.</p>", "text/html; charset=utf-8", statusCode: 404));
    }

    private static void MapControls(RouteGroupBuilder control, DodoSandbox sandbox)
    {
        MapControl(control, "/checkouts/{id}/pay", DodoJsonContext.Default.SandboxControlRequest, sandbox.PayAsync);
        MapControl(control, "/checkouts/{id}/fail", DodoJsonContext.Default.SandboxControlRequest, sandbox.FailAsync);
        MapControl(control, "/payments/{id}/refund", DodoJsonContext.Default.SandboxRefundRequest, sandbox.RefundAsync);
        MapControl(control, "/payments/{id}/dispute", DodoJsonContext.Default.SandboxDisputeRequest, sandbox.DisputeAsync);
        MapControl(control, "/subscriptions/{id}/renew", DodoJsonContext.Default.SandboxControlRequest, sandbox.RenewAsync);
        MapControl(control, "/subscriptions/{id}/fail-renewal", DodoJsonContext.Default.SandboxControlRequest, sandbox.FailRenewalAsync);
        MapControl(control, "/subscriptions/{id}/cancel", DodoJsonContext.Default.SandboxControlRequest, sandbox.CancelAsync);
        MapControl(control, "/subscriptions/{id}/expire", DodoJsonContext.Default.SandboxControlRequest, sandbox.ExpireAsync);
        MapControl(control, "/events/{id}/redeliver", DodoJsonContext.Default.SandboxControlRequest, sandbox.RedeliverAsync);
        control.MapGet("/events", () => Results.Json(sandbox.ListEvents(), DodoJsonContext.Default.SandboxEventList));
    }

    // Every control route: an optional JSON body (empty = defaults), the operation, its answer or refusal.
    private static void MapControl<TRequest>(RouteGroupBuilder control, string pattern, JsonTypeInfo<TRequest> type,
        Func<string, TRequest, CancellationToken, Task<SandboxResult<SandboxControlResponse>>> operation)
        where TRequest : SandboxControlRequest, new() =>
        control.MapPost(pattern, async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var (body, bad) = await ReadAsync(request, type, new TRequest(), ct);
            return bad ?? Answer(await operation(id, body!, ct), DodoJsonContext.Default.SandboxControlResponse);
        });

    /// <summary>303 See Other: the browser follows with a GET.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
