using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo.Sandbox;

// A subscription's life: renewals, failed renewals, plan changes and cancellations.
public sealed partial class DodoSandbox
{
    private static readonly string[] ProrationModes = ["prorated_immediately", "full_immediately", "difference_immediately", "do_not_bill"];

    /// <summary>
    /// The end of the current period. An active (or on-hold) subscription is charged for the next
    /// period, exactly one interval long, starting where the last ended, after applying a scheduled
    /// plan change: a payment carrying the subscription id → <c>payment.succeeded</c>, then
    /// <c>subscription.renewed</c> (<c>subscription.active</c> when it recovers from on hold). A
    /// subscription set to cancel at the next billing date ends instead: <c>subscription.cancelled</c>,
    /// then <c>subscription.expired</c>, and no charge.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> RenewAsync(string subscriptionId, SandboxControlRequest delivery, CancellationToken ct) =>
        RunAsync("renew", delivery, emission =>
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var s))
                return SandboxResult<SandboxControlResponse>.NotFound($"subscription {subscriptionId}");
            if (s.Status is not ("active" or "on_hold"))
                return SandboxResult<SandboxControlResponse>.Conflict($"a {s.Status} subscription does not renew");
            emission.Subscription = s;

            if (s.CancelAtNextBillingDate)
            {
                s.Status = "cancelled";
                s.CancelledAt = Now;
                emission.Emit("subscription.cancelled", s);
                s.Status = "expired";
                s.ExpiresAt = s.NextBillingDate;
                emission.Emit("subscription.expired", s);
                return null;
            }

            if (s.ScheduledChange is { } change)
            {
                s.Product = _products[change.ProductId];
                s.ScheduledChange = null;
            }

            var recovering = s.Status == "on_hold";
            s.PreviousBillingDate = s.NextBillingDate;
            s.NextBillingDate = s.Product.PeriodEnd(s.PreviousBillingDate);
            s.Status = "active";
            var payment = NewPayment(s.Product.Price, s.Product.Currency, s.Customer, s.Metadata, s.Product.Id, "succeeded",
                sessionId: null, s.Id);
            emission.Payment = payment;
            emission.Emit("payment.succeeded", payment);
            emission.Emit(recovering ? "subscription.active" : "subscription.renewed", s);
            return null;
        }, ct);

    /// <summary>A renewal charge that fails: a failed payment carrying the subscription id → <c>payment.failed</c>, then <c>subscription.on_hold</c>; the period does not move.</summary>
    public Task<SandboxResult<SandboxControlResponse>> FailRenewalAsync(string subscriptionId, SandboxControlRequest delivery, CancellationToken ct) =>
        RunAsync("fail-renewal", delivery, emission =>
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var s))
                return SandboxResult<SandboxControlResponse>.NotFound($"subscription {subscriptionId}");
            if (s.Status != "active")
                return SandboxResult<SandboxControlResponse>.Conflict($"a {s.Status} subscription does not renew");
            var payment = NewPayment(s.Product.Price, s.Product.Currency, s.Customer, s.Metadata, s.Product.Id, "failed",
                sessionId: null, s.Id, retryAttempt: 1, errorCode: "INSUFFICIENT_FUNDS", errorMessage: "The sandbox declined the renewal.");
            s.Status = "on_hold";
            emission.Payment = payment;
            emission.Subscription = s;
            emission.Emit("payment.failed", payment);
            emission.Emit("subscription.on_hold", s);
            return null;
        }, ct);

    /// <summary>Cancels a subscription now → <c>subscription.cancelled</c>.</summary>
    public Task<SandboxResult<SandboxControlResponse>> CancelAsync(string subscriptionId, SandboxControlRequest delivery, CancellationToken ct) =>
        EndAsync(subscriptionId, "cancelled", delivery, ct);

    /// <summary>Ends a subscription now → <c>subscription.expired</c>.</summary>
    public Task<SandboxResult<SandboxControlResponse>> ExpireAsync(string subscriptionId, SandboxControlRequest delivery, CancellationToken ct) =>
        EndAsync(subscriptionId, "expired", delivery, ct);

    /// <summary>
    /// <c>POST /subscriptions/{id}/change-plan</c>. Effective immediately: the product switches now,
    /// and unless the mode is do_not_bill a payment is charged (difference_immediately: the price
    /// difference when positive; full_immediately: the new price; prorated_immediately: the
    /// difference for the rest of the period, rounded down) → <c>payment.succeeded</c>; then
    /// <c>subscription.plan_changed</c>. Effective at next_billing_date: <c>scheduled_change</c> is
    /// set (applied at the next renewal) → <c>subscription.plan_changed</c>.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> ChangePlanAsync(string subscriptionId, DodoChangePlanRequest request,
        SandboxControlRequest delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync("change-plan", delivery, emission =>
        {
            if (!ProrationModes.Contains(request.ProrationBillingMode))
                return SandboxResult<SandboxControlResponse>.Invalid($"proration_billing_mode must be one of {string.Join(", ", ProrationModes)}");
            if (request.EffectiveAt is not (null or "immediately" or "next_billing_date"))
                return SandboxResult<SandboxControlResponse>.Invalid("effective_at must be immediately or next_billing_date");
            if (request.Quantity != 1)
                return SandboxResult<SandboxControlResponse>.Invalid("the sandbox sells quantity 1");
            if (!_subscriptions.TryGetValue(subscriptionId, out var s))
                return SandboxResult<SandboxControlResponse>.NotFound($"subscription {subscriptionId}");
            if (s.Status != "active")
                return SandboxResult<SandboxControlResponse>.Conflict($"a {s.Status} subscription cannot change plan");
            if (!_products.TryGetValue(request.ProductId, out var product))
                return SandboxResult<SandboxControlResponse>.NotFound($"product {request.ProductId}");
            if (product.Interval is null)
                return SandboxResult<SandboxControlResponse>.Invalid("a subscription can change only to a subscription product");
            emission.Subscription = s;

            if (request.EffectiveAt == "next_billing_date")
            {
                s.ScheduledChange = new DodoScheduledChange(NewId("sch"), product.Id, 1, s.NextBillingDate, Now, product.Name);
                emission.Emit("subscription.plan_changed", s);
                return null;
            }

            var charge = PlanChangeCharge(request.ProrationBillingMode, s, product);
            s.Product = product;
            s.ScheduledChange = null;
            if (charge > 0)
            {
                var payment = NewPayment(charge, product.Currency, s.Customer, s.Metadata, product.Id, "succeeded", sessionId: null, s.Id);
                emission.Payment = payment;
                emission.Emit("payment.succeeded", payment);
            }

            emission.Emit("subscription.plan_changed", s);
            return null;
        }, ct);
    }

    /// <summary>
    /// <c>PATCH /subscriptions/{id}</c> with <c>cancel_at_next_billing_date</c>: toggling it fires
    /// <c>subscription.plan_changed</c>, as Dodo does; setting it to what it already is fires nothing.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> PatchAsync(string subscriptionId, DodoSubscriptionPatch patch,
        SandboxControlRequest delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return RunAsync("patch", delivery, emission =>
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var s))
                return SandboxResult<SandboxControlResponse>.NotFound($"subscription {subscriptionId}");
            emission.Subscription = s;
            if (patch.CancelAtNextBillingDate is { } cancel && cancel != s.CancelAtNextBillingDate)
            {
                if (s.Status is not ("active" or "on_hold"))
                    return SandboxResult<SandboxControlResponse>.Conflict($"a {s.Status} subscription has no next billing date");
                s.CancelAtNextBillingDate = cancel;
                emission.Emit("subscription.plan_changed", s);
            }

            return null;
        }, ct);
    }

    private Task<SandboxResult<SandboxControlResponse>> EndAsync(string subscriptionId, string status, SandboxControlRequest delivery, CancellationToken ct) =>
        RunAsync(status == "cancelled" ? "cancel" : "expire", delivery, emission =>
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var s))
                return SandboxResult<SandboxControlResponse>.NotFound($"subscription {subscriptionId}");
            if (s.Status is "cancelled" or "expired")
                return SandboxResult<SandboxControlResponse>.Conflict($"the subscription is already {s.Status}");
            s.Status = status;
            if (status == "cancelled")
                s.CancelledAt = Now;
            else
                s.ExpiresAt = Now;
            emission.Subscription = s;
            emission.Emit("subscription." + status, s);
            return null;
        }, ct);

    // Called under the lock. Integer minor units; the prorated share rounds down (the buyer's favour).
    private long PlanChangeCharge(string mode, SandboxSubscription s, SandboxProductRecord product)
    {
        var difference = product.Price - s.Product.Price;
        switch (mode)
        {
            case "full_immediately":
                return product.Price;
            case "difference_immediately":
                return Math.Max(0, difference);
            case "prorated_immediately" when difference > 0:
                var period = (s.NextBillingDate - s.PreviousBillingDate).Ticks;
                var left = Math.Clamp((s.NextBillingDate - Now).Ticks, 0, period);
                return (long)(new Int128(0, (ulong)difference) * left / period);
            default:
                return 0;
        }
    }
}
