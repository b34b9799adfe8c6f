
namespace Tally.Server.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header: 1–255 printable ASCII characters. Keys are scoped to the
/// credential and the matched route with its values, so two API keys (or two routes, or two
/// accounts) never share one.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>(null, null) without a header; (key, null) with a valid one; (null, problem) otherwise.</summary>
    public static (string? ClientKey, BytesResult? Problem) Read(HttpContext http)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values))
        {
            return (null, null);
        }

        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > 255 || !key.All(c => c is >= ' ' and <= '~'))
        {
            return (null, Problems.Result(Problems.Validation(Problems.TraceId(http), Header, "must be 1–255 printable ASCII characters")));
        }

        return (key, null);
    }

    /// <summary>The stored key: credential, route and the client's key.</summary>
    public static string Scoped(HttpContext http, string credential, string clientKey) =>
        $"{credential}|{Route(http)}|{clientKey}";

    /// <summary>
    /// The request's method and matched route with its values — not the raw path, so every
    /// spelling routing treats as one route (case, a trailing slash) is one scope.
    /// </summary>
    public static string Route(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var method = HttpMethods.GetCanonicalizedValue(http.Request.Method);
        if (http.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return $"{method} {http.Request.Path}";
        }

        var values = endpoint.RoutePattern.Parameters.Select(p => $"{p.Name}={http.GetRouteValue(p.Name)}");
        return $"{method} {endpoint.RoutePattern.RawText}?{string.Join('&', values)}";
    }
}
