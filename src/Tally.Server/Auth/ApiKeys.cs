using System.Security.Cryptography;
using System.Text;
using Tally.Ledger.Storage;

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

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[]? FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
