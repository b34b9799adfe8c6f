using Tally.Ledger.Storage;

namespace Tally.Ledger.Webhooks;

/// <summary>
/// Outbound webhooks' storage, beside the ledger in the same database: the outbox the ledger's
/// write transactions fill, the events it becomes, the endpoints they go to and every delivery
/// attempt. Both stores implement it; each claim is safe with many instances over one database
/// (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>; SQLite: its single writer).
/// </summary>
public interface IWebhookStore
{
    Task CreateEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookEndpointRecord>> ListEndpointsAsync(CancellationToken cancellationToken);

    Task<WebhookEndpointRecord?> FindEndpointAsync(string id, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="secret"/> current, keeping the current one valid until <paramref name="previousUntil"/>; false when the endpoint is unknown.</summary>
    Task<bool> RotateSecretAsync(string id, string secret, DateTimeOffset previousUntil, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the endpoint and its delivery attempts; false when unknown.</summary>
    Task<bool> DeleteEndpointAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> of the oldest outbox rows, and in one transaction
    /// deletes them, stores the events <paramref name="expand"/> makes of them (each once, by id)
    /// and one pending delivery per endpoint that accepts each new event. With no endpoint the rows
    /// are only deleted (<paramref name="expand"/> is not called). <paramref name="expand"/> may
    /// read the database but not write it. Returns (rows claimed, deliveries created).
    /// </summary>
    Task<(int Rows, int Deliveries)> RelayAsync(
        int limit,
        DateTimeOffset now,
        DateTimeOffset giveUpAt,
        Func<IReadOnlyList<OutboxRow>, IReadOnlyList<WebhookEndpointRecord>, CancellationToken, Task<IReadOnlyList<OutboundEvent>>> expand,
        CancellationToken cancellationToken);

    /// <summary>Outbox rows waiting for the relay.</summary>
    Task<long> CountOutboxAsync(CancellationToken cancellationToken);

    /// <summary>Accounts with their balances, live lots and active holds, several in one read (the relay renders their balances).</summary>
    Task<IReadOnlyList<AccountRow>> ReadAccountsAsync(IReadOnlyCollection<string> externalIds, CancellationToken cancellationToken);

    /// <summary>Journal entries by id (any accounts), for the relay.</summary>
    Task<IReadOnlyList<EntryRow>> ReadEntriesByIdAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending attempts due at <paramref name="now"/>: each
    /// becomes <c>sending</c> until <paramref name="leaseUntil"/>, so no other worker sends it.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records how claimed attempts ended, in one transaction, and adds the next attempt of each
    /// failure that has a <see cref="DeliveryOutcome.NextDueAt"/>. An attempt whose lease was taken
    /// away meanwhile (marked interrupted) is left as it is.
    /// </summary>
    Task RecordDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Attempts still <c>sending</c> past their lease (a worker died mid-send) become failed
    /// ("interrupted"), and their next attempt is scheduled by <paramref name="schedule"/>: an
    /// attempt is never sent twice. Returns how many.
    /// </summary>
    Task<int> ExpireLeasesAsync(DateTimeOffset now, RetrySchedule schedule, CancellationToken cancellationToken);

    /// <summary>An endpoint's attempts, newest first, before the attempt id <paramref name="before"/> when paging (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string endpointId, string? before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the event of attempt <paramref name="deliveryId"/> again now: its pending attempt is made
    /// due now, or a new attempt is added (retrying until <paramref name="giveUpAt"/>). Returns the
    /// attempt that will send it, or null when the endpoint has no such attempt.
    /// </summary>
    Task<DeliveryRecord?> ReplayAsync(string endpointId, string deliveryId, DateTimeOffset now, DateTimeOffset giveUpAt, CancellationToken cancellationToken);
}
