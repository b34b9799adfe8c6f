using Npgsql;
using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

public sealed partial class PostgresLedgerStore
{
    public Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExecuteAsync(AccessSql.InsertApiKey, cancellationToken, key.Id, key.Name, key.Prefix, key.SecretHash, AccessSql.FormatScopes(key.Scopes), PgTime.ToDb(key.CreatedAt));
    }

    public async Task<ApiKeyRecord?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken) =>
        (await QueryAsync(AccessSql.FindApiKey, ApiKey, cancellationToken, secretHash)).FirstOrDefault();

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        await QueryAsync(AccessSql.ListApiKeys, ApiKey, cancellationToken);

    public async Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(AccessSql.RevokeApiKey, cancellationToken, id, PgTime.ToDb(now)) == 1;

    public async Task<IReadOnlyList<SigningKey>> ReadSigningKeysAsync(CancellationToken cancellationToken) =>
        await QueryAsync(AccessSql.SigningKeys, r => new SigningKey(
            r.GetString(0), (byte[])r.GetValue(1), PgTime.Read(r, 2), r.IsDBNull(3) ? null : PgTime.Read(r, 3)), cancellationToken);

    public async Task RotateSigningKeyAsync(SigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var retire = new NpgsqlCommand(AccessSql.RetireSigningKeys, connection, transaction))
        {
            retire.Parameters.Add(new NpgsqlParameter { Value = PgTime.ToDb(key.CreatedAt) });
            await retire.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = new NpgsqlCommand(AccessSql.InsertSigningKey, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = key.Kid });
            insert.Parameters.Add(new NpgsqlParameter { Value = key.Secret });
            insert.Parameters.Add(new NpgsqlParameter { Value = PgTime.ToDb(key.CreatedAt) });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteAsync(AccessSql.InsertAudit, cancellationToken, PgTime.ToDb(record.At), record.Actor, record.Action, record.Target,
            record.Status, record.Ip, record.RequestId, record.Details);
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(int limit, CancellationToken cancellationToken) =>
        await QueryAsync(AccessSql.ReadAudit, r => new AuditRecord(
            PgTime.Read(r, 0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4),
            r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7)), cancellationToken, limit);

    public async Task<IdempotencyClaim> ClaimIdempotencyAsync(string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await ExecuteAsync(AccessSql.ClaimIdempotency, cancellationToken, key, fingerprint, PgTime.ToDb(now)) == 1)
        {
            return new IdempotencyClaim.Claimed();
        }

        var existing = (await QueryAsync(AccessSql.ReadIdempotency, r => r.IsDBNull(1)
            ? null
            : new IdempotencyClaim.Existing((byte[])r.GetValue(0), r.GetInt32(1), r.IsDBNull(2) ? [] : (byte[])r.GetValue(2)), cancellationToken, key)).FirstOrDefault();
        if (existing is not null)
        {
            return existing;
        }

        var reclaimed = await ExecuteAsync(AccessSql.ReclaimIdempotency, cancellationToken, key, fingerprint, PgTime.ToDb(now), PgTime.ToDb(now - AccessSql.AbandonedAfter));
        return reclaimed == 1 ? new IdempotencyClaim.Claimed() : new IdempotencyClaim.InFlight();
    }

    public Task CompleteIdempotencyAsync(string key, int status, byte[] body, CancellationToken cancellationToken) =>
        ExecuteAsync(AccessSql.CompleteIdempotency, cancellationToken, key, status, body);

    public Task AbandonIdempotencyAsync(string key, CancellationToken cancellationToken) =>
        ExecuteAsync(AccessSql.AbandonIdempotency, cancellationToken, key);

    private static ApiKeyRecord ApiKey(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), (byte[])r.GetValue(3), AccessSql.ParseScopes(r.GetString(4)),
        PgTime.Read(r, 5), r.IsDBNull(6) ? null : PgTime.Read(r, 6));
}
