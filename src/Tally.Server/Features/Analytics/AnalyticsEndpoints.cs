using System.Globalization;
using System.Text;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Analytics;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Analytics;

/// <summary>
/// GET /v1/analytics/…: one account (scope read), the platform per day, top spenders and the
/// outstanding liability (scope admin: they show every account). JSON, or CSV with
/// <c>?format=csv</c> or <c>Accept: text/csv</c>. Platform figures come from the daily rollups
/// (as fresh as the last fold); an account's adds its unfolded entries, so it is always current.
/// </summary>
public static class AnalyticsEndpoints
{
    private const int DefaultRangeDays = 30;
    private const int DefaultLimit = 10;
    private const int MaxLimit = 1000;

    public static void MapAnalytics(this RouteGroupBuilder v1)
    {
        var analytics = v1.MapGroup("/analytics").WithTags("Analytics");
        analytics.MapGet("/accounts/{externalId}", AccountAsync).RequireAuthorization(Policies.Read)
            .WithSummary("One account since its start, per unit: purchased, granted, consumed (by feature), expired, current balance; ?format=csv");
        analytics.MapGet("/platform", PlatformAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Per day over ?from&to (yyyy-MM-dd, UTC, both included, ≤ 366 days; default the last 30): issued paid vs granted, consumed by feature, expired, revenue by package and plan, paying accounts, ARPU; ?format=csv");
        analytics.MapGet("/top-spenders", TopSpendersAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("The accounts that consumed most over ?from&to (within CREDIT_ANALYTICS_RETENTION_DAYS), ?limit 1..1000 (default 10); ?format=csv");
        analytics.MapGet("/liability", LiabilityAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Outstanding credits now, paid vs granted, the paid part valued at purchase price; breakage (expired credits, paid vs granted) over ?from&to; ?format=csv");
    }

    [Refusals(404), Also(200, "text/csv")]
    private static async Task<Answer<AccountAnalytics>> AccountAsync(string externalId, HttpContext http, IAnalyticsStore store, CreditLedger ledger, CancellationToken ct)
    {
        var data = await store.ReadAccountAnalyticsAsync(externalId, ct);
        if (data is null)
        {
            return Requests.NotFound(http, "account", externalId);
        }

        var report = AnalyticsReports.Account(data, await UnitsAsync(ledger, ct));
        return WantsCsv(http)
            ? Answer<AccountAnalytics>.Of(Csv.Of($"{externalId}-analytics.csv", "unit,metric,key,value", AnalyticsCsv.Account(report)))
            : BytesResult.Json(200, report);
    }

    [Refusals(400), Also(200, "text/csv")]
    private static async Task<Answer<PlatformAnalytics>> PlatformAsync(HttpContext http, IAnalyticsStore store, CreditLedger ledger, TimeProvider time, CancellationToken ct)
    {
        var (range, problem) = Range(http, time, limit: false);
        if (problem is not null)
        {
            return problem;
        }

        var (from, to, _) = range;
        var rows = await store.ReadPlatformDailyAsync(Days.Of(from), Days.Of(to), ct);
        var payments = await store.ReadRevenueAsync(Days.Start(Days.Of(from)), Days.Start(Days.Of(to) + 1), ct);
        var report = AnalyticsReports.Platform(from, to, rows, payments, await UnitsAsync(ledger, ct));
        return WantsCsv(http)
            ? Answer<PlatformAnalytics>.Of(Csv.Of("platform-analytics.csv", "day,scope,metric,key,value", AnalyticsCsv.Platform(report)))
            : BytesResult.Json(200, report);
    }

    [Refusals(400), Also(200, "text/csv")]
    private static async Task<Answer<TopSpenders>> TopSpendersAsync(HttpContext http, IAnalyticsStore store, CreditLedger ledger, TimeProvider time, CancellationToken ct)
    {
        var (range, problem) = Range(http, time, limit: true);
        if (problem is not null)
        {
            return problem;
        }

        var (from, to, limit) = range;
        var rows = await store.ReadTopSpendersAsync(Days.Of(from), Days.Of(to), limit, ct);
        var report = AnalyticsReports.Spenders(from, to, rows, await UnitsAsync(ledger, ct));
        return WantsCsv(http)
            ? Answer<TopSpenders>.Of(Csv.Of("top-spenders.csv", "rank,account,unit,consumed,entries", AnalyticsCsv.Spenders(report)))
            : BytesResult.Json(200, report);
    }

    [Refusals(400), Also(200, "text/csv")]
    private static async Task<Answer<LiabilityAnalytics>> LiabilityAsync(HttpContext http, IAnalyticsStore store, CreditLedger ledger, TimeProvider time, CancellationToken ct)
    {
        var (range, problem) = Range(http, time, limit: false);
        if (problem is not null)
        {
            return problem;
        }

        var (from, to, _) = range;
        var now = time.GetUtcNow();
        var (lots, values) = await store.ReadLiabilityAsync(now, ct);
        var rows = await store.ReadPlatformDailyAsync(Days.Of(from), Days.Of(to), ct);
        var report = AnalyticsReports.Liability(now, lots, values, from, to, rows, await UnitsAsync(ledger, ct));
        return WantsCsv(http)
            ? Answer<LiabilityAnalytics>.Of(Csv.Of("liability.csv", "section,unit,metric,key,value", AnalyticsCsv.Liability(report)))
            : BytesResult.Json(200, report);
    }

    /// <summary>?from&amp;to as ISO dates (UTC days, both included; default the last 30 days to today), from ≤ to, at most 366 days; ?limit 1..1000.</summary>
    private static ((DateOnly From, DateOnly To, int Limit) Range, BytesResult? Problem) Range(HttpContext http, TimeProvider time, bool limit)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var today = Days.ToDate(Days.Of(time.GetUtcNow()));
        var to = Date(q["to"].ToString(), "to", errors) ?? today;
        var from = Date(q["from"].ToString(), "from", errors) ?? to.AddDays(-(DefaultRangeDays - 1));
        if (errors.Count == 0 && from > to)
        {
            errors["from"] = ["must be on or before to"];
        }
        else if (errors.Count == 0 && to.DayNumber - from.DayNumber + 1 > AnalyticsReports.MaxRangeDays)
        {
            errors["to"] = [$"the range may span at most {AnalyticsReports.MaxRangeDays} days"];
        }

        var count = DefaultLimit;
        if (limit && q["limit"].ToString() is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxLimit)
            {
                errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}"];
            }
        }

        return errors.Count > 0
            ? (default, Problems.Result(Problems.Validation(Problems.TraceId(http), errors)))
            : ((from, to, count), null);
    }

