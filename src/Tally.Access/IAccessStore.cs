namespace Tally.Access;

/// <summary>An API key as stored: only the SHA-256 of its secret is kept.</summary>
public sealed record ApiKeyRecord(
    string Id,
    string Name,
    string Prefix,
    byte[] SecretHash,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt);

/// <summary>A key that signs client tokens; retired keys no longer sign but still verify until dropped.</summary>
public sealed record SigningKey(string Kid, byte[] Secret, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

/// <summary>One audited mutation: who did what to which target, from where, with what result.</summary>
public sealed record AuditRecord(
    DateTimeOffset At,
    string Actor,
    string Action,
    string? Target,
    int Status,
    string? Ip,
    string? RequestId,
    string? Details);

/// <summary>What claiming an idempotency key for a non-ledger request found.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>The key is new: do the work, then complete it.</summary>
    public sealed record Claimed : IdempotencyClaim;

    /// <summary>The key was used before; replay this (or refuse when the fingerprint differs).</summary>
    public sealed record Existing(byte[] Fingerprint, int Status, byte[] Body) : IdempotencyClaim;

    /// <summary>Another request with the key is still running.</summary>
    public sealed record InFlight : IdempotencyClaim;
}

/// <summary>
/// Who may use the API and what they did: API keys, client-token signing keys, the audit log,
/// and idempotency for requests that are not ledger mutations (catalogs, keys). Both stores
/// implement it beside their ledger store, in the same database.
/// </summary>
public interface IAccessStore
{
    Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>False when no such live key exists.</summary>
    Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<SigningKey>> ReadSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>Adds a signing key and retires every other one (it keeps verifying what it signed).</summary>
    Task RotateSigningKeyAsync(SigningKey key, CancellationToken cancellationToken);

    Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(int limit, CancellationToken cancellationToken);

    Task<IdempotencyClaim> ClaimIdempotencyAsync(string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken);

    Task CompleteIdempotencyAsync(string key, int status, byte[] body, CancellationToken cancellationToken);

    /// <summary>Forgets a claimed key whose request failed unexpectedly, so a retry can run.</summary>
    Task AbandonIdempotencyAsync(string key, CancellationToken cancellationToken);

    /// <summary>Migrations not yet applied (0 when the schema is current).</summary>
    Task<int> PendingMigrationsAsync(CancellationToken cancellationToken);
}
