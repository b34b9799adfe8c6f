namespace Tally.Payments.Providers;

/// <summary>
/// A provider webhook event, provider-neutral. <see cref="EventId"/> is the delivery id
/// (Standard Webhooks <c>webhook-id</c>): duplicates share it. Payloads carry the object's
/// latest state at delivery time, not at emission: effects must be keyed on the object ids
/// (payment, refund, dispute, subscription + period start), never on the event's story.
/// </summary>
public abstract record ProviderEvent(string EventId, string Type, DateTimeOffset OccurredAt);

/// <summary><c>payment.*</c>: the payment as it is now.</summary>
public sealed record PaymentEvent(string EventId, string Type, DateTimeOffset OccurredAt, ProviderPayment Payment)
    : ProviderEvent(EventId, Type, OccurredAt);

/// <summary><c>subscription.*</c>: the subscription as it is now.</summary>
public sealed record SubscriptionEvent(string EventId, string Type, DateTimeOffset OccurredAt, ProviderSubscription Subscription)
    : ProviderEvent(EventId, Type, OccurredAt);

/// <summary><c>refund.*</c>.</summary>
public sealed record RefundEvent(string EventId, string Type, DateTimeOffset OccurredAt, ProviderRefund Refund)
    : ProviderEvent(EventId, Type, OccurredAt);

/// <summary><c>dispute.*</c> (no customer on it: map through the payment id).</summary>
public sealed record DisputeEvent(string EventId, string Type, DateTimeOffset OccurredAt, ProviderDispute Dispute)
    : ProviderEvent(EventId, Type, OccurredAt);

/// <summary>Any other type: stored and acknowledged, never applied.</summary>
public sealed record OtherEvent(string EventId, string Type, DateTimeOffset OccurredAt)
    : ProviderEvent(EventId, Type, OccurredAt);

public enum PaymentState
{
    Pending,
    Processing,
    Succeeded,
    Failed,
    Cancelled,
}

public sealed record ProviderPayment(
    string PaymentId,
    PaymentState Status,
    long TotalAmountMinor,
    string Currency,
    string? CustomerId,
    string? SubscriptionId,
    string? ProductId,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<ProviderRefund> Refunds,
    IReadOnlyList<ProviderDispute> Disputes,
    DateTimeOffset CreatedAt);

public enum SubscriptionState
{
    Pending,
    Active,
    OnHold,
    Paused,
    PastDue,
    Cancelled,
    Failed,
    Expired,
}

/// <summary>A subscription; the current period is [<see cref="PeriodStart"/>, <see cref="PeriodEnd"/>) (Dodo: previous/next billing date).</summary>
public sealed record ProviderSubscription(
    string SubscriptionId,
    string ProductId,
    SubscriptionState Status,
    string? CustomerId,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    bool CancelAtPeriodEnd,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt);

public enum RefundState
{
    Pending,
    Succeeded,
    Failed,
}

public sealed record ProviderRefund(string RefundId, string PaymentId, RefundState Status, long AmountMinor, string? Currency, DateTimeOffset CreatedAt);

public enum DisputeState
{
    Opened,
    Challenged,
    Won,
    Cancelled,
    Lost,
    Accepted,
    Expired,
}

public sealed record ProviderDispute(string DisputeId, string PaymentId, DisputeState Status, long AmountMinor, string? Currency, DateTimeOffset CreatedAt);
