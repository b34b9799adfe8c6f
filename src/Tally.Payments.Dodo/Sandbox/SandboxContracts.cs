using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo.Sandbox;

// The sandbox's own wire types (snake_case like Dodo's). Every control call takes the delivery
// fields of SandboxControlRequest beside its own.

/// <summary>
/// How a control call delivers the webhooks it emits. <see cref="Duplicates"/>: send each event
/// this many times at once, under one webhook-id (default 1). <see cref="Reverse"/>: send this
/// call's events last-first. <see cref="Deliver"/> false: record the events but send nothing (a lost
/// webhook). <see cref="DelayMs"/>: send them that much later. <see cref="Wait"/> false: answer
/// before the deliveries end (default: wait for them, retries included).
/// </summary>
public class SandboxControlRequest
{
    public int? Duplicates { get; init; }

    public bool? Reverse { get; init; }

    public bool? Deliver { get; init; }

    public bool? Wait { get; init; }

    /// <summary>Milliseconds (on the sandbox's clock) before this call's webhooks go out; with <see cref="Wait"/> false the call answers at once and they arrive later.</summary>
    public long? DelayMs { get; init; }
}

/// <summary><c>POST /sandbox/payments/{id}/refund</c>: <see cref="Amount"/> in minor units, or null for the rest of the payment.</summary>
public sealed class SandboxRefundRequest : SandboxControlRequest
{
    public long? Amount { get; init; }

    public string? Reason { get; init; }
}

/// <summary>
/// <c>POST /sandbox/payments/{id}/dispute</c>: one new dispute walked through <see cref="Statuses"/>
/// (opened, challenged, won, lost, accepted, expired, cancelled; default [opened]), one
/// <c>dispute.*</c> event per step — or, with <see cref="DisputeId"/>, the next steps of one opened
/// before. <see cref="Amount"/> defaults to the whole payment.
/// </summary>
public sealed class SandboxDisputeRequest : SandboxControlRequest
{
    public List<string>? Statuses { get; init; }

    /// <summary>Continues this dispute of the payment through <see cref="Statuses"/> instead of opening a new one.</summary>
    public string? DisputeId { get; init; }

    public long? Amount { get; init; }
}

/// <summary><c>POST /products</c> (sandbox only): a product the checkout can sell. <see cref="RecurringInterval"/> is Month, Year or null (one-time).</summary>
public sealed record SandboxProductRequest(
    string Name,
    long Price,
    string Currency,
    string? ProductId = null,
    string? RecurringInterval = null,
    bool PayWhatYouWant = false);

/// <summary>A product the sandbox sells.</summary>
public sealed record SandboxProduct(
    string ProductId,
    string Name,
    long Price,
    string Currency,
    string? RecurringInterval = null,
    bool PayWhatYouWant = false);

/// <summary>What a control call did: the objects as they are after it, and its events with their delivery attempts.</summary>
public sealed record SandboxControlResponse(
    string Action,
    List<SandboxEventView> Events,
    DodoPayment? Payment = null,
    DodoSubscription? Subscription = null,
    DodoRefund? Refund = null,
    DodoDispute? Dispute = null);

/// <summary>A recorded webhook event and every attempt to deliver it.</summary>
public sealed record SandboxEventView(
    string WebhookId,
    string Type,
    string ObjectId,
    DateTimeOffset Timestamp,
    bool Delivered,
    List<SandboxAttemptView> Attempts);

/// <summary>
/// One HTTP attempt: <see cref="Copy"/> numbers the duplicates (0 first), <see cref="Kind"/> is
/// "first", "retry" or "redelivery"; <see cref="StatusCode"/> is null when the connection failed
/// (<see cref="Error"/> says why).
/// </summary>
public sealed record SandboxAttemptView(int Copy, int Attempt, string Kind, DateTimeOffset At, int? StatusCode = null, string? Error = null);

/// <summary><c>GET /sandbox/events</c>.</summary>
public sealed record SandboxEventList(List<SandboxEventView> Events);

/// <summary>An error answer, shaped like Dodo's (<c>{code, message}</c>).</summary>
public sealed record SandboxError(string Code, string Message);
