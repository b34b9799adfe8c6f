using Microsoft.Extensions.Options;
using Tally.Server.Hosting;

namespace Tally.Server.Http;

/// <summary>Shared pieces of endpoint handlers.</summary>
public static class Requests
{
    /// <summary>Reads a mutation body with the server's size limit.</summary>
    public static Task<(JsonBody<T>? Body, BytesResult? Problem)> BodyAsync<T>(HttpContext http, bool allowEmpty = false, bool batch = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        var settings = http.RequestServices.GetRequiredService<IOptions<TallyOptions>>().Value;
        return JsonBodyReader.ReadAsync<T>(http, batch ? settings.MaxBatchBodyBytes : settings.MaxBodyBytes, allowEmpty, http.RequestAborted);
    }

    public static BytesResult NotFound(HttpContext http, string what, string id) =>
        Problems.Result(http, StatusCodes.Status404NotFound, "not_found", $"no {what} '{id}'");
}
