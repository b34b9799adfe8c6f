using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tally.Payments.Dodo.Webhooks;

/// <summary>
/// Signs and verifies webhooks the Standard Webhooks way (standardwebhooks.com), as DodoPayments
/// does and as Tally does for its own outbound webhooks: an HMAC-SHA256 over
/// <c>"{webhook-id}.{webhook-timestamp}.{raw body}"</c>, sent as <c>v1,&lt;base64&gt;</c> in
/// <c>webhook-signature</c>. Thread-safe; one instance per secret.
/// </summary>
public sealed class StandardWebhooks
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>How far the timestamp may be from now, either way, before a delivery is refused as a replay.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private const string SecretPrefix = "whsec_";
    private const string Version = "v1";

    // Longer ids or signature headers are not webhooks we sent or expect; bounding them bounds the work.
    private const int MaxIdLength = 256;
    private const int MaxSignatureHeaderLength = 4096;

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    /// <summary>
    /// Takes the secret as <c>whsec_&lt;base64&gt;</c> (the key is the decoded part) or as the bare
    /// base64 key. Throws <see cref="ArgumentException"/> when it is empty or not base64.
    /// </summary>
    public StandardWebhooks(string secret, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _key = DecodeSecret(secret);
        _time = time;
    }

    /// <summary>The HMAC key of a <c>whsec_…</c> or bare base64 secret; throws <see cref="ArgumentException"/> for anything else.</summary>
    public static byte[] DecodeSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            var key = Convert.FromBase64String(encoded);
            if (key.Length == 0)
                throw new ArgumentException("The webhook secret has an empty key.", nameof(secret));
            return key;
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The webhook secret is not whsec_<base64> or base64.", nameof(secret), e);
        }
    }

    /// <summary>A new random secret in the <c>whsec_&lt;base64&gt;</c> form (24 random bytes, as Dodo and Svix make them).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>The <c>webhook-signature</c> value (<c>v1,&lt;base64&gt;</c>) for one delivery.</summary>
    public string Sign(string id, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Version + "," + Convert.ToBase64String(Mac(id, timestampSeconds.ToString(CultureInfo.InvariantCulture), body));
    }

    /// <summary>
    /// The three headers of one delivery made now: <c>webhook-id</c>, <c>webhook-timestamp</c>
    /// (unix seconds from the injected clock) and <c>webhook-signature</c>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> SignedHeaders(string id, ReadOnlySpan<byte> body)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        return
        [
            new(IdHeader, id),
            new(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture)),
            new(SignatureHeader, Sign(id, timestamp, body)),
        ];
    }

    /// <summary>Verifies a delivery given its headers (names matched case-insensitively) and raw body.</summary>
    public WebhookVerification Verify(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Verify(FindHeader(headers, IdHeader), FindHeader(headers, TimestampHeader), FindHeader(headers, SignatureHeader), body);
    }

    /// <summary>
    /// Verifies one delivery: accepted when any <c>v1</c> signature in the space-separated header
    /// matches (other versions are ignored) and the timestamp is within <see cref="Tolerance"/> of
    /// now. Never throws for bad input: a refusal carries a short reason.
    /// </summary>
    public WebhookVerification Verify(string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(id))
            return WebhookVerification.Refuse("missing webhook-id header");
        if (id.Length > MaxIdLength)
            return WebhookVerification.Refuse("webhook-id header too long");
        if (string.IsNullOrEmpty(timestamp))
            return WebhookVerification.Refuse("missing webhook-timestamp header");
        if (string.IsNullOrEmpty(signatureHeader))
            return WebhookVerification.Refuse("missing webhook-signature header");
        if (signatureHeader.Length > MaxSignatureHeaderLength)
            return WebhookVerification.Refuse("webhook-signature header too long");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return WebhookVerification.Refuse("malformed webhook-timestamp header");

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        // Compared in seconds, as sent: exactly five minutes off is still accepted.
        if (seconds < now - (long)Tolerance.TotalSeconds)
            return WebhookVerification.Refuse("webhook-timestamp too old");
        if (seconds > now + (long)Tolerance.TotalSeconds)
            return WebhookVerification.Refuse("webhook-timestamp in the future");

        // Compare the base64 text, not the decoded bytes: a lenient decoder maps several spellings
        // (non-zero padding bits) to one MAC, and only the canonical spelling is the signature.
        var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(Mac(id, timestamp, body)));
        var sawVersion1 = false;
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = part.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !part.AsSpan(0, comma).SequenceEqual(Version))
                continue;
            sawVersion1 = true;
            var given = Encoding.ASCII.GetBytes(part[(comma + 1)..]);
            if (CryptographicOperations.FixedTimeEquals(given, expected))
                return WebhookVerification.Valid;
        }

        return WebhookVerification.Refuse(sawVersion1 ? "no matching signature" : "no v1 signature");
    }

    private byte[] Mac(string id, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(Encoding.UTF8.GetBytes(id));
        hmac.AppendData("."u8);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    /// <summary>A header by name, matched exactly first, then case-insensitively; null when absent.</summary>
    public static string? FindHeader(IReadOnlyDictionary<string, string> headers, string name)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.TryGetValue(name, out var value))
            return value;
        foreach (var (key, v) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                return v;
        }

        return null;
    }
}

/// <summary>The outcome of <see cref="StandardWebhooks.Verify(string?, string?, string?, ReadOnlySpan{byte})"/>: valid, or refused with a short reason.</summary>
public sealed record WebhookVerification(string? Refusal)
{
    public static readonly WebhookVerification Valid = new((string?)null);

    public bool IsValid => Refusal is null;

    public static WebhookVerification Refuse(string reason) => new(reason);
}
