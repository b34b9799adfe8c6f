using Tally.Payments.Pricing;

namespace Tally.Payments;

/// <summary>What a payment buys: a credit package, a subscription plan, or a custom number of credits.</summary>
public enum PaymentKind
{
    Package,
    Plan,
    Custom,
}

/// <summary>Where a payment stands, as Tally has applied it.</summary>
public enum PaymentStatus
{
    /// <summary>Checkout opened; nothing paid yet.</summary>
    Pending,

    /// <summary>Paid; its credits granted (or, for a plan, the subscription's periods grant them).</summary>
    Succeeded,

    Failed,

    Cancelled,

    /// <summary>Part of the amount was refunded (credits clawed back in proportion).</summary>
    PartiallyRefunded,

    /// <summary>The whole amount was refunded.</summary>
    Refunded,
}

/// <summary>
/// One payment as Tally knows it. <see cref="Credits"/> is what it grants (0 for a plan: the
/// subscription's periods grant). Refunds and disputes add up in <see cref="RefundedAmount"/>,
/// <see cref="ClawedBack"/> (credits taken back) and <see cref="Unrecovered"/> (credits that were
/// already spent when the clawback came, under the clamp policy).
/// </summary>
public sealed record PaymentRecord(
    string Id,
    string Account,
    PaymentKind Kind,
    string? PackageId,
    string? PlanId,
    long Credits,
    Money Price,
    PaymentStatus Status,
    string Provider,
    string? ProviderPaymentId,
    string? ProviderSubscriptionId,
    string? CheckoutSessionId,
    long RefundedAmount,
    long ClawedBack,
    long Unrecovered,
    string? DisputeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>How a stored provider webhook was handled.</summary>
public enum WebhookEventStatus
{
    /// <summary>Stored; its effect not (yet) applied — a retry applies it.</summary>
    Received,

    /// <summary>Its effect is in the ledger.</summary>
    Applied,

    /// <summary>Nothing to do (unknown type, stale state, unmatched payment): acknowledged.</summary>
    Ignored,

    /// <summary>Applying it failed; the provider was answered 5xx and will retry.</summary>
    Failed,
}

/// <summary>A provider webhook, stored once by its delivery id.</summary>
public sealed record WebhookEventRecord(
    string Provider,
    string EventId,
    string Type,
    WebhookEventStatus Status,
    string? Detail,
    string Payload,
    int Attempts,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt);

/// <summary>What a refund or dispute did to a payment.</summary>
public enum PaymentEffectKind
{
    /// <summary>A refund: <c>Amount</c> refunded, <c>Credits</c> clawed back.</summary>
    Refund,

    /// <summary>A dispute lost: <c>Credits</c> clawed back (net of refunds).</summary>
    DisputeLost,

    /// <summary>A dispute opened and the account frozen for it.</summary>
    Restrict,

    /// <summary>A dispute won or cancelled and the account unfrozen.</summary>
    Restore,
}

/// <summary>One effect, stored once under the key its ledger request used.</summary>
public sealed record PaymentEffect(string Key, string PaymentId, PaymentEffectKind Kind, long Amount, long Credits, long Unrecovered, DateTimeOffset At);

/// <summary>A subscription as Tally last applied it: its plan and current period [start, end).</summary>
public sealed record SubscriptionRecord(
    string Provider,
    string ProviderSubscriptionId,
    string Account,
    string PlanId,
    Providers.SubscriptionState Status,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    bool CancelAtPeriodEnd,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>What a set of lots was given and had left (now, or when they expired).</summary>
public readonly record struct LotTotals(long Granted, long Left);
