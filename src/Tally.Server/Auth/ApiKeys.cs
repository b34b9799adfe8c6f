using System.Security.Cryptography;
using System.Text;
using Tally.Access;

namespace Tally.Server.Auth;

/// <summary>The scopes an API key may hold; <c>admin</c> implies every other.</summary>
public static class Scopes
{
    public const string Read = "read";
    public const string Charge = "charge";
    public const string Grant = "grant";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Read, Charge, Grant, Admin };
}

/// <summary>
/// API keys: <c>tally_sk_</c> + 40 URL-safe characters (240 random bits). Only the SHA-256 of the
/// secret is stored; the secret is shown once, when created.
/// </summary>
public static class ApiKeys
{
    public const string SecretPrefix = "tally_sk_";
    private const int MinSecretChars = 32;

    public static (string Secret, ApiKeyRecord Record) Create(string name, IReadOnlyList<string> scopes, DateTimeOffset now)
    {
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(30));
        return (secret, RecordFor(secret, name, scopes, now));
    }

    public static ApiKeyRecord RecordFor(string secret, string name, IReadOnlyList<string> scopes, DateTimeOffset now)
    {
        var hash = Hash(secret);
        return new ApiKeyRecord("key_" + Convert.ToHexStringLower(hash.AsSpan(0, 8)), name, secret[..(SecretPrefix.Length + 4)], hash, scopes, now, null);
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool IsWellFormed(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length < SecretPrefix.Length + MinSecretChars || secret.Length > 200)
        {
            return false;
        }

        foreach (var c in secret.AsSpan(SecretPrefix.Length))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// The bytes of canonical unpadded base64url text; null for anything else — including other
    /// spellings of the same bytes (padding, non-zero trailing bits), so a credential has exactly
    /// one accepted form.
    /// </summary>
    public static byte[]? FromBase64Url(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!System.Buffers.Text.Base64Url.IsValid(text))
        {
            return null;
        }

        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        return Base64Url(bytes) == text ? bytes : null;
    }
}
