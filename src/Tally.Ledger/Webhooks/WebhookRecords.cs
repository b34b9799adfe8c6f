using System.Security.Cryptography;
using System.Text;

namespace Tally.Ledger.Webhooks;

/// <summary>
/// One claimed outbox row: the facts a ledger transaction wrote (<see cref="Facts"/>), or one
/// event another module wrote ready to render (<see cref="EventType"/> and its
/// <see cref="Subject"/>, a small JSON object naming what it is about — payments and
/// subscriptions).
/// </summary>
public sealed record OutboxRow(long Id, OutboxFacts Facts, string? EventType, string? Subject, DateTimeOffset CreatedAt);

/// <summary>An event as sent: <see cref="Id"/> is the <c>webhook-id</c>, the same on every attempt; <see cref="Payload"/> the exact body.</summary>
public sealed record OutboundEvent(string Id, string Type, string Payload, DateTimeOffset CreatedAt);

/// <summary>
/// Where events go. <see cref="Events"/> lists the types it receives (<c>*</c> = all). During a
/// rotation the previous secret stays valid until <see cref="PreviousSecretExpiresAt"/>, and
/// deliveries carry a signature with each.
/// </summary>
public sealed record WebhookEndpointRecord(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const string AllEvents = "*";

    public bool Accepts(string type) => Events.Contains(AllEvents) || Events.Contains(type);

    /// <summary>The secrets a delivery made at <paramref name="now"/> is signed with: the current one, and the previous one while it is still valid.</summary>
    public IReadOnlyList<string> SecretsAt(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt is { } until && until > now ? [Secret, previous] : [Secret];

    /// <summary>The event filter as stored: comma-separated.</summary>
    public static string EncodeEvents(IEnumerable<string> events) => string.Join(',', events);

    public static IReadOnlyList<string> DecodeEvents(string stored) =>
        (stored ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Where one delivery attempt stands. <c>Sending</c> is internal: a worker holds it under a lease.</summary>
public enum DeliveryStatus
{
    Pending,
    Sending,
    Succeeded,
    Failed,
}

/// <summary>One delivery attempt of one event to one endpoint.</summary>
public sealed record DeliveryRecord(
    string Id,
    string EndpointId,
    string EventId,
    string EventType,
    int Attempt,
    DeliveryStatus Status,
    int? ResponseStatus,
    string? Error,
    DateTimeOffset DueAt,
    DateTimeOffset CreatedAt);

/// <summary>
/// An attempt a worker claimed (status <c>sending</c> until <c>lease_until</c>), with what it needs
/// to send: the event's body and the endpoint. <see cref="Retry"/> counts the attempts before it in
/// its chain (0 for the first, or for a replay); retries stop at <see cref="GiveUpAt"/>.
/// </summary>
public sealed record ClaimedDelivery(
    string Id,
    string EventId,
    string EventType,
    int Attempt,
    int Retry,
    DateTimeOffset GiveUpAt,
    string Payload,
    DateTimeOffset EventCreatedAt,
    WebhookEndpointRecord Endpoint);

/// <summary>How a claimed attempt ended, and when the next one is due (null: no further attempt).</summary>
public sealed record DeliveryOutcome(ClaimedDelivery Delivery, bool Succeeded, int? ResponseStatus, string? Error, DateTimeOffset? NextDueAt);

/// <summary>Ids of outbound events: stable, so the same fact never becomes two events.</summary>
public static class EventIds
{
    public const string Prefix = "evt_";

    /// <summary>The event an entry causes (<c>credit.added</c>, <c>.deducted</c>, <c>.expired</c>).</summary>
    public static string OfEntry(Guid entry) => Prefix + entry.ToString("N");

    /// <summary>
    /// Any other event: a hash of its type and subject, so a fact written twice (a retried
    /// transition, two racing writers) is stored and delivered once.
    /// </summary>
    public static string Of(string type, string subject)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(subject);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(type + "\n" + subject));
        return Prefix + Convert.ToHexStringLower(hash, 0, 16);
    }
}

/// <summary>
/// When a failed attempt is tried again: exponential from 30 s (doubling, at most 12 h), each delay
/// drawn between half and all of it (jitter, so endpoints recovering from an outage are not hit by
/// every retry at once), until the chain's horizon (3 days after its first attempt).
/// </summary>
public sealed class RetrySchedule(TimeSpan first, TimeSpan longest, TimeSpan horizon)
{
    public static readonly RetrySchedule Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromHours(12), TimeSpan.FromDays(3));

    public TimeSpan Horizon { get; } = horizon;

    /// <summary>The delay before retry number <paramref name="retry"/> + 1, before jitter.</summary>
    public TimeSpan Ceiling(int retry)
    {
        var ms = (long)first.TotalMilliseconds;
        for (var i = 0; i < retry && ms < (long)longest.TotalMilliseconds; i++)
        {
            ms *= 2;
        }

        return TimeSpan.FromMilliseconds(Math.Min(ms, (long)longest.TotalMilliseconds));
    }

    /// <summary>When the attempt after failed attempt <paramref name="retry"/> is due, or null past <paramref name="giveUpAt"/>.</summary>
    public DateTimeOffset? Next(int retry, DateTimeOffset now, DateTimeOffset giveUpAt)
    {
        var ceiling = (long)Ceiling(retry).TotalMilliseconds;
        var delay = TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextInt64(ceiling / 2 + 1));
        var due = now + delay;
        return due > giveUpAt ? null : due;
    }
}
