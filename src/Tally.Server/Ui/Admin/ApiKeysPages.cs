using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Tally.Access;
using Tally.Server.Auth;
using Tally.Server.Features.ApiKeys;

namespace Tally.Server.Ui.Admin;

/// <summary>The key form: a name and the scopes ticked.</summary>
public sealed class ApiKeyForm
{
    public string? Name { get; set; }

    public string[]? Scopes { get; set; }
}

/// <summary>
/// The admin panel's API keys (docs/ui.md): listed without secrets; created with the rule of
/// <c>POST /v1/api-keys</c>, the secret rendered once in the answer to the form (never in an
/// address, never stored, the page not cached); revoked as <c>DELETE /v1/api-keys/{id}</c> does.
/// </summary>
public static class ApiKeysPages
{
    /// <summary>The scopes in the order the form offers them.</summary>
    public static readonly IReadOnlyList<string> ScopeOrder = [Scopes.Read, Scopes.Charge, Scopes.Grant, Scopes.Admin];

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["revoked"] = "Key revoked: it is refused from now on.",
    };

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/api-keys", async (string? done, HttpContext http, IAccessStore store, CancellationToken ct) =>
            await ListPageAsync(http, store, new ApiKeyForm { Scopes = [Scopes.Read] }, null, OpsPages.Notice(Notices, done), ct));
        admin.MapPost("/api-keys", CreateAsync);
        admin.MapPost("/api-keys/{id}/revoke", RevokeAsync);
    }

    private static async Task<RazorComponentResult<ApiKeysPage>> ListPageAsync(HttpContext http, IAccessStore store, ApiKeyForm form, Dictionary<string, string[]>? errors, string? notice, CancellationToken ct) =>
        UiEndpoints.Page<ApiKeysPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Notice = notice,
            Keys = await store.ListApiKeysAsync(ct),
            Form = form,
            Errors = (IReadOnlyDictionary<string, string[]>?)errors,
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> CreateAsync([FromForm] ApiKeyForm form, HttpContext http, IAccessStore store, AdminAudit audit, TimeProvider time, CancellationToken ct)
    {
        var request = new ApiKeyRequest(form.Name, form.Scopes);
        var errors = ApiKeyEndpoints.Check(request);
        if (errors.Count > 0)
        {
            return await ListPageAsync(http, store, form, errors, null, ct);
        }

        var (secret, record) = ApiKeys.Create(request.Name!.Trim(), request.Scopes!.Distinct().ToList(), time.GetUtcNow());
        await store.CreateApiKeyAsync(record, ct);
        await audit.RecordAsync(http, "create API key", record.Id, StatusCodes.Status201Created,
            OpsPages.Json(new { record.Name, record.Prefix, record.Scopes }), ct);

        // The only time the secret exists outside its hash: rendered into this answer, never redirected to.
        http.Response.Headers.CacheControl = "no-store";
        return UiEndpoints.Page<ApiKeyCreatedPage>(new { Email = AdminLogin.EmailOf(http), Key = record, Secret = secret }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext http, IAccessStore store, ApiKeyCache cache, AdminAudit audit, TimeProvider time, CancellationToken ct)
    {
        if (!await store.RevokeApiKeyAsync(id, time.GetUtcNow(), ct))
        {
            return OpsPages.NotFound(http, "keys", "live API key", id, "/admin/api-keys");
        }

        cache.Forget();
        await audit.RecordAsync(http, "revoke API key", id, StatusCodes.Status204NoContent, null, ct);
        return Results.Redirect("/admin/api-keys?done=revoked");
    }
}
