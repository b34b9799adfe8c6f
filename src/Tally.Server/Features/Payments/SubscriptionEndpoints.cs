using Tally.Payments;
using Tally.Payments.Webhooks;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Payments;

/// <summary>A subscription on the wire: its plan, current period, and the credits it gave and has left this period.</summary>
public sealed record SubscriptionDto(
    string Id,
    string Account,
    string PlanId,
    string Status,
    DateTimeOffset CurrentPeriodStart,
    DateTimeOffset CurrentPeriodEnd,
    bool CancelAtPeriodEnd,
    long CreditsThisPeriod,
    long CreditsUsedThisPeriod);

public sealed record SubscriptionListResponse(IReadOnlyList<SubscriptionDto> Data);

/// <summary>GET /v1/subscriptions?account= (read scope).</summary>
public static class SubscriptionEndpoints
{
    public static void MapSubscriptions(this RouteGroupBuilder v1)
    {
        v1.MapGroup("/subscriptions").WithTags("Payments").RequireAuthorization(Policies.Read)
            .MapGet("", ListAsync)
            .WithSummary("Subscriptions (?account=), with this period's credits and how many were used");
    }

    private static async Task<Answer<SubscriptionListResponse>> ListAsync(HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        var account = http.Request.Query["account"].ToString() is { Length: > 0 } a ? a : null;
        var result = new List<SubscriptionDto>();
        foreach (var s in await store.ListSubscriptionsAsync(account, 200, ct))
        {
            var totals = await store.ReadLotTotalsAsync(s.Account, SubscriptionHandler.PeriodReference(s.Provider, s.ProviderSubscriptionId, s.PeriodStart), ct);
            result.Add(new SubscriptionDto(s.ProviderSubscriptionId, s.Account, s.PlanId, Tally.Ledger.Relational.PaymentRecordSql.Name(s.Status),
                s.PeriodStart, s.PeriodEnd, s.CancelAtPeriodEnd, totals.Granted, Math.Max(0, totals.Granted - totals.Left)));
        }

        return BytesResult.Json(200, new SubscriptionListResponse(result));
    }
}
