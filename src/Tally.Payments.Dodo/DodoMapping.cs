using Tally.Payments.Dodo.Wire;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo;

/// <summary>
/// Dodo's objects to Tally's neutral records. Unknown status strings never throw: a payment or
/// refund in an unknown status counts as pending (nothing is granted or clawed back for it); a
/// subscription or dispute in an unknown status cannot be mapped safely, so its event becomes an
/// <see cref="OtherEvent"/> (returned as null here).
/// </summary>
internal static class DodoMapping
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    public static ProviderPayment ToPayment(DodoPayment p)
    {
        var refunds = new List<ProviderRefund>();
        foreach (var r in p.Refunds ?? [])
        {
            // A refund listed without an amount is the whole payment unless it says it is partial.
            var amount = r.Amount ?? (r.IsPartial ? (long?)null : p.TotalAmount);
            if (amount is { } a)
                refunds.Add(ToRefund(r, a));
        }

        var disputes = new List<ProviderDispute>();
        foreach (var d in p.Disputes ?? [])
        {
            if (ToDispute(d) is { } dispute)
                disputes.Add(dispute);
        }

        return new ProviderPayment(
            p.PaymentId,
            PaymentStatus(p.Status),
            p.TotalAmount,
            p.Currency,
            p.Customer?.CustomerId,
            p.SubscriptionId,
            p.ProductCart is [var first, ..] ? first.ProductId : null,
            p.Metadata ?? NoMetadata,
            refunds,
            disputes,
            p.CreatedAt);
    }

    /// <summary>Null when the status is one Tally does not know.</summary>
    public static ProviderSubscription? ToSubscription(DodoSubscription s) =>
        SubscriptionStatus(s.Status) is { } status
            ? new ProviderSubscription(
                s.SubscriptionId,
                s.ProductId,
                status,
                s.Customer?.CustomerId,
                s.PreviousBillingDate,
                s.NextBillingDate,
                s.CancelAtNextBillingDate,
                s.Metadata ?? NoMetadata,
                s.CreatedAt)
            : null;

    /// <summary>Throws <see cref="FormatException"/> when the refund carries no amount: clawing back an unknown amount is not a guess to make.</summary>
    public static ProviderRefund ToRefund(DodoRefund r) =>
        ToRefund(r, r.Amount ?? throw new FormatException("refund without amount"));

    /// <summary>Null when the status is one Tally does not know. Throws <see cref="FormatException"/> for an amount that is not exact minor units.</summary>
    public static ProviderDispute? ToDispute(DodoDispute d) =>
        DisputeStatus(d.DisputeStatus) is { } status
            ? new ProviderDispute(d.DisputeId, d.PaymentId, status, DisputeAmount.ToMinor(d.Amount, d.Currency), d.Currency, d.CreatedAt)
            : null;

    private static ProviderRefund ToRefund(DodoRefund r, long amount) =>
        new(r.RefundId, r.PaymentId, RefundStatus(r.Status), amount, r.Currency, r.CreatedAt);

    private static PaymentState PaymentStatus(string? status) => status switch
    {
        "succeeded" => PaymentState.Succeeded,
        "failed" => PaymentState.Failed,
        "cancelled" => PaymentState.Cancelled,
        "processing" => PaymentState.Processing,
        // requires_customer_action, requires_payment_method, requires_capture, … and any new value.
        _ => PaymentState.Pending,
    };

    private static SubscriptionState? SubscriptionStatus(string status) => status switch
    {
        "pending" => SubscriptionState.Pending,
        "active" => SubscriptionState.Active,
        "on_hold" => SubscriptionState.OnHold,
        "paused" => SubscriptionState.Paused,
        "past_due" => SubscriptionState.PastDue,
        "cancelled" => SubscriptionState.Cancelled,
        "failed" => SubscriptionState.Failed,
        "expired" => SubscriptionState.Expired,
        _ => null,
    };

    private static RefundState RefundStatus(string status) => status switch
    {
        "succeeded" => RefundState.Succeeded,
        "failed" => RefundState.Failed,
        // pending, review and any new value: not (yet) money back.
        _ => RefundState.Pending,
    };

    private static DisputeState? DisputeStatus(string status) => status switch
    {
        "dispute_opened" => DisputeState.Opened,
        "dispute_challenged" => DisputeState.Challenged,
        "dispute_won" => DisputeState.Won,
        "dispute_cancelled" => DisputeState.Cancelled,
        "dispute_lost" => DisputeState.Lost,
        "dispute_accepted" => DisputeState.Accepted,
        "dispute_expired" => DisputeState.Expired,
        _ => null,
    };
}
