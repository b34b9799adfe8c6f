using System.Globalization;

namespace Tally.Server.Http;

/// <summary>Shared pieces of endpoint handlers.</summary>
public static class Requests
{
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
