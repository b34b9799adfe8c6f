namespace Tally.Ledger.Relational;

/// <summary>
/// Access-store SQL both engines accept (positional $n parameters). Timestamps are bound in each
/// store's own representation.
/// </summary>
public static class AccessSql
{
    public const string InsertApiKey = "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)";
    public const string ApiKeyColumns = "id, name, prefix, secret_hash, scopes, created_at, revoked_at";
    public const string FindApiKey = $"SELECT {ApiKeyColumns} FROM api_keys WHERE secret_hash = $1";
    public const string ListApiKeys = $"SELECT {ApiKeyColumns} FROM api_keys ORDER BY created_at";
    public const string RevokeApiKey = "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    public const string SigningKeys = "SELECT kid, secret, created_at, retired_at FROM signing_keys ORDER BY created_at";
    public const string RetireSigningKeys = "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL";
    public const string InsertSigningKey = "INSERT INTO signing_keys (kid, secret, created_at, retired_at) VALUES ($1, $2, $3, NULL)";
    public const string InsertAudit = "INSERT INTO audit_log (at, actor, action, target, status, ip, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    public const string ReadAudit = "SELECT at, actor, action, target, status, ip, request_id, details FROM audit_log ORDER BY id DESC LIMIT $1";

    /// <summary>A pending claim has outcome '' and no response yet.</summary>
    public const string ClaimIdempotency = "INSERT INTO idempotency (idempotency_key, fingerprint, outcome, response_status, response_body, created_at) VALUES ($1, $2, '', NULL, NULL, $3) ON CONFLICT (idempotency_key) DO NOTHING";
    public const string ReadIdempotency = "SELECT fingerprint, response_status, response_body, created_at FROM idempotency WHERE idempotency_key = $1";
    public const string ReclaimIdempotency = "UPDATE idempotency SET fingerprint = $2, created_at = $3 WHERE idempotency_key = $1 AND response_status IS NULL AND created_at < $4";
    public const string CompleteIdempotency = "UPDATE idempotency SET response_status = $2, response_body = $3 WHERE idempotency_key = $1";
    public const string AbandonIdempotency = "DELETE FROM idempotency WHERE idempotency_key = $1 AND response_status IS NULL";

    /// <summary>A claim nobody completed within this long is taken to be from a crashed request.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(1);

    public static IReadOnlyList<string> ParseScopes(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static string FormatScopes(IEnumerable<string> scopes) => string.Join(' ', scopes);
}
