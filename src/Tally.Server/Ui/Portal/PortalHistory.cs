using System.Globalization;
using Tally.Ledger;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Server.Features.Entries;
using Tally.Server.Http;

namespace Tally.Server.Ui.Portal;

/// <summary>The history filters as the form sent them (echoed into the form), and what they mean.</summary>
public sealed record HistoryFilters(string? Type, string? Feature, string? From, string? To)
{
    /// <summary>The filters as a query string (no leading <c>?</c>), plus a cursor when given.</summary>
    public string Query(string? cursor = null)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is { Length: > 0 })
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("type", Type);
        Add("feature", Feature);
        Add("from", From);
        Add("to", To);
        Add("cursor", cursor);
        return string.Join('&', parts);
    }
}

/// <summary>
/// The portal's History page (<c>/portal/history</c>): the account's journal newest first, filtered
/// by type, feature and dates (both included), a page at a time; and the same filters as CSV
/// (<c>/portal/history.csv</c>, the API's CSV writer).
/// </summary>
public static class PortalHistory
{
    public const int PageSize = 25;

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/history", PageAsync);
        pages.MapGet("/history.csv", Csv);
    }

    private static async Task<IResult> PageAsync(string? type, string? feature, string? from, string? to, string? cursor, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var filters = new HistoryFilters(Clip(type), Clip(feature), Clip(from), Clip(to));
        var (query, errors) = Parse(account, filters);
        long? before = EntryCursor.TryDecode(cursor, out var seq) ? seq : null;
        var page = query is null ? null : await gateway.Ledger.GetEntriesAsync(query with { BeforeSeq = before }, ct);
        var features = (await gateway.Ledger.Store.ReadFeaturesAsync(ct)).Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
        return UiEndpoints.Page<PortalHistoryPage>(new
        {
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Filters = filters,
            Errors = errors,
            Features = features,
            Entries = page?.Entries ?? [],
            NextCursor = page?.NextCursor,
            Paged = before is not null,
        }, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static IResult Csv(string? type, string? feature, string? from, string? to, HttpContext http, LedgerGateway gateway)
    {
        var account = PortalLinks.AccountOf(http.User);
        var (query, errors) = Parse(account, new HistoryFilters(Clip(type), Clip(feature), Clip(from), Clip(to)));
        if (query is null)
        {
            return Results.Text(string.Join("\n", errors.Select(e => $"{e.Key}: {e.Value}")), "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        return new EntriesCsvResult(gateway.Ledger, query with { Limit = EntryCursor.MaxLimit });
    }

    /// <summary>The journal query for these filters, or the field errors (by field name) to show.</summary>
    public static (EntryQuery? Query, IReadOnlyDictionary<string, string> Errors) Parse(string account, HistoryFilters filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        EntryType? type = null;
        if (filters.Type is { Length: > 0 } typeText)
        {
            if (Names.TryParseEntryType(typeText, out var parsed))
            {
                type = parsed;
            }
            else
            {
                errors["type"] = "Choose a type from the list.";
            }
        }

        var from = Date(filters.From, "from", errors);
        var to = Date(filters.To, "to", errors);
        if (from is not null && to is not null && from > to)
        {
            errors["to"] = "The end date must not be before the start date.";
        }

        // The form's dates are whole days, both included: the journal's "to" is exclusive.
        return errors.Count > 0
            ? (null, errors)
            : (new EntryQuery(account, PageSize, Type: type, Feature: filters.Feature is { Length: > 0 } f ? f : null, From: from, To: to?.AddDays(1)), errors);
    }

    /// <summary>The entry types a customer can filter by, with their wire names.</summary>
    public static IReadOnlyList<string> TypeNames { get; } = Enum.GetValues<EntryType>().Select(Names.Of).ToList();

    private static DateTimeOffset? Date(string? text, string field, Dictionary<string, string> errors)
    {
        if (text is not { Length: > 0 })
        {
            return null;
        }

        if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.Year, date.Month, date.Day, 0, 0, 0, TimeSpan.Zero);
        }

        errors[field] = "Enter a date as YYYY-MM-DD.";
        return null;
    }

    private static string? Clip(string? text) => text is { Length: > 0 } ? text.Length > 100 ? text[..100] : text : null;
}
