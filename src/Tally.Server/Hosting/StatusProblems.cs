using Tally.Server.Http;

namespace Tally.Server.Hosting;

/// <summary>
/// Bodies for answers the framework gives without one — no route matched (404), a route that
/// exists with another method (405, with its <c>Allow</c> header) — in the same problem shape as
/// every other Tally error, not ASP.NET's defaults.
/// </summary>
public static class StatusProblems
{
    public static Task WriteAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var status = http.Response.StatusCode;
        var (code, detail) = status switch
        {
            StatusCodes.Status404NotFound => ("not_found", "no such route; the API is under /v1 (see /openapi/v1.json)"),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", $"the route does not take {HttpMethods.GetCanonicalizedValue(http.Request.Method)}; it takes {http.Response.Headers.Allow}"),
            StatusCodes.Status401Unauthorized => ("unauthorized", "send Authorization: Bearer <API key or client token>"),
            StatusCodes.Status403Forbidden => ("forbidden", "the credential may not do this"),
            StatusCodes.Status413PayloadTooLarge => ("payload_too_large", "the body is too large"),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "send the body as application/json"),
            StatusCodes.Status429TooManyRequests => ("rate_limited", "too many requests; retry later"),
            >= 500 => ("internal_error", "an unexpected error; it has been logged with this trace id"),
            _ => ("malformed_request", "the request could not be understood"),
        };
        return Problems.Result(http, status, code, detail).ExecuteAsync(http);
    }
}
