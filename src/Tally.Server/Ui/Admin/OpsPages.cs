using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Tally.Server.Ui.Admin;

/// <summary>What the admin ops pages share: the not-found page, audit details as JSON, fixed notices.</summary>
internal static class OpsPages
{
    public static RazorComponentResult<OpsNotFoundPage> NotFound(HttpContext http, string section, string what, string id, string back) =>
        UiEndpoints.Page<OpsNotFoundPage>(new { Email = AdminLogin.EmailOf(http), Section = section, What = what, Id = id, Back = back }, StatusCodes.Status404NotFound);

    /// <summary>Audit details: the changed item as the API would show it (never a secret).</summary>
    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    /// <summary>The fixed message for a <c>?done=</c> key (null for an unknown one: arbitrary query text is never echoed).</summary>
    public static string? Notice(IReadOnlyDictionary<string, string> notices, string? done) =>
        done is not null && notices.TryGetValue(done, out var notice) ? notice : null;

    /// <summary>A query string ("?a=1&amp;b=2") of the parameters that have a value, each escaped; "" when none has.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
