using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Tally.Server.Http;

namespace Tally.Server.Auth;

/// <summary>Claims a Tally credential puts on the request.</summary>
public static class TallyClaims
{
    public const string Credential = "tally:credential";
    public const string Kind = "tally:kind";
    public const string Scope = "tally:scope";
    public const string Account = "tally:account";

    /// <summary>When a client token expires (Unix seconds); API keys carry none.</summary>
    public const string Expires = "tally:expires";
    public const string ApiKey = "api_key";
    public const string ClientToken = "client_token";

    public static string? CredentialOf(ClaimsPrincipal user) => user.FindFirst(Credential)?.Value;

    /// <summary>When the credential stops being valid (client tokens), or null.</summary>
    public static DateTimeOffset? ExpiresAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(Expires)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static bool IsClientToken(ClaimsPrincipal user) => user.FindFirst(Kind)?.Value == ClientToken;

    public static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.HasClaim(Scope, Scopes.Admin) || user.HasClaim(Scope, scope);
}

/// <summary>
/// Authenticates <c>Authorization: Bearer tally_sk_…</c> (API keys) and <c>Bearer tally_ct_…</c>
/// (client tokens). Challenges and refusals answer problem documents (401 unauthorized, 403
/// forbidden), never redirects.
/// </summary>
public sealed class TallyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyCache keys,
    ClientTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Tally";
    private const string FailureKey = "tally:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var credential = BearerToken();
        if (credential is null)
        {
            return Fail("send the credential as Authorization: Bearer <API key or client token>");
        }

        if (credential.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (credential.StartsWith(ApiKeys.SecretPrefix, StringComparison.Ordinal))
        {
            var key = ApiKeys.IsWellFormed(credential) ? await keys.FindAsync(credential, Context.RequestAborted) : null;
            if (key is null)
            {
                return Fail("unknown or revoked API key");
            }

            var claims = new List<Claim> { new(TallyClaims.Credential, key.Id), new(TallyClaims.Kind, TallyClaims.ApiKey) };
            claims.AddRange(key.Scopes.Select(s => new Claim(TallyClaims.Scope, s)));
            return Success(claims);
        }

        if (credential.StartsWith(ClientTokens.Prefix, StringComparison.Ordinal))
        {
            var verified = await tokens.VerifyAsync(credential, Context.RequestAborted);
            if (verified is not { } token)
            {
                return Fail("invalid or expired client token");
            }

            var account = token.Account;
            return Success(
            [
                new(TallyClaims.Credential, "ct:" + account),
                new(TallyClaims.Kind, TallyClaims.ClientToken),
                new(TallyClaims.Account, account),
                new(TallyClaims.Scope, Scopes.Read),
                new(TallyClaims.Expires, token.ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
        }

        return Fail("the credential is neither an API key (tally_sk_…) nor a client token (tally_ct_…)");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var detail = Context.Items[FailureKey] as string ?? "send Authorization: Bearer <API key or client token>";
        return Write(StatusCodes.Status401Unauthorized, "unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Write(StatusCodes.Status403Forbidden, "forbidden", "the credential may not do this");

    /// <summary>
    /// The credential of <c>Authorization: Bearer …</c> — the scheme in any case, then one or
    /// more spaces — or, without that header on an endpoint that allows it, of <c>?access_token=</c>.
    /// Empty when none is sent; null when the header uses another scheme or no token
    /// (refused, never guessed at).
    /// </summary>
    private string? BearerToken()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return Context.GetEndpoint()?.Metadata.GetMetadata<AccessTokenInQuery>() is not null
                ? Request.Query["access_token"].ToString()
                : "";
        }

        const string Scheme = "Bearer";
        if (header.Length > Scheme.Length && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header[Scheme.Length] == ' ')
        {
            var credential = header[Scheme.Length..].Trim(' ');
            return credential.Length > 0 && !credential.Contains(' ', StringComparison.Ordinal) ? credential : null;
        }

        return null;
    }

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private static AuthenticateResult Success(IEnumerable<Claim> claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private Task Write(int status, string code, string detail) =>
        Problems.Result(Context, status, code, detail).ExecuteAsync(Context);
}