    private static DateOnly? Date(string text, string name, Dictionary<string, string[]> errors)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[name] = ["must be an ISO 8601 date (yyyy-MM-dd), e.g. 2026-12-01"];
        return null;
    }

    private static async Task<Func<string, UnitInfo>> UnitsAsync(CreditLedger ledger, CancellationToken ct)
    {
        var units = (await ledger.GetUnitsAsync(ct)).ToDictionary(u => u.Key, StringComparer.Ordinal);
        return key => units.TryGetValue(key, out var unit) ? unit : new UnitInfo(key, 0);
    }

    private static bool WantsCsv(HttpContext http) =>
        http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase))
        || string.Equals(http.Request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>An RFC 4180 CSV answer of string cells (every cell here is a key Tally made or a number, quoted when needed).</summary>
    private sealed class Csv(string fileName, string header, IEnumerable<string[]> rows) : IResult
    {
        public static Csv Of(string fileName, string header, IEnumerable<string[]> rows) => new(fileName, header, rows);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = 200;
            response.ContentType = "text/csv; charset=utf-8";
            response.Headers.ContentDisposition = $"attachment; filename=\"{Sanitize(fileName)}\"";
            await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 16 * 1024);
            await writer.WriteAsync(header + "\r\n");
            foreach (var row in rows)
            {
                await writer.WriteAsync(string.Join(',', row.Select(Quote)) + "\r\n");
            }
        }

        private static string Sanitize(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

        /// <summary>Quoted when needed; a cell that could start a spreadsheet formula gets a leading apostrophe (account ids are the host app's text).</summary>
        private static string Quote(string cell)
        {
            if (cell is { Length: > 0 } && cell[0] is '=' or '+' or '@' or '\t' or '\r' || (cell.StartsWith('-') && !decimal.TryParse(cell, NumberStyles.Number, CultureInfo.InvariantCulture, out _)))
            {
                cell = "'" + cell;
            }

            return cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
        }
    }
}
