using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Dodo;
using Tally.Payments.Providers;
using Tally.Payments.Webhooks;

namespace Tally.Server.Ui.Portal;

/// <summary>The current subscription on the portal: its plan, period and this period's credits.</summary>
public sealed record PortalPlanUsage(SubscriptionRecord Subscription, SubscriptionPlan? Plan, long Credits, long Used)
{
    /// <summary>Whole percent of this period's credits used (0 when the period gave none).</summary>
    public int Percent => Credits <= 0 ? 0 : (int)Math.Min(100, Used * 100 / Credits);

    /// <summary>The bar's colour: green under 75 %, amber from 75 %, red from 90 %.</summary>
    public string Level => Percent >= PortalSubscription.RedAt ? "red" : Percent >= PortalSubscription.AmberAt ? "amber" : "green";

    /// <summary>The seed's rule: warn from 80 % used.</summary>
    public bool Warn => Percent >= PortalSubscription.WarnAt;
}

/// <summary>
/// The portal's Subscription page (<c>/portal/subscription</c>): plan, this period's credits used
/// as a bar, the renewal date, and "Manage billing", which opens the payment provider's customer
/// portal (the sandbox's page in the demo) for changing plan or cancelling.
/// </summary>
public static class PortalSubscription
{
    public const int AmberAt = 75;
    public const int WarnAt = 80;
    public const int RedAt = 90;

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/subscription", PageAsync);
        pages.MapPost("/subscription/manage", ManageAsync);
    }

    /// <summary>The account's live subscription (active, on hold or past due), newest first; null when none.</summary>
    public static async Task<SubscriptionRecord?> CurrentAsync(IPaymentStore store, string account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.ListSubscriptionsAsync(account, 20, ct))
            .FirstOrDefault(s => s.Status is SubscriptionState.Active or SubscriptionState.OnHold or SubscriptionState.PastDue or SubscriptionState.Paused);
    }

    private static async Task<IResult> PageAsync(string? error, HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var usage = await UsageAsync(store, account, ct);
        return UiEndpoints.Page<PortalSubscriptionPage>(new
        {
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Usage = usage,
            Error = error == "billing" ? "The billing page could not be opened. Try again in a moment." : null,
        });
    }

    private static async Task<PortalPlanUsage?> UsageAsync(IPaymentStore store, string account, CancellationToken ct)
    {
        if (await CurrentAsync(store, account, ct) is not { } subscription)
        {
            return null;
        }

        var plan = (await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == subscription.PlanId);
        var totals = await store.ReadLotTotalsAsync(account, SubscriptionHandler.PeriodReference(subscription.Provider, subscription.ProviderSubscriptionId, subscription.PeriodStart), ct);
        return new PortalPlanUsage(subscription, plan, totals.Granted, Math.Max(0, totals.Granted - totals.Left));
    }

    /// <summary>Opens the provider's customer portal for the subscription's customer, returning to this page.</summary>
    private static async Task<IResult> ManageAsync(HttpContext http, IPaymentStore store, IPaymentProvider provider, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        if (await CurrentAsync(store, account, ct) is not { } subscription)
        {
            return PortalBuy.SeeOther("/portal/subscription");
        }

        try
        {
            var known = await provider.GetSubscriptionAsync(subscription.ProviderSubscriptionId, ct);
            if (known?.CustomerId is not { } customer)
            {
                return PortalBuy.SeeOther("/portal/subscription?error=billing");
            }

            var link = await provider.CustomerPortalAsync(customer, new Uri(UiBase.Of(http) + "/portal/subscription"), ct);
            return PortalBuy.SeeOther(link.AbsoluteUri);
        }
        catch (Exception e) when (e is PaymentProviderException or HttpRequestException or InvalidOperationException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return PortalBuy.SeeOther("/portal/subscription?error=billing");
        }
    }
}
