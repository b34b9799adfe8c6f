using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Server.Auth;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Ui.Portal;

public sealed record PortalLinkRequest(int? TtlSeconds, string? ReturnUrl);

/// <remarks><c>Url</c> is null in an idempotent replay: the one-time token is never stored in clear.</remarks>
public sealed record PortalLinkDto(string? Url, DateTimeOffset ExpiresAt);

/// <summary><c>POST /v1/accounts/{id}/portal-links</c>: a one-time URL that opens the customer portal.</summary>
public static class PortalLinkEndpoints
{
    public const int MaxReturnUrlLength = 2048;

    public static void MapPortalLinks(this RouteGroupBuilder v1)
    {
        v1.MapPost("/accounts/{externalId}/portal-links", CreateAsync).WithTags("Portal").RequireAuthorization(Policies.Admin).Audited(redacted: true)
            .Accepts<PortalLinkRequest>("application/json")
            .WithSummary("A one-time link that opens the customer portal for this account (docs/ui.md)");
    }

    [Refusals(400, 404)]
    private static async Task<CreatedAnswer<PortalLinkDto>> CreateAsync(string externalId, HttpContext http, PortalLinks links, LedgerGateway gateway, HttpIdempotency idempotency, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<PortalLinkRequest>(http, async body =>
        {
            var traceId = Problems.TraceId(http);
            if (!AccountIds.IsValid(externalId))
            {
                return Problems.Result(Problems.Validation(traceId, "id", FieldRules.AccountId(externalId)!));
            }

            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (body.Value.TtlSeconds is < 1 or > PortalLinks.MaxTtlSeconds)
            {
                errors["ttlSeconds"] = [$"must be an integer from 1 to {PortalLinks.MaxTtlSeconds}"];
            }

            if (body.Value.ReturnUrl is { } back && !IsReturnUrl(back))
            {
                errors["returnUrl"] = [$"must be an absolute http(s) URL of at most {MaxReturnUrlLength} characters"];
            }

            if (errors.Count > 0)
            {
                return Problems.Result(Problems.Validation(traceId, errors));
            }

            if (await gateway.Ledger.GetAccountAsync(externalId, ct) is null)
            {
                return Requests.NotFound(http, "account", externalId);
            }

            var ttl = TimeSpan.FromSeconds(body.Value.TtlSeconds ?? PortalLinks.DefaultTtlSeconds);
            var (token, expiresAt) = await links.CreateAsync(externalId, ttl, body.Value.ReturnUrl, ct);
            var url = $"{UiBase.Of(http)}/portal/open?token={Uri.EscapeDataString(token)}";
            var created = new PortalLinkDto(url, expiresAt);
            return BytesResult.JsonWithSecret(201, created, created with { Url = null });
        }, allowEmpty: true);
    }

    public static bool IsReturnUrl(string value) =>
        value.Length <= MaxReturnUrlLength
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
