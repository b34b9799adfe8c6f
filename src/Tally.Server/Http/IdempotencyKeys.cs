
namespace Tally.Server.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header: 1–255 printable ASCII characters. Keys are scoped to the
/// credential, the method and the path, so two API keys (or two routes) never share one.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>(null, null) without a header; (key, null) with a valid one; (null, problem) otherwise.</summary>
    public static (string? ClientKey, IResult? Problem) Read(HttpContext http)
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

    /// <summary>The stored key: credential, method, path and the client's key.</summary>
    public static string Scoped(HttpContext http, string credential, string clientKey) =>
        $"{credential}|{http.Request.Method} {http.Request.Path}|{clientKey}";
}
