using Tally.Ledger.Relational;
using Tally.Payments;
using Tally.Payments.Pricing;

namespace Tally.Server.Features.Payments;

/// <summary>POST /v1/checkout: exactly one of <c>packageId</c>, <c>planId</c>, <c>customCredits</c>. A price is never read from the caller.</summary>
public sealed record CheckoutRequestBody(string? Account, string? PackageId, string? PlanId, long? CustomCredits, string? ReturnUrl);

public sealed record CheckoutResponse(string PaymentId, string CheckoutUrl, Money Price);

/// <summary>A payment on the wire; totals are what refunds and lost disputes did.</summary>
public sealed record PaymentDto(
    string Id,
    string Account,
    string Status,
    string Kind,
    Money Price,
    long Credits,
    string? PackageId,
    string? PlanId,
    string? DodoPaymentId,
    string? DodoSubscriptionId,
    Money Refunded,
    long CreditsClawedBack,
    long CreditsUnrecovered,
    string? DisputeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static PaymentDto From(PaymentRecord p) => new(
        p.Id, p.Account, PaymentRecordSql.Name(p.Status), PaymentRecordSql.Name(p.Kind), p.Price, p.Credits, p.PackageId, p.PlanId,
        p.ProviderPaymentId, p.ProviderSubscriptionId, new Money(p.RefundedAmount, p.Price.Currency), p.ClawedBack, p.Unrecovered,
        p.DisputeStatus, p.CreatedAt, p.UpdatedAt);
}

public sealed record PaymentListResponse(IReadOnlyList<PaymentDto> Data, string? NextCursor);

/// <summary>A stored provider webhook; <c>payload</c> only when read one by one.</summary>
public sealed record WebhookEventDto(string Provider, string Id, string Type, string Status, string? Detail, int Attempts, DateTimeOffset ReceivedAt, DateTimeOffset UpdatedAt, string? Payload)
{
    public static WebhookEventDto From(WebhookEventRecord w, bool payload) =>
        new(w.Provider, w.EventId, w.Type, PaymentRecordSql.Name(w.Status), w.Detail, w.Attempts, w.ReceivedAt, w.UpdatedAt, payload ? w.Payload : null);
}

public sealed record WebhookEventListResponse(IReadOnlyList<WebhookEventDto> Data, string? NextCursor);

/// <summary>What <c>/webhooks/dodo</c> answers once the event is stored.</summary>
public sealed record WebhookAck(string Status, bool Duplicate);
