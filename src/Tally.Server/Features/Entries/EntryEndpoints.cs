using System.Globalization;
using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Entries;

/// <summary>POST /v1/entries/{id}/reverse: default the rest of the charge.</summary>
public sealed record ReverseRequest(decimal? Amount, string? Reason);

/// <summary>History (JSON pages or CSV of everything) and reversals.</summary>
public static class EntryEndpoints
{
    private const int DefaultLimit = 50;

    public static void MapEntries(this RouteGroupBuilder v1)
    {
        v1.MapGet("/accounts/{externalId}/entries", ListAsync).WithTags("Entries").RequireAuthorization(Policies.Read).AllowClientTokens()
            .WithSummary("Journal newest first: ?limit (≤ 500) &cursor &type &feature &unit &from &to (from inclusive, to exclusive); Accept: text/csv for all pages as CSV");
        v1.MapPost("/entries/{entryId}/reverse", ReverseAsync).WithTags("Entries").RequireAuthorization(Policies.Grant)
            .Accepts<ReverseRequest>("application/json")
            .WithSummary("Undo a charge or capture, fully or partly; the credits come back as a refund lot");
    }

    [Refusals(400, 404), Also(200, "text/csv")]
    private static async Task<Answer<EntryListResponse>> ListAsync(string externalId, HttpContext http, CreditLedger ledger, CancellationToken ct)
    {
        var (query, problem) = Parse(http, externalId);
        if (problem is not null)
        {
            return problem;
        }

        if (WantsCsv(http))
        {
            if (await ledger.GetAccountAsync(externalId, ct) is null)
            {
                return Requests.NotFound(http, "account", externalId);
            }

            return Answer<EntryListResponse>.Of(new EntriesCsvResult(ledger, query! with { Limit = EntryCursor.MaxLimit, BeforeSeq = null }));
        }

        var page = await ledger.GetEntriesAsync(query!, ct);
        return page is null
            ? Requests.NotFound(http, "account", externalId)
            : BytesResult.Json(200, new EntryListResponse(page.Entries.Select(EntryDto.From).ToList(), page.NextCursor));
    }

    [Refusals(400, 404, 409)]
    private static async Task<CreatedAnswer<MutationResponse>> ReverseAsync(string entryId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<ReverseRequest>(http, allowEmpty: true);
        if (problem is not null)
        {
            return problem;
        }

        var request = body!.Value;
        var fields = new Fields(gateway.Ledger);
        fields.Text(request.Reason, "reason");
        if (!fields.Ok)
        {
            return fields.Problem(http);
        }

        return LedgerIds.TryParseEntry(entryId, out var id)
            ? await gateway.RunAsync(http, new Reverse(id, request.Amount, request.Reason), Responses.Entry, ct)
            : Requests.NotFound(http, "entry", entryId);
    }

    private static (EntryQuery? Query, BytesResult? Problem) Parse(HttpContext http, string account)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (limit, limitProblem) = Requests.Limit(q, DefaultLimit, EntryCursor.MaxLimit);
        if (limitProblem is not null)
        {
            errors["limit"] = [limitProblem];
        }

        long? before = null;
        if (q["cursor"].ToString() is { Length: > 0 } cursor)
        {
            if (EntryCursor.TryDecode(cursor, out var seq))
            {
                before = seq;
            }
            else
            {
                errors["cursor"] = ["is not a cursor this API returned"];
            }
        }

        EntryType? type = null;
        if (q["type"].ToString() is { Length: > 0 } typeText)
        {
            if (Names.TryParseEntryType(typeText, out var parsed))
            {
                type = parsed;
            }
            else
            {
                errors["type"] = ["must be one of " + string.Join(", ", Enum.GetValues<EntryType>().Select(Names.Of))];
            }
        }

        var from = Time(q, "from", errors);
        var to = Time(q, "to", errors);
        if (errors.Count > 0)
        {
            return (null, Problems.Result(Problems.Validation(Problems.TraceId(http), errors)));
        }

        var feature = q["feature"].ToString() is { Length: > 0 } f ? f : null;
        var unit = q["unit"].ToString() is { Length: > 0 } u ? u : null;
        return (new EntryQuery(account, limit, before, type, feature, unit, from, to), null);
    }

    /// <summary>ISO 8601 only (a date, or a date and time with an optional fraction and offset): never a culture's "1/2/2026".</summary>
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    private static DateTimeOffset? Time(IQueryCollection q, string name, Dictionary<string, string[]> errors)
    {
        var text = q[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParseExact(text, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors[name] = ["must be an ISO 8601 date or timestamp, e.g. 2026-12-01 or 2026-12-01T09:30:00Z"];
        return null;
    }

    private static bool WantsCsv(HttpContext http) =>
        http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase))
        || string.Equals(http.Request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase);
}
