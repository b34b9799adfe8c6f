using Microsoft.Extensions.Options;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Server.Auth;
using Tally.Server.Hosting;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.ClientTokens;

public sealed record ClientTokenRequest(int? TtlSeconds);

/// <remarks><c>Token</c> is null in an idempotent replay: secrets are never stored in clear.</remarks>
public sealed record ClientTokenDto(string? Token, DateTimeOffset ExpiresAt);

public static class ClientTokenEndpoints
{
    public static void MapClientTokens(this RouteGroupBuilder v1)
    {
        v1.MapPost("/accounts/{externalId}/client-tokens", IssueAsync).WithTags("Client tokens").RequireAuthorization(Policies.Admin).Audited(redacted: true)
            .Accepts<ClientTokenRequest>("application/json")
            .WithSummary("A short-lived browser token for one account: read its balance, history and events");
    }

    [Refusals(400)]
    private static async Task<CreatedAnswer<ClientTokenDto>> IssueAsync(string externalId, HttpContext http, Auth.ClientTokens tokens, IOptions<TallyOptions> settings, HttpIdempotency idempotency, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<ClientTokenRequest>(http, async body =>
        {
            if (!AccountIds.IsValid(externalId))
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), "id", FieldRules.AccountId(externalId)!));
            }

            if (body.Value.TtlSeconds is < 1 or > 3600)
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), "ttlSeconds", "must be an integer from 1 to 3600"));
            }

            var ttl = body.Value.TtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.Value.ClientTokenDefaultTtl;
            var (token, expiresAt) = await tokens.IssueAsync(externalId, ttl, ct);
            var issued = new ClientTokenDto(token, expiresAt);
            return BytesResult.JsonWithSecret(201, issued, issued with { Token = null });
        }, allowEmpty: true);
    }
}
