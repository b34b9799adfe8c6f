using Tally.Ledger.Relational;
using Tally.Ledger.Webhooks;
using Tally.Server.Contracts;
using Tally.Server.Features.Payments;

namespace Tally.Server.Features.Webhooks;

/// <summary>POST /v1/webhook-endpoints: where to send, which event types (<c>["*"]</c> = all).</summary>
public sealed record WebhookEndpointRequest(string? Url, string[]? Events, string? Description);

/// <summary>An endpoint as listed: never its secret.</summary>
public sealed record WebhookEndpointDto(string Id, string Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt)
{
    public static WebhookEndpointDto From(WebhookEndpointRecord e) =>
        new(e.Id, e.Url, e.Events, e.Description, e.PreviousSecretExpiresAt, e.CreatedAt);
}

/// <summary>
/// The answer to creating an endpoint or rotating its secret: the only time the secret is shown.
/// <c>Secret</c> is null in an idempotent replay (secrets are never stored in a replay).
/// </summary>
public sealed record WebhookEndpointSecretDto(string Id, string Url, IReadOnlyList<string> Events, string? Description, string? Secret, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt);

/// <summary>One delivery attempt (docs/webhooks.md). A claimed attempt in flight shows as pending.</summary>
public sealed record DeliveryDto(string Id, string EventId, string Type, int Attempt, string Status, int? ResponseStatus, string? Error, DateTimeOffset CreatedAt)
{
    public static DeliveryDto From(DeliveryRecord d) => new(
        d.Id, d.EventId, d.EventType, d.Attempt,
        d.Status == DeliveryStatus.Sending ? "pending" : WebhookSql.Name(d.Status),
        d.ResponseStatus, d.Error, d.CreatedAt);
}

public sealed record DeliveryListResponse(IReadOnlyList<DeliveryDto> Data, string? NextCursor);

/// <summary>The body of every outbound webhook: <c>{ "type", "timestamp", "data" }</c>.</summary>
public sealed record WebhookEnvelope<T>(string Type, DateTimeOffset Timestamp, T Data);

/// <summary><c>credit.added</c>, <c>credit.deducted</c>, <c>credit.expired</c>: the entry, and the unit's balance when the event was prepared.</summary>
public sealed record CreditEventData(string Account, EntryDto Entry, BalanceDto Balance);

/// <summary><c>credit.balance_low</c>: the entry that took the balance below <c>threshold</c>.</summary>
public sealed record BalanceLowEventData(string Account, EntryDto Entry, BalanceDto Balance, decimal Threshold);

/// <summary><c>credit.hold_expired</c>: the hold, past its TTL, its credits back.</summary>
public sealed record HoldExpiredEventData(string Account, HoldDto Hold, BalanceDto Balance);

/// <summary><c>account.frozen</c>: the account and the <c>seq</c> the freeze took.</summary>
public sealed record AccountFrozenEventData(string Account, long Seq, bool Frozen);

/// <summary><c>payment.succeeded</c>: the payment as it is when the event is prepared.</summary>
public sealed record PaymentEventData(string Account, PaymentDto Payment);

/// <summary><c>payment.refunded</c>: one refund — its amount (minor units of the payment's currency) and the credits it clawed back.</summary>
public sealed record RefundEventData(string Account, PaymentDto Payment, long RefundedAmount, long CreditsClawedBack);

/// <summary><c>subscription.activated</c>, <c>.renewed</c>, <c>.cancelled</c>: the subscription as it is when the event is prepared.</summary>
public sealed record SubscriptionEventData(string Account, string Id, string PlanId, string Status, DateTimeOffset CurrentPeriodStart, DateTimeOffset CurrentPeriodEnd, bool CancelAtPeriodEnd);

/// <summary>The event types Tally sends, in the order docs/webhooks.md lists them.</summary>
public static class WebhookEventTypes
{
    public const string CreditAdded = "credit.added";
    public const string CreditDeducted = "credit.deducted";
    public const string CreditExpired = "credit.expired";
    public const string BalanceLow = "credit.balance_low";
    public const string HoldExpired = "credit.hold_expired";
    public const string AccountFrozen = "account.frozen";

    public static readonly IReadOnlyList<string> All =
    [
        CreditAdded, CreditDeducted, CreditExpired, BalanceLow, HoldExpired, AccountFrozen,
        PaymentEventRules.PaymentSucceeded, PaymentEventRules.PaymentRefunded,
        PaymentEventRules.SubscriptionActivated, PaymentEventRules.SubscriptionRenewed, PaymentEventRules.SubscriptionCancelled,
        Tally.Ledger.Fraud.FraudFlag.FlaggedEvent,
    ];
}
