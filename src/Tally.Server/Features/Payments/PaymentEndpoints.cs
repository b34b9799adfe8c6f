using Tally.Payments;
using Tally.Payments.Reconciliation;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Payments;

/// <summary>Payments as Tally has applied them (read scope).</summary>
public static class PaymentEndpoints
{
    /// <summary>Page sizes of the payment and stored-webhook lists.</summary>
    public const int DefaultLimit = 50;

    public const int MaxLimit = 200;

    public static void MapPayments(this RouteGroupBuilder v1)
    {
        var payments = v1.MapGroup("/payments").WithTags("Payments").RequireAuthorization(Policies.Read);
        payments.MapGet("", ListAsync)
            .WithSummary("Payments, newest first: ?account=&limit=50&cursor=");
        payments.MapPost("/reconcile", ReconcileAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Ask the provider now about pending payments and lapsed subscriptions and apply what a lost webhook would have");
        payments.MapGet("/{id}", GetAsync)
            .WithSummary("One payment: status, credits, provider ids, refunded and clawed-back totals");
    }

    [Refusals(400)]
    private static async Task<Answer<PaymentListResponse>> ListAsync(HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        var query = http.Request.Query;
        var (limit, limitProblem) = Requests.Limit(query, DefaultLimit, MaxLimit);
        if (limitProblem is not null)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "limit", limitProblem));
        }

        var account = query["account"].ToString() is { Length: > 0 } a ? a : null;
        var cursor = query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        var rows = await store.ListPaymentsAsync(account, cursor, limit + 1, ct);
        var page = rows.Take(limit).Select(PaymentDto.From).ToList();
        return BytesResult.Json(200, new PaymentListResponse(page, rows.Count > limit ? page[^1].Id : null));
    }

    private static async Task<Answer<ReconcileReport>> ReconcileAsync(Reconciler reconciler, CancellationToken ct) =>
        BytesResult.Json(200, await reconciler.RunAsync(ct));

    [Refusals(404)]
    private static async Task<Answer<PaymentDto>> GetAsync(string id, HttpContext http, IPaymentStore store, CancellationToken ct) =>
        await store.FindPaymentAsync(id, ct) is { } payment
            ? BytesResult.Json(200, PaymentDto.From(payment))
            : Requests.NotFound(http, "payment", id);
}
