using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tally.Access;

namespace Tally.Server.Auth;

/// <summary>
/// Short-lived browser credentials for one account: <c>tally_ct_</c> + base64url(payload) + "." +
/// base64url(HMAC-SHA256). The payload names the account, the expiry and the signing key (kid),
/// so keys rotate without invalidating tokens already handed out. Signing keys live in the
/// database: every instance signs and verifies with the same ones.
/// </summary>
public sealed class ClientTokens(IAccessStore store, TimeProvider time) : IDisposable
{
    public const string Prefix = "tally_ct_";
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IReadOnlyList<SigningKey> _keys = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    private sealed record Payload(string A, long E, string K);

    /// <summary>A token for <paramref name="account"/> valid for <paramref name="ttl"/>.</summary>
    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(string account, TimeSpan ttl, CancellationToken ct)
    {
        var key = (await KeysAsync(ct)).LastOrDefault(k => k.RetiredAt is null) ?? await RotateAsync(ct);
        // Whole seconds on the wire, rounded up: a token lives at least the ttl it was asked for.
        var expires = time.GetUtcNow().Add(ttl);
        var seconds = expires.ToUnixTimeSeconds();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires > DateTimeOffset.FromUnixTimeSeconds(seconds) ? seconds + 1 : seconds);
        var payload = ApiKeys.Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Payload(account, expiresAt.ToUnixTimeSeconds(), key.Kid)));
        return ($"{Prefix}{payload}.{ApiKeys.Base64Url(Signature(key, payload))}", expiresAt);
    }

    /// <summary>The account a valid, unexpired token is for, and when it expires; null for anything else.</summary>
    public async Task<(string Account, DateTimeOffset ExpiresAt)?> VerifyAsync(string token, CancellationToken ct)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 2048)
        {
            return null;
        }

        var parts = token[Prefix.Length..].Split('.');
        if (parts.Length != 2 || ApiKeys.FromBase64Url(parts[0]) is not { } json)
        {
            return null;
        }

        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(json);
        }
        catch (JsonException)
        {
            return null;
        }

        if (payload is null || string.IsNullOrEmpty(payload.A) || payload.E <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            return null;
        }

        var key = await FindAsync(payload.K, ct);
        if (key is null || ApiKeys.FromBase64Url(parts[1]) is not { } signature)
        {
            return null;
        }

        // Both parts decoded only from their canonical spelling (FromBase64Url), so one token has one form.
        return CryptographicOperations.FixedTimeEquals(signature, Signature(key, parts[0])) ? (payload.A, DateTimeOffset.FromUnixTimeSeconds(payload.E)) : null;
    }

    /// <summary>Makes a new signing key current; older keys still verify the tokens they signed.</summary>
    public async Task<SigningKey> RotateAsync(CancellationToken ct)
    {
        var key = new SigningKey("k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), RandomNumberGenerator.GetBytes(32), time.GetUtcNow(), null);
        await store.RotateSigningKeyAsync(key, ct);
        _loadedAt = DateTimeOffset.MinValue;
        return key;
    }

    public void Dispose() => _lock.Dispose();

    private static byte[] Signature(SigningKey key, string payload) =>
        HMACSHA256.HashData(key.Secret, Encoding.ASCII.GetBytes(Prefix + payload));

    private async Task<SigningKey?> FindAsync(string? kid, CancellationToken ct)
    {
        var key = (await KeysAsync(ct)).FirstOrDefault(k => k.Kid == kid);
        if (key is null && kid is not null)
        {
            _loadedAt = DateTimeOffset.MinValue;
            key = (await KeysAsync(ct)).FirstOrDefault(k => k.Kid == kid);
        }

        return key;
    }

    private async Task<IReadOnlyList<SigningKey>> KeysAsync(CancellationToken ct)
    {
        if (time.GetUtcNow() - _loadedAt < Refresh)
        {
            return _keys;
        }

        await _lock.WaitAsync(ct);
        try
        {
            if (time.GetUtcNow() - _loadedAt >= Refresh)
            {
                _keys = await store.ReadSigningKeysAsync(ct);
                _loadedAt = time.GetUtcNow();
            }

            return _keys;
        }
        finally
        {
            _lock.Release();
        }
    }
}
