namespace Tally.Payments.Dodo.Wire;

// Dodo's objects as its API and webhooks carry them (snake_case on the wire, see DodoJsonContext).
// Statuses stay strings: Dodo adds values over time, and an unknown one must not fail a webhook.
// Fields Tally does not read are left out; fields Dodo always sends but Tally can live without
// are optional, so a leaner payload still maps.

/// <summary>A customer as Dodo embeds it in payments, subscriptions and refunds.</summary>
public sealed record DodoCustomer(string CustomerId, string? Email = null, string? Name = null);

/// <summary>One line of a product cart; <see cref="Amount"/> is the price of a pay-what-you-want product, in minor units.</summary>
public sealed record DodoProductCartItem(string ProductId, int Quantity, long? Amount = null);

/// <summary>A payment (<c>GET /payments/{id}</c>, data of <c>payment.*</c>).</summary>
public sealed record DodoPayment(
    string PaymentId,
    long TotalAmount,
    string Currency,
    DateTimeOffset CreatedAt,
    string? BusinessId = null,
    string? Status = null,
    DodoCustomer? Customer = null,
    Dictionary<string, string>? Metadata = null,
    string? SubscriptionId = null,
    string? CheckoutSessionId = null,
    List<DodoProductCartItem>? ProductCart = null,
    List<DodoRefund>? Refunds = null,
    List<DodoDispute>? Disputes = null,
    DateTimeOffset? UpdatedAt = null,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    int? RetryAttempt = null);

/// <summary>A refund (data of <c>refund.*</c>, and the items of a payment's <c>refunds</c>).</summary>
public sealed record DodoRefund(
    string RefundId,
    string PaymentId,
    string Status,
    DateTimeOffset CreatedAt,
    long? Amount = null,
    string? Currency = null,
    bool IsPartial = false,
    string? Reason = null,
    string? BusinessId = null,
    DodoCustomer? Customer = null,
    Dictionary<string, string>? Metadata = null);

/// <summary>A dispute (data of <c>dispute.*</c>). <see cref="Amount"/> is a string in Dodo's API.</summary>
public sealed record DodoDispute(
    string DisputeId,
    string PaymentId,
    string Amount,
    string Currency,
    string DisputeStatus,
    DateTimeOffset CreatedAt,
    string? DisputeStage = null,
    string? BusinessId = null,
    string? Remarks = null);

/// <summary>
/// A subscription (<c>GET /subscriptions/{id}</c>, data of <c>subscription.*</c>). The current
/// period is [<see cref="PreviousBillingDate"/>, <see cref="NextBillingDate"/>).
/// </summary>
public sealed record DodoSubscription(
    string SubscriptionId,
    string ProductId,
    string Status,
    DateTimeOffset PreviousBillingDate,
    DateTimeOffset NextBillingDate,
    DateTimeOffset CreatedAt,
    int Quantity = 1,
    DodoCustomer? Customer = null,
    Dictionary<string, string>? Metadata = null,
    string? Currency = null,
    long? RecurringPreTaxAmount = null,
    int? PaymentFrequencyCount = null,
    string? PaymentFrequencyInterval = null,
    int? SubscriptionPeriodCount = null,
    string? SubscriptionPeriodInterval = null,
    bool CancelAtNextBillingDate = false,
    DateTimeOffset? CancelledAt = null,
    DateTimeOffset? ExpiresAt = null,
    int? TrialPeriodDays = null,
    DodoScheduledChange? ScheduledChange = null);

/// <summary>A plan change waiting for the next billing date.</summary>
public sealed record DodoScheduledChange(
    string Id,
    string ProductId,
    int Quantity,
    DateTimeOffset EffectiveAt,
    DateTimeOffset CreatedAt,
    string? ProductName = null);
