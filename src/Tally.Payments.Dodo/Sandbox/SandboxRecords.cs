using Tally.Payments.Dodo.Wire;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo.Sandbox;

// The sandbox's mutable state. Every instance is read and written only under DodoSandbox's lock;
// what leaves the lock is a Dodo wire record made by ToDodo().

internal sealed record SandboxProductRecord(string Id, string Name, long Price, string Currency, BillingInterval? Interval, bool PayWhatYouWant)
{
    public SandboxProduct ToWire() => new(Id, Name, Price, Currency, Interval?.ToString(), PayWhatYouWant);

    /// <summary>The end of a period of this product starting at <paramref name="start"/>: exactly one interval later.</summary>
    public DateTimeOffset PeriodEnd(DateTimeOffset start) => Interval switch
    {
        BillingInterval.Month => start.AddMonths(1),
        BillingInterval.Year => start.AddYears(1),
        _ => throw new InvalidOperationException($"product {Id} is not recurring"),
    };
}

internal sealed class SandboxSession(string id, string productId, long amount, string currency, DodoCustomer customer,
    Dictionary<string, string> metadata, string? returnUrl, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string ProductId { get; } = productId;

    public long Amount { get; } = amount;

    public string Currency { get; } = currency;

    public DodoCustomer Customer { get; } = customer;

    public Dictionary<string, string> Metadata { get; } = metadata;

    public string? ReturnUrl { get; } = returnUrl;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public SandboxPayment? Payment { get; set; }

    public DodoCheckoutStatus ToDodo() =>
        new(Id, CreatedAt, Customer.Email, Customer.Name, Payment?.Id, Payment?.Status);
}

internal sealed class SandboxPayment
{
    public required string Id { get; init; }

    public required string BusinessId { get; init; }

    public required long Total { get; init; }

    public required string Currency { get; init; }

    public required string Status { get; set; }

    public required DodoCustomer Customer { get; init; }

    public required Dictionary<string, string> Metadata { get; init; }

    public required string ProductId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? SessionId { get; init; }

    public string? SubscriptionId { get; init; }

    public int RetryAttempt { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public List<DodoRefund> Refunds { get; } = [];

    public List<SandboxDispute> Disputes { get; } = [];

    /// <summary>What is left to refund: the total less every succeeded refund.</summary>
    public long Refundable => Total - Refunds.Where(r => r.Status == "succeeded").Sum(r => r.Amount ?? 0);

    public DodoPayment ToDodo() => new(
        Id, Total, Currency, CreatedAt,
        BusinessId: BusinessId,
        Status: Status,
        Customer: Customer,
        Metadata: new Dictionary<string, string>(Metadata),
        SubscriptionId: SubscriptionId,
        CheckoutSessionId: SessionId,
        ProductCart: [new DodoProductCartItem(ProductId, 1)],
        Refunds: [.. Refunds],
        Disputes: [.. Disputes.Select(d => d.ToDodo())],
        UpdatedAt: UpdatedAt,
        ErrorCode: ErrorCode,
        ErrorMessage: ErrorMessage,
        RetryAttempt: RetryAttempt);
}

internal sealed class SandboxDispute
{
    public required string Id { get; init; }

    public required string BusinessId { get; init; }

    public required string PaymentId { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string Status { get; set; }

    // Dodo sends the amount as a string; the sandbox sends minor units as digits.
    public DodoDispute ToDodo() => new(Id, PaymentId, Amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Currency, Status, CreatedAt, DisputeStage: "dispute", BusinessId: BusinessId);
}

internal sealed class SandboxSubscription
{
    public required string Id { get; init; }

    public required DodoCustomer Customer { get; init; }

    public required Dictionary<string, string> Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required SandboxProductRecord Product { get; set; }

    public required string Status { get; set; }

    public required DateTimeOffset PreviousBillingDate { get; set; }

    public required DateTimeOffset NextBillingDate { get; set; }

    public bool CancelAtNextBillingDate { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DodoScheduledChange? ScheduledChange { get; set; }

    public DodoSubscription ToDodo() => new(
        Id, Product.Id, Status, PreviousBillingDate, NextBillingDate, CreatedAt,
        Quantity: 1,
        Customer: Customer,
        Metadata: new Dictionary<string, string>(Metadata),
        Currency: Product.Currency,
        RecurringPreTaxAmount: Product.Price,
        PaymentFrequencyCount: 1,
        PaymentFrequencyInterval: Product.Interval?.ToString(),
        SubscriptionPeriodCount: 10,
        SubscriptionPeriodInterval: "Year",
        CancelAtNextBillingDate: CancelAtNextBillingDate,
        CancelledAt: CancelledAt,
        ExpiresAt: ExpiresAt,
        TrialPeriodDays: 0,
        ScheduledChange: ScheduledChange);
}
