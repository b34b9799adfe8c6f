using System.Collections.Concurrent;
using Tally.Access;

namespace Tally.Server.Auth;

/// <summary>
/// API keys by secret hash, cached for a few seconds so a charge does not pay a key lookup. A key
/// revoked through this instance stops working at once; through another instance within
/// <see cref="Ttl"/>.
/// </summary>
public sealed class ApiKeyCache(IAccessStore store, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Key, DateTimeOffset At)> _keys = new(StringComparer.Ordinal);

    /// <summary>The live key with this secret, or null (unknown or revoked).</summary>
    public async Task<ApiKeyRecord?> FindAsync(string secret, CancellationToken ct)
    {
        var hash = ApiKeys.Hash(secret);
        var cacheKey = Convert.ToBase64String(hash);
        var now = time.GetUtcNow();
        if (_keys.TryGetValue(cacheKey, out var cached) && now - cached.At < Ttl)
        {
            return cached.Key;
        }

        var key = await store.FindApiKeyAsync(hash, ct);
        if (key?.RevokedAt is not null)
        {
            key = null;
        }

        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        _keys[cacheKey] = (key, now);
        return key;
    }

    public void Forget() => _keys.Clear();
}
