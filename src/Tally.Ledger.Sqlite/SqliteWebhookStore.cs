using System.Data.Common;
using System.Globalization;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Ledger.Webhooks;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// Outbound webhooks on SQLite. Claims and results are written by the store's one writer (other
/// processes queue on <c>BEGIN IMMEDIATE</c>), so an attempt can be claimed by one worker only.
/// The relay reads its outbox rows and renders their events before taking the writer, then
/// deletes the rows and stores the events in one short transaction: events are stored once by id,
/// so a second process relaying the same rows meanwhile creates nothing twice.
/// </summary>
public sealed partial class SqliteLedgerStore : IWebhookStore
{
    internal const string InsertOutbox = """
        INSERT INTO outbox (entry_ids, frozen_accounts, frozen_seqs, expired_holds, expired_hold_accounts, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """;

    internal const string InsertOutboxEvent = """
        INSERT INTO outbox (entry_ids, frozen_accounts, frozen_seqs, expired_holds, expired_hold_accounts, event_type, subject, created_at)
        VALUES ('', '', '', '', '', $1, $2, $3)
        """;

    private const string ReadOutbox = $"SELECT {WebhookSql.OutboxColumns} FROM outbox ORDER BY id LIMIT $1";
    private const string DeleteOutbox = "DELETE FROM outbox WHERE id IN (SELECT value FROM json_each($1))";
    private const string DueDeliveries = "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT $2";
    private const string TakeDelivery = "UPDATE webhook_deliveries SET status = 'sending', lease_until = $2 WHERE id = $1 AND status = 'pending'";

    private const string ClaimedById = $"""
        SELECT {WebhookSql.ClaimedColumns}
        FROM webhook_deliveries d JOIN outbound_events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.id IN (SELECT value FROM json_each($1)) ORDER BY d.due_at
        """;

    private const string ExpiredLeases = "SELECT id, endpoint_id, event_id, event_type, attempt, retry, give_up_at FROM webhook_deliveries WHERE status = 'sending' AND lease_until < $1 ORDER BY lease_until LIMIT 100";
    private const string Interrupt = "UPDATE webhook_deliveries SET status = 'failed', error = 'interrupted: the worker sending it stopped before recording an answer', finished_at = $2, lease_until = NULL WHERE id = $1 AND status = 'sending'";
    private const string EntriesById = $"SELECT {Columns.Entry} FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.id IN (SELECT value FROM json_each($1))";

    internal static string JoinIds(IEnumerable<Guid> ids) => string.Join(',', ids.Select(Ids.ToDb));

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static string JsonArray(IEnumerable<string> values) => System.Text.Json.JsonSerializer.Serialize(values.ToArray(), SqliteJson.Default.StringArray);

