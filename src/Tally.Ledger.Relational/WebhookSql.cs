using System.Data.Common;
using Tally.Ledger.Webhooks;

namespace Tally.Ledger.Relational;

/// <summary>
/// Outbound webhooks' SQL both stores accept (docs/webhooks.md): endpoints, events, delivery
/// attempts. Claims differ per engine (PostgreSQL's SKIP LOCKED, SQLite's single writer) and live
/// with each store.
/// </summary>
public static class WebhookSql
{
    public const string EndpointColumns = "id, url, events, description, secret, previous_secret, previous_secret_expires_at, created_at, updated_at";

    public const string DeliveryColumns = "id, endpoint_id, event_id, event_type, attempt, status, response_status, error, due_at, created_at";

    /// <summary>A claimed attempt with its event and endpoint (attempts aliased <c>d</c>, events <c>e</c>, endpoints <c>w</c>).</summary>
    public const string ClaimedColumns = "d.id, d.event_id, d.event_type, d.attempt, d.retry, d.give_up_at, e.payload, e.created_at, w.id, w.url, w.events, w.description, w.secret, w.previous_secret, w.previous_secret_expires_at, w.created_at, w.updated_at";

    public const string OutboxColumns = "id, entry_ids, frozen_accounts, frozen_seqs, expired_holds, expired_hold_accounts, event_type, subject, created_at";

    public const string InsertEndpoint = $"INSERT INTO webhook_endpoints ({EndpointColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

    public const string ListEndpoints = $"SELECT {EndpointColumns} FROM webhook_endpoints ORDER BY created_at, id";

    public const string FindEndpoint = $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = $1";

    /// <summary>$1 id, $2 new secret, $3 until when the current one stays valid, $4 now.</summary>
    public const string RotateSecret = "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = $4 WHERE id = $1";

    /// <summary>Its attempts go with it (ON DELETE CASCADE).</summary>
    public const string DeleteEndpoint = "DELETE FROM webhook_endpoints WHERE id = $1";

    /// <summary>$1 id, $2 type, $3 payload, $4 created: an event is stored once (0 rows when it exists).</summary>
    public const string InsertEvent = "INSERT INTO outbound_events (id, type, payload, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";

    /// <summary>
    /// A pending attempt: $1 id, $2 endpoint, $3 event, $4 type, $5 attempt, $6 retry, $7 due, $8 give up at, $9 now.
    /// Nothing when the event already has a live attempt at the endpoint, or this attempt number was used.
    /// </summary>
    public const string InsertDelivery = """
        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, attempt, retry, status, due_at, give_up_at, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) ON CONFLICT DO NOTHING
        """;

    /// <summary>$1 attempt, $2 status, $3 response status, $4 error, $5 now: only an attempt still held (sending).</summary>
    public const string FinishDelivery = "UPDATE webhook_deliveries SET status = $2, response_status = $3, error = $4, finished_at = $5, lease_until = NULL WHERE id = $1 AND status = 'sending'";

    /// <summary>$1 endpoint, $2 before this id ('' = newest), $3 limit.</summary>
    public const string ListDeliveries = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3";

    public const string FindDelivery = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2";

    /// <summary>$1 endpoint, $2 event: its live attempt, if any.</summary>
    public const string LiveDelivery = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2 AND status IN ('pending', 'sending')";

    /// <summary>$1 attempt, $2 now.</summary>
    public const string MakeDue = "UPDATE webhook_deliveries SET due_at = $2 WHERE id = $1 AND status = 'pending'";

    /// <summary>$1 endpoint, $2 event.</summary>
    public const string LastAttempt = "SELECT COALESCE(MAX(attempt), 0) FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2";

    public const string CountOutbox = "SELECT COUNT(*) FROM outbox";

    /// <summary>A new attempt id: time-ordered, so ids sort newest last and page by id.</summary>
    public static string NewDeliveryId(DateTimeOffset now) => "dlv_" + Model.LedgerIds.New(now).ToString("N");

    public static string Name(DeliveryStatus status) => status.ToString().ToLowerInvariant();

    public static DeliveryStatus StatusOf(string name) => name switch
    {
        "pending" => DeliveryStatus.Pending,
        "sending" => DeliveryStatus.Sending,
        "succeeded" => DeliveryStatus.Succeeded,
        "failed" => DeliveryStatus.Failed,
        _ => throw new InvalidDataException($"unknown delivery status '{name}'"),
    };

    public static object?[] Values(WebhookEndpointRecord e, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(time);
        return [e.Id, e.Url, WebhookEndpointRecord.EncodeEvents(e.Events), e.Description, e.Secret, e.PreviousSecret,
            e.PreviousSecretExpiresAt is { } until ? time(until) : null, time(e.CreatedAt), time(e.UpdatedAt)];
    }

    public static WebhookEndpointRecord Endpoint(DbDataReader r, ReadTime time, int at = 0)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new WebhookEndpointRecord(
            r.GetString(at),
            r.GetString(at + 1),
            WebhookEndpointRecord.DecodeEvents(r.GetString(at + 2)),
            r.IsDBNull(at + 3) ? null : r.GetString(at + 3),
            r.GetString(at + 4),
            r.IsDBNull(at + 5) ? null : r.GetString(at + 5),
            r.IsDBNull(at + 6) ? null : time(r, at + 6),
            time(r, at + 7),
            time(r, at + 8));
    }

    public static DeliveryRecord Delivery(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new DeliveryRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), StatusOf(r.GetString(5)),
            r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), time(r, 8), time(r, 9));
    }

    public static ClaimedDelivery Claimed(DbDataReader r, ReadTime time)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(time);
        return new ClaimedDelivery(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), time(r, 5), r.GetString(6), time(r, 7),
            Endpoint(r, time, at: 8));
    }
}
