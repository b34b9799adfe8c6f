using Npgsql;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Ledger.Webhooks;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Outbound webhooks on PostgreSQL. Every claim is <c>FOR UPDATE SKIP LOCKED</c>, so the relays and
/// delivery workers of many instances share the work without waiting on each other, and a row one
/// of them holds is invisible to the others until it commits.
/// </summary>
public sealed partial class PostgresLedgerStore : IWebhookStore
{
    private const string InsertOutbox = """
        INSERT INTO outbox (entry_ids, frozen_accounts, frozen_seqs, expired_holds, expired_hold_accounts, created_at)
        VALUES ($1::uuid[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6)
        """;

    private const string InsertOutboxEvent = """
        INSERT INTO outbox (entry_ids, frozen_accounts, frozen_seqs, expired_holds, expired_hold_accounts, event_type, subject, created_at)
        VALUES ('{}', '{}', '{}', '{}', '{}', $1, $2, $3)
        """;

    // The claims lock their rows in an ARRAY() sub-select, so the outer statement is a primary-key
    // lookup whatever the generic plan (the store forces generic plans) guesses about the LIMIT.
    // A row locked (and, at the outer statement's recheck, changed) by another worker is skipped.
    private const string ClaimOutbox = $"""
        DELETE FROM outbox WHERE id = ANY(ARRAY(SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
        RETURNING {WebhookSql.OutboxColumns}
        """;

    private const string InsertEvents = """
        INSERT INTO outbound_events (id, type, payload, created_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
        ON CONFLICT (id) DO NOTHING RETURNING id
        """;

    private const string InsertDeliveries = """
        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, attempt, retry, status, due_at, give_up_at, created_at)
        SELECT id, endpoint_id, event_id, event_type, 1, 0, 'pending', $5, $6, $5
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d (id, endpoint_id, event_id, event_type)
        ON CONFLICT DO NOTHING
        """;

    private const string ClaimDeliveries = $"""
        WITH d AS (
            UPDATE webhook_deliveries SET status = 'sending', lease_until = $2
            WHERE id = ANY(ARRAY(SELECT id FROM webhook_deliveries WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)) AND status = 'pending'
            RETURNING *)
        SELECT {WebhookSql.ClaimedColumns}
        FROM d JOIN outbound_events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
        ORDER BY d.due_at
        """;

    /// <summary>Finishes an attempt and, when $7 is set, adds the next one ($6 its id) — only if this worker still held it.</summary>
    private const string FinishAndRetry = """
        WITH f AS (
            UPDATE webhook_deliveries SET status = $2, response_status = $3, error = $4, finished_at = $5, lease_until = NULL
            WHERE id = $1 AND status = 'sending'
            RETURNING endpoint_id, event_id, event_type, attempt, retry, give_up_at)
        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, attempt, retry, status, due_at, give_up_at, created_at)
        SELECT $6, endpoint_id, event_id, event_type, attempt + 1, retry + 1, 'pending', $7, give_up_at, $5 FROM f
        WHERE $7::timestamptz IS NOT NULL
        ON CONFLICT DO NOTHING
        """;

    private const string InterruptLeases = """
        UPDATE webhook_deliveries SET status = 'failed', error = 'interrupted: the worker sending it stopped before recording an answer', finished_at = $1, lease_until = NULL
        WHERE id = ANY(ARRAY(SELECT id FROM webhook_deliveries WHERE status = 'sending' AND lease_until < $1 ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED)) AND status = 'sending'
        RETURNING endpoint_id, event_id, event_type, attempt, retry, give_up_at
        """;

    private const string EntriesById = $"SELECT {Columns.Entry} FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.id = ANY($1)";

    /// <summary>The outbox row of a write transaction, added to its combined statement (see <see cref="PgWriter"/>).</summary>
    internal static (string Sql, object[] Values)? OutboxWrite(LedgerSnapshot snapshot)
    {
        if (OutboxFacts.Of(snapshot) is not { } facts)
        {
            return null;
        }

        return (InsertOutbox,
        [
            facts.Entries.ToArray(), facts.FrozenAccounts.ToArray(), facts.FrozenSeqs.ToArray(),
            facts.ExpiredHolds.ToArray(), facts.ExpiredHoldAccounts.ToArray(), PgTime.ToDb(snapshot.Now),
        ]);
    }

