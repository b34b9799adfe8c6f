using System.Globalization;
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

    /// <summary><c>?limit=</c>: a whole number from 1 to <paramref name="max"/>, <paramref name="defaultLimit"/> when absent; or the field error.</summary>
    public static (int Limit, string? Problem) Limit(IQueryCollection query, int defaultLimit, int max)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query["limit"].ToString() is not { Length: > 0 } text)
        {
            return (defaultLimit, null);
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 && limit <= max
            ? (limit, null)
            : (defaultLimit, $"must be a whole number from 1 to {max}");
    }

    public static BytesResult NotFound(HttpContext http, string what, string id) =>
        Problems.Result(http, StatusCodes.Status404NotFound, "not_found", $"no {what} '{id}'");
}
