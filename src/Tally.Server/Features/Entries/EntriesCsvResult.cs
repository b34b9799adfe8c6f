using System.Globalization;
using System.Text;
using Tally.Ledger;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Server.Http;

namespace Tally.Server.Features.Entries;

/// <summary>
/// Streams every page of the filtered history as RFC 4180 CSV, newest first: GET
/// /v1/accounts/{id}/entries with Accept: text/csv, and the customer portal's download. Start
/// <paramref name="query"/> at the newest entry (no cursor) to get everything.
/// </summary>
public sealed class EntriesCsvResult(CreditLedger ledger, EntryQuery query) : IResult
{
    private const string Header = "id,seq,createdAt,type,unit,amount,balanceAfter,feature,quantity,description,reference,actor";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = 200;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{query.Account}-entries.csv\"";
        var ct = httpContext.RequestAborted;
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 16 * 1024);
        await writer.WriteAsync(Header + "\r\n");
        var next = query;
        while (true)
        {
            var page = await ledger.GetEntriesAsync(next, ct);
            if (page is null)
            {
                break;
            }

            foreach (var e in page.Entries)
            {
                await writer.WriteAsync(Row(e));
            }

            if (page.NextCursor is null || !EntryCursor.TryDecode(page.NextCursor, out var seq))
            {
                break;
            }

            next = next with { BeforeSeq = seq };
        }
    }

    private static string Row(EntryView e)
    {
        string[] cells =
        [
            LedgerIds.Entry(e.Id),
            e.Seq.ToString(CultureInfo.InvariantCulture),
            UtcDateTimeConverter.Format(e.CreatedAt),
            Names.Of(e.Type),
            e.Unit.Key,
            e.Unit.ToDecimal(e.Amount).ToString(CultureInfo.InvariantCulture),
            e.Unit.ToDecimal(e.BalanceAfter).ToString(CultureInfo.InvariantCulture),
            e.Feature ?? "",
            e.Quantity?.ToDecimal().ToString(CultureInfo.InvariantCulture) ?? "",
            Text(e.Description),
            Text(e.Reference),
            e.Actor,
        ];
        return string.Join(',', cells.Select(Quote)) + "\r\n";
    }

    /// <summary>
    /// Free text a caller wrote is defused against spreadsheet formula injection (OWASP): a
    /// cell starting with = + - @ tab or CR gets a leading apostrophe, so no spreadsheet runs it.
    /// </summary>
    private static string Text(string? text) =>
        text is { Length: > 0 } && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text ?? "";

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