    public Task CreateEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken) =>
        ExecuteCoreAsync(WebhookSql.InsertEndpoint, WebhookSql.Values(endpoint, Time), cancellationToken);

    public async Task<IReadOnlyList<WebhookEndpointRecord>> ListEndpointsAsync(CancellationToken cancellationToken) =>
        await QueryAsync(WebhookSql.ListEndpoints, r => WebhookSql.Endpoint(r, PgTime.Read), cancellationToken);

    public async Task<WebhookEndpointRecord?> FindEndpointAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync(WebhookSql.FindEndpoint, r => WebhookSql.Endpoint(r, PgTime.Read), cancellationToken, id)).FirstOrDefault();

    public async Task<bool> RotateSecretAsync(string id, string secret, DateTimeOffset previousUntil, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteCoreAsync(WebhookSql.RotateSecret, [id, secret, PgTime.ToDb(previousUntil), PgTime.ToDb(now)], cancellationToken) == 1;

    public async Task<bool> DeleteEndpointAsync(string id, CancellationToken cancellationToken) =>
        await ExecuteCoreAsync(WebhookSql.DeleteEndpoint, [id], cancellationToken) == 1;

    public async Task<long> CountOutboxAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(WebhookSql.CountOutbox, r => r.GetInt64(0), cancellationToken)).Single();

    public async Task<IReadOnlyList<AccountRow>> ReadAccountsAsync(IReadOnlyCollection<string> externalIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(externalIds);
        var scope = new WriteScope(externalIds, [], [], [], []);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var accountIds = await _accountIds.ResolveAsync(connection, scope, await DistributedAsync(connection, cancellationToken), cancellationToken);
        if (accountIds.Length == 0)
        {
            return [];
        }

        // The write path's load, unlocked: one round trip for every account named.
        await using var batch = PgLoader.Build(connection, accountIds, scope, forWrite: false);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return (await PgLoader.ReadAsync(reader, scope, default, cancellationToken)).Accounts.Values.ToList();
    }

    public async Task<IReadOnlyList<EntryRow>> ReadEntriesByIdAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        await QueryAsync(EntriesById, r => RowReaders.Entry(r, PgTime.Read), cancellationToken, ids.ToArray());

    public async Task<(int Rows, int Deliveries)> RelayAsync(
        int limit,
        DateTimeOffset now,
        DateTimeOffset giveUpAt,
        Func<IReadOnlyList<OutboxRow>, IReadOnlyList<WebhookEndpointRecord>, CancellationToken, Task<IReadOnlyList<OutboundEvent>>> expand,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expand);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<OutboxRow>();
        await using (var claim = Command(connection, transaction, ClaimOutbox, limit))
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new OutboxRow(
                    reader.GetInt64(0),
                    new OutboxFacts(
                        reader.GetFieldValue<Guid[]>(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<long[]>(3),
                        reader.GetFieldValue<Guid[]>(4), reader.GetFieldValue<string[]>(5)),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    PgTime.Read(reader, 8)));
            }
        }

        if (rows.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return (0, 0);
        }

        var endpoints = new List<WebhookEndpointRecord>();
        await using (var read = Command(connection, transaction, WebhookSql.ListEndpoints))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                endpoints.Add(WebhookSql.Endpoint(reader, PgTime.Read));
            }
        }

        var deliveries = 0;
        if (endpoints.Count > 0 && await expand(rows, endpoints, cancellationToken) is { Count: > 0 } events)
        {
            var inserted = new HashSet<string>(StringComparer.Ordinal);
            await using (var insert = Command(connection, transaction, InsertEvents,
                events.Select(e => e.Id).ToArray(), events.Select(e => e.Type).ToArray(), events.Select(e => e.Payload).ToArray(),
                events.Select(e => PgTime.ToDb(e.CreatedAt)).ToArray()))
            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    inserted.Add(reader.GetString(0));
                }
            }

            var fanOut = events.Where(e => inserted.Contains(e.Id))
                .SelectMany(e => endpoints.Where(w => w.Accepts(e.Type)).Select(w => (Event: e, Endpoint: w)))
                .ToList();
            if (fanOut.Count > 0)
            {
                await using var insert = Command(connection, transaction, InsertDeliveries,
                    fanOut.Select(_ => WebhookSql.NewDeliveryId(now)).ToArray(), fanOut.Select(f => f.Endpoint.Id).ToArray(),
                    fanOut.Select(f => f.Event.Id).ToArray(), fanOut.Select(f => f.Event.Type).ToArray(), PgTime.ToDb(now), PgTime.ToDb(giveUpAt));
                deliveries = await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return (rows.Count, deliveries);
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(ClaimDeliveries, r => WebhookSql.Claimed(r, PgTime.Read), cancellationToken, PgTime.ToDb(now), PgTime.ToDb(leaseUntil), limit);

    public async Task RecordDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return;
        }

        // One round trip: every attempt's result and next attempt, committed together.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = connection.CreateBatch();
        PgLoader.Add(batch, "BEGIN");
        foreach (var o in outcomes)
        {
            var command = new NpgsqlBatchCommand(FinishAndRetry);
            foreach (var value in new object?[]
            {
                o.Delivery.Id, WebhookSql.Name(o.Succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Failed), o.ResponseStatus, o.Error,
                PgTime.ToDb(now), WebhookSql.NewDeliveryId(now), PgTime.ToDb(o.NextDueAt),
            })
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            command.Parameters[6].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
            command.Parameters[2].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
            command.Parameters[3].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
            batch.BatchCommands.Add(command);
        }

        PgLoader.Add(batch, "COMMIT");
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> ExpireLeasesAsync(DateTimeOffset now, RetrySchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var interrupted = new List<(string Endpoint, string Event, string Type, int Attempt, int Retry, DateTimeOffset GiveUpAt)>();
        await using (var command = Command(connection, transaction, InterruptLeases, PgTime.ToDb(now)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                interrupted.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), PgTime.Read(reader, 5)));
            }
        }

        foreach (var d in interrupted)
        {
            if (schedule.Next(d.Retry, now, d.GiveUpAt) is { } due)
            {
                await using var insert = Command(connection, transaction, WebhookSql.InsertDelivery,
                    WebhookSql.NewDeliveryId(now), d.Endpoint, d.Event, d.Type, d.Attempt + 1, d.Retry + 1, PgTime.ToDb(due), PgTime.ToDb(d.GiveUpAt), PgTime.ToDb(now));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return interrupted.Count;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string endpointId, string? before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(WebhookSql.ListDeliveries, r => WebhookSql.Delivery(r, PgTime.Read), cancellationToken, endpointId, before ?? "", limit);

    public async Task<DeliveryRecord?> ReplayAsync(string endpointId, string deliveryId, DateTimeOffset now, DateTimeOffset giveUpAt, CancellationToken cancellationToken)
    {
        var delivery = (await QueryAsync(WebhookSql.FindDelivery, Delivery, cancellationToken, endpointId, deliveryId)).FirstOrDefault();
        if (delivery is null)
        {
            return null;
        }

        // The partial unique index keeps one live attempt per event and endpoint: a concurrent
        // replay (or retry) that wins makes this insert do nothing, and the next pass finds it.
        for (var pass = 0; pass < 4; pass++)
        {
            if ((await QueryAsync(WebhookSql.LiveDelivery, Delivery, cancellationToken, endpointId, delivery.EventId)).FirstOrDefault() is { } live)
            {
                if (live.Status == DeliveryStatus.Pending && await ExecuteCoreAsync(WebhookSql.MakeDue, [live.Id, PgTime.ToDb(now)], cancellationToken) == 1)
                {
                    return live with { DueAt = now };
                }

                return live;
            }

            var last = (await QueryAsync(WebhookSql.LastAttempt, r => r.GetInt32(0), cancellationToken, endpointId, delivery.EventId)).Single();
            var id = WebhookSql.NewDeliveryId(now);
            if (await ExecuteCoreAsync(WebhookSql.InsertDelivery,
                [id, endpointId, delivery.EventId, delivery.EventType, last + 1, 0, PgTime.ToDb(now), PgTime.ToDb(giveUpAt), PgTime.ToDb(now)], cancellationToken) == 1)
            {
                return new DeliveryRecord(id, endpointId, delivery.EventId, delivery.EventType, last + 1, DeliveryStatus.Pending, null, null, now, now);
            }
        }

        throw new InvalidOperationException($"replaying {deliveryId} kept racing other attempts of its event");
    }

    private static DeliveryRecord Delivery(NpgsqlDataReader r) => WebhookSql.Delivery(r, PgTime.Read);

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
