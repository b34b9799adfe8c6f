using Tally.Access;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.ApiKeys;

public sealed record ApiKeyRequest(string? Name, string[]? Scopes);

/// <summary>A key as listed: never its secret.</summary>
public sealed record ApiKeyDto(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyDto From(ApiKeyRecord k) => new(k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.RevokedAt);
}

/// <summary>The answer to creating a key: the only time its secret is shown.</summary>
/// <remarks><c>Secret</c> is null in an idempotent replay: secrets are never stored in clear.</remarks>
public sealed record CreatedApiKeyDto(string Id, string Name, IReadOnlyList<string> Scopes, string? Secret, DateTimeOffset CreatedAt);

public static class ApiKeyEndpoints
{
    public static void MapApiKeys(this RouteGroupBuilder v1)
    {
        var keys = v1.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(Policies.Admin);
        keys.MapGet("", ListAsync);
        keys.MapPost("", CreateAsync).Audited(redacted: true).Accepts<ApiKeyRequest>("application/json")
            .WithSummary("Create a key; its secret is in this answer only");
        keys.MapDelete("/{id}", RevokeAsync).Audited().WithSummary("Revoke a key");
    }

    private static async Task<Answer<ListResponse<ApiKeyDto>>> ListAsync(IAccessStore store, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<ApiKeyDto>((await store.ListApiKeysAsync(ct)).Select(ApiKeyDto.From).ToList()));

    [Refusals(400)]
    private static async Task<CreatedAnswer<CreatedApiKeyDto>> CreateAsync(HttpContext http, IAccessStore store, HttpIdempotency idempotency, TimeProvider time, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<ApiKeyRequest>(http, async body =>
        {
            var request = body.Value;
            var errors = Check(request);
            if (errors.Count > 0)
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), errors));
            }

            var (secret, record) = Auth.ApiKeys.Create(request.Name!.Trim(), request.Scopes!.Distinct().ToList(), time.GetUtcNow());
            await store.CreateApiKeyAsync(record, ct);
            var created = new CreatedApiKeyDto(record.Id, record.Name, record.Scopes, secret, record.CreatedAt);
            return BytesResult.JsonWithSecret(201, created, created with { Secret = null });
        });
    }

    /// <summary>The field errors of a key request (none when it may be created): the API's and the admin panel's one rule.</summary>
    internal static Dictionary<string, string[]> Check(ApiKeyRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = [$"must be 1–{Tally.Ledger.Engine.FieldRules.MaxNameLength} characters"];
        }
        else if (Tally.Ledger.Engine.FieldRules.Text(request.Name, Tally.Ledger.Engine.FieldRules.MaxNameLength) is { } problem)
        {
            errors["name"] = [problem];
        }

        if (request.Scopes is not { Length: > 0 } scopes || scopes.Any(s => s is null || !Auth.Scopes.All.Contains(s)))
        {
            errors["scopes"] = ["must list one or more of read, charge, grant, admin"];
        }

        return errors;
    }

    [Refusals(404)]
    private static async Task<EmptyAnswer> RevokeAsync(string id, HttpContext http, IAccessStore store, ApiKeyCache cache, HttpIdempotency idempotency, TimeProvider time, CancellationToken ct) =>
        await idempotency.RunAsync(http, [], async () =>
        {
            if (!await store.RevokeApiKeyAsync(id, time.GetUtcNow(), ct))
            {
                return Requests.NotFound(http, "live API key", id);
            }

            cache.Forget();
            return BytesResult.NoContent();
        });
}
