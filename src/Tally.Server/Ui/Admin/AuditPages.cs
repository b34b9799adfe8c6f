using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Tally.Access;
using Tally.Ledger.Storage;

namespace Tally.Server.Ui.Admin;

/// <summary>The audit log's filters as typed (dates as yyyy-MM-dd, UTC days, both ends included).</summary>
public sealed record AuditQuery(string? Actor, string? Action, string? Target, string? From, string? To);

/// <summary>
/// The admin panel's audit log (docs/ui.md, SPEC §5): every audited change by the API and the
/// panel, newest first, filtered by actor, action, target and date range, paged.
/// </summary>
public static class AuditPages
{
    public const int PageSize = 50;

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/audit", ListAsync);
    }

    private static async Task<RazorComponentResult<AuditPage>> ListAsync(string? actor, string? action, string? target, string? from, string? to, string? before, HttpContext http, ILedgerStore store, CancellationToken ct)
    {
        var query = new AuditQuery(OpsFormValues.Text(actor), OpsFormValues.Text(action), OpsFormValues.Text(target), OpsFormValues.Text(from), OpsFormValues.Text(to));
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var since = Day(query.From, "from", errors);
        var until = Day(query.To, "to", errors)?.AddDays(1);
        long? beforeId = long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        var rows = await ((IAuditLogQuery)store).SearchAuditAsync(new AuditFilter(query.Actor, query.Action, query.Target, since, until), beforeId, PageSize + 1, ct);
        var page = rows.Take(PageSize).ToList();
        return UiEndpoints.Page<AuditPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Query = query,
            Rows = page,
            Errors = errors.Count == 0 ? null : (IReadOnlyDictionary<string, string[]>)errors,
            Next = rows.Count > PageSize
                ? "/admin/audit" + OpsPages.Query(("actor", query.Actor), ("action", query.Action), ("target", query.Target), ("from", query.From), ("to", query.To),
                    ("before", page[^1].Id.ToString(CultureInfo.InvariantCulture)))
                : null,
            First = beforeId is null ? null : "/admin/audit" + OpsPages.Query(("actor", query.Actor), ("action", query.Action), ("target", query.Target), ("from", query.From), ("to", query.To)),
        }, errors.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static DateTimeOffset? Day(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        errors[field] = ["must be a date (yyyy-mm-dd)"];
        return null;
    }
}
