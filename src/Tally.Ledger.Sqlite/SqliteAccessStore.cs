using System.Data.Common;
using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore
{
    public Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExecuteWrite(AccessSql.InsertApiKey, key.Id, key.Name, key.Prefix, key.SecretHash, AccessSql.FormatScopes(key.Scopes), SqliteTime.ToMicros(key.CreatedAt));
    }

    public Task<ApiKeyRecord?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken) =>
        ReadAsync(session =>
        {
            using var reader = session[AccessSql.FindApiKey].Query(secretHash);
            return reader.Read() ? ApiKey(reader) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ApiKeyRecord>>(session => ReadAll(session[AccessSql.ListApiKeys].Query(), ApiKey), cancellationToken);

    public async Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(AccessSql.RevokeApiKey, id, SqliteTime.ToMicros(now)) == 1;

    public Task<IReadOnlyList<SigningKey>> ReadSigningKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SigningKey>>(session => ReadAll(session[AccessSql.SigningKeys].Query(), r => new SigningKey(
            r.GetString(0), (byte[])r.GetValue(1), SqliteTime.Read(r, 2), r.IsDBNull(3) ? null : SqliteTime.Read(r, 3))), cancellationToken);

    public Task RotateSigningKeyAsync(SigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            session[AccessSql.RetireSigningKeys].Execute(SqliteTime.ToMicros(key.CreatedAt));
            session[AccessSql.InsertSigningKey].Execute(key.Kid, key.Secret, SqliteTime.ToMicros(key.CreatedAt));
            transaction.Commit();
            return 0;
        });
    }

    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteWrite(AccessSql.InsertAudit, SqliteTime.ToMicros(record.At), record.Actor, record.Action, record.Target, record.Status,
            record.Ip, record.RequestId, record.Details);
    }

    public Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AuditRecord>>(session => ReadAll(session[AccessSql.ReadAudit].Query(limit), r => new AuditRecord(
            SqliteTime.Read(r, 0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4),
            r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7))), cancellationToken);

    public Task<IdempotencyClaim> ClaimIdempotencyAsync(string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken) =>
        WithWriterAsync<IdempotencyClaim>(session =>
        {
            using var transaction = session.Begin(write: true);
            var claim = Claim(session, key, fingerprint, now);
            transaction.Commit();
            return claim;
        });

    public Task CompleteIdempotencyAsync(string key, int status, byte[] body, CancellationToken cancellationToken) =>
        ExecuteWrite(AccessSql.CompleteIdempotency, key, status, body);

    public Task AbandonIdempotencyAsync(string key, CancellationToken cancellationToken) =>
        ExecuteWrite(AccessSql.AbandonIdempotency, key);

    public Task<int> PendingMigrationsAsync(CancellationToken cancellationToken) =>
        ReadAsync(session =>
        {
            var exists = (long)session["SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"].Scalar()! > 0;
            if (!exists)
            {
                return SqliteMigrator.Scripts.Count;
            }

            var done = ReadAll(session["SELECT version FROM schema_migrations"].Query(), r => r.GetInt32(0)).ToHashSet();
            return SqliteMigrator.Scripts.Count(s => !done.Contains(s.Version));
        }, cancellationToken);

    private static IdempotencyClaim Claim(SqliteSession session, string key, byte[] fingerprint, DateTimeOffset now)
    {
        if (session[AccessSql.ClaimIdempotency].Execute(key, fingerprint, SqliteTime.ToMicros(now)) == 1)
        {
            return new IdempotencyClaim.Claimed();
        }

        using (var reader = session[AccessSql.ReadIdempotency].Query(key))
        {
            if (reader.Read() && !reader.IsDBNull(1))
            {
                return new IdempotencyClaim.Existing((byte[])reader.GetValue(0), reader.GetInt32(1), reader.IsDBNull(2) ? [] : (byte[])reader.GetValue(2));
            }
        }

        var stale = SqliteTime.ToMicros(now - AccessSql.AbandonedAfter);
        return session[AccessSql.ReclaimIdempotency].Execute(key, fingerprint, SqliteTime.ToMicros(now), stale) == 1
            ? new IdempotencyClaim.Claimed()
            : new IdempotencyClaim.InFlight();
    }

    private static ApiKeyRecord ApiKey(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), (byte[])r.GetValue(3), AccessSql.ParseScopes(r.GetString(4)),
        SqliteTime.Read(r, 5), r.IsDBNull(6) ? null : SqliteTime.Read(r, 6));

    private static List<T> ReadAll<T>(DbDataReader reader, Func<DbDataReader, T> map)
    {
        using (reader)
        {
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
    }
}
