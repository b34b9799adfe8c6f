using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Tally.Access;

namespace Tally.Server.Ui.Portal;

/// <summary>Why a portal link does not open.</summary>
public enum PortalLinkRefusal
{
    Unknown,
    Used,
    Expired,
}

/// <summary>
/// One-time links that open the customer portal for one account (docs/ui.md). The host app's
/// backend mints one (admin key) and sends its user there; the first GET uses it up and sets a
/// portal session cookie for that account only. Only the token's SHA-256 is stored.
/// </summary>
public sealed class PortalLinks(IWebAccessStore store, TimeProvider time)
{
    public const string TokenPrefix = "tally_pl_";
    public const int DefaultTtlSeconds = 600;
    public const int MaxTtlSeconds = 86_400;

    /// <summary>How long a portal session lasts without activity.</summary>
    public static readonly TimeSpan SessionLength = TimeSpan.FromHours(1);

    public async Task<(string Token, DateTimeOffset ExpiresAt)> CreateAsync(string account, TimeSpan ttl, string? returnUrl, CancellationToken ct)
    {
        var token = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var link = new PortalLink(Hash(token), account, returnUrl, now, now + ttl, null);
        await store.CreatePortalLinkAsync(link, ct);
        return (token, link.ExpiresAt);
    }

    /// <summary>Uses the link (once, ever) and signs the browser in to the portal for its account.</summary>
    public async Task<PortalLinkRefusal?> OpenAsync(HttpContext http, string? token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (token is null || !token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return PortalLinkRefusal.Unknown;
        }

        var hash = Hash(token);
        var link = await store.UsePortalLinkAsync(hash, time.GetUtcNow(), ct);
        if (link is null)
        {
            var stored = await store.FindPortalLinkAsync(hash, ct);
            return stored is null ? PortalLinkRefusal.Unknown : stored.UsedAt is not null ? PortalLinkRefusal.Used : PortalLinkRefusal.Expired;
        }

        List<Claim> claims = [new(UiServices.AccountClaim, link.Account)];
        if (link.ReturnUrl is { } back)
        {
            claims.Add(new Claim(UiServices.ReturnUrlClaim, back));
        }

        await http.SignInAsync(UiServices.PortalScheme, new ClaimsPrincipal(new ClaimsIdentity(claims, UiServices.PortalScheme)));
        return null;
    }

    /// <summary>The portal session's account.</summary>
    public static string AccountOf(ClaimsPrincipal user) =>
        user?.FindFirst(UiServices.AccountClaim)?.Value ?? throw new InvalidOperationException("not a portal session");

    private static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
}