    private static string JsonArray(IEnumerable<long> values) => "[" + string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    public Task CreateEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken) =>
        ExecuteWrite(WebhookSql.InsertEndpoint, WebhookSql.Values(endpoint, Time));

    public Task<IReadOnlyList<WebhookEndpointRecord>> ListEndpointsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<WebhookEndpointRecord>>(session => ReadAll(session[WebhookSql.ListEndpoints].Query(), Endpoint), cancellationToken);

    public Task<WebhookEndpointRecord?> FindEndpointAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[WebhookSql.FindEndpoint].Query(id), Endpoint).FirstOrDefault(), cancellationToken);

    public async Task<bool> RotateSecretAsync(string id, string secret, DateTimeOffset previousUntil, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(WebhookSql.RotateSecret, id, secret, SqliteTime.ToMicros(previousUntil), SqliteTime.ToMicros(now)) == 1;

    public async Task<bool> DeleteEndpointAsync(string id, CancellationToken cancellationToken) =>
        await ExecuteWrite(WebhookSql.DeleteEndpoint, id) == 1;

    public Task<long> CountOutboxAsync(CancellationToken cancellationToken) =>
        ReadAsync(session => (long)session[WebhookSql.CountOutbox].Scalar()!, cancellationToken);

    public Task<IReadOnlyList<AccountRow>> ReadAccountsAsync(IReadOnlyCollection<string> externalIds, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AccountRow>>(session => externalIds.Select(id => session.ReadAccount(Sql.AccountByExternalId, id)).OfType<AccountRow>().ToList(), cancellationToken);

    public Task<IReadOnlyList<EntryRow>> ReadEntriesByIdAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<EntryRow>>(session => ReadAll(session[EntriesById].Query(JsonArray(ids.Select(Ids.ToDb))), r => RowReaders.Entry(r, SqliteTime.Read)), cancellationToken);

    public async Task<(int Rows, int Deliveries)> RelayAsync(
        int limit,
        DateTimeOffset now,
        DateTimeOffset giveUpAt,
        Func<IReadOnlyList<OutboxRow>, IReadOnlyList<WebhookEndpointRecord>, CancellationToken, Task<IReadOnlyList<OutboundEvent>>> expand,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expand);
        var (rows, endpoints) = await ReadAsync(session =>
        {
            var rows = ReadAll(session[ReadOutbox].Query(limit), r => new OutboxRow(
                r.GetInt64(0),
                new OutboxFacts(
                    Split(r.GetString(1)).Select(Guid.Parse).ToList(), Split(r.GetString(2)),
                    Split(r.GetString(3)).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList(),
                    Split(r.GetString(4)).Select(Guid.Parse).ToList(), Split(r.GetString(5))),
                r.IsDBNull(6) ? null : r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                SqliteTime.Read(r, 8)));
            return (rows, rows.Count == 0 ? [] : ReadAll(session[WebhookSql.ListEndpoints].Query(), Endpoint));
        }, cancellationToken);
        if (rows.Count == 0)
        {
            return (0, 0);
        }

        var events = endpoints.Count == 0 ? [] : await expand(rows, endpoints, cancellationToken);
        var deliveries = await WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            session[DeleteOutbox].Apply(JsonArray(rows.Select(r => r.Id)));
            var created = 0;
            foreach (var e in events)
            {
                if (session[WebhookSql.InsertEvent].Apply(e.Id, e.Type, e.Payload, SqliteTime.ToMicros(e.CreatedAt)) == 0)
                {
                    continue; // stored before: its deliveries were made then
                }

                foreach (var endpoint in endpoints.Where(w => w.Accepts(e.Type)))
                {
                    created += session[WebhookSql.InsertDelivery].Apply(
                        WebhookSql.NewDeliveryId(now), endpoint.Id, e.Id, e.Type, 1, 0, SqliteTime.ToMicros(now), SqliteTime.ToMicros(giveUpAt), SqliteTime.ToMicros(now));
                }
            }

            transaction.Commit();
            return created;
        });
        return (rows.Count, deliveries);
    }

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        WithWriterAsync<IReadOnlyList<ClaimedDelivery>>(session =>
        {
            using var transaction = session.Begin(write: true);
            var due = ReadAll(session[DueDeliveries].Query(SqliteTime.ToMicros(now), limit), r => r.GetString(0));
            if (due.Count == 0)
            {
                transaction.Commit();
                return [];
            }

            foreach (var id in due)
            {
                session[TakeDelivery].Apply(id, SqliteTime.ToMicros(leaseUntil));
            }

            var claimed = ReadAll(session[ClaimedById].Query(JsonArray(due)), r => WebhookSql.Claimed(r, SqliteTime.Read));
            transaction.Commit();
            return claimed;
        });

    public async Task RecordDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return;
        }

        await WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            foreach (var o in outcomes)
            {
                var status = WebhookSql.Name(o.Succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Failed);
                if (session[WebhookSql.FinishDelivery].Apply(o.Delivery.Id, status, o.ResponseStatus, o.Error, SqliteTime.ToMicros(now)) == 1
                    && o.NextDueAt is { } due)
                {
                    var d = o.Delivery;
                    session[WebhookSql.InsertDelivery].Apply(
                        WebhookSql.NewDeliveryId(now), d.Endpoint.Id, d.EventId, d.EventType, d.Attempt + 1, d.Retry + 1,
                        SqliteTime.ToMicros(due), SqliteTime.ToMicros(d.GiveUpAt), SqliteTime.ToMicros(now));
                }
            }

            transaction.Commit();
            return 0;
        });
    }

    public Task<int> ExpireLeasesAsync(DateTimeOffset now, RetrySchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var expired = ReadAll(session[ExpiredLeases].Query(SqliteTime.ToMicros(now)), r =>
                (Id: r.GetString(0), Endpoint: r.GetString(1), Event: r.GetString(2), Type: r.GetString(3), Attempt: r.GetInt32(4), Retry: r.GetInt32(5), GiveUpAt: SqliteTime.Read(r, 6)));
            foreach (var d in expired)
            {
                session[Interrupt].Apply(d.Id, SqliteTime.ToMicros(now));
                if (schedule.Next(d.Retry, now, d.GiveUpAt) is { } due)
                {
                    session[WebhookSql.InsertDelivery].Apply(
                        WebhookSql.NewDeliveryId(now), d.Endpoint, d.Event, d.Type, d.Attempt + 1, d.Retry + 1,
                        SqliteTime.ToMicros(due), SqliteTime.ToMicros(d.GiveUpAt), SqliteTime.ToMicros(now));
                }
            }

            transaction.Commit();
            return expired.Count;
        });
    }

    public Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string endpointId, string? before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<DeliveryRecord>>(session => ReadAll(session[WebhookSql.ListDeliveries].Query(endpointId, before ?? "", limit), Delivery), cancellationToken);

    public Task<DeliveryRecord?> ReplayAsync(string endpointId, string deliveryId, DateTimeOffset now, DateTimeOffset giveUpAt, CancellationToken cancellationToken) =>
        WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var delivery = ReadAll(session[WebhookSql.FindDelivery].Query(endpointId, deliveryId), Delivery).FirstOrDefault();
            DeliveryRecord? result = null;
            if (delivery is null)
            {
                // nothing to replay
            }
            else if (ReadAll(session[WebhookSql.LiveDelivery].Query(endpointId, delivery.EventId), Delivery).FirstOrDefault() is { } live)
            {
                result = live.Status == DeliveryStatus.Pending && session[WebhookSql.MakeDue].Apply(live.Id, SqliteTime.ToMicros(now)) == 1
                    ? live with { DueAt = now }
                    : live;
            }
            else
            {
                var last = (long)session[WebhookSql.LastAttempt].Scalar(endpointId, delivery.EventId)!;
                var id = WebhookSql.NewDeliveryId(now);
                session[WebhookSql.InsertDelivery].Apply(
                    id, endpointId, delivery.EventId, delivery.EventType, (int)last + 1, 0, SqliteTime.ToMicros(now), SqliteTime.ToMicros(giveUpAt), SqliteTime.ToMicros(now));
                result = new DeliveryRecord(id, endpointId, delivery.EventId, delivery.EventType, (int)last + 1, DeliveryStatus.Pending, null, null, now, now);
            }

            transaction.Commit();
            return result;
        });

    private static WebhookEndpointRecord Endpoint(DbDataReader r) => WebhookSql.Endpoint(r, SqliteTime.Read);

    private static DeliveryRecord Delivery(DbDataReader r) => WebhookSql.Delivery(r, SqliteTime.Read);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SqliteJson : System.Text.Json.Serialization.JsonSerializerContext;
