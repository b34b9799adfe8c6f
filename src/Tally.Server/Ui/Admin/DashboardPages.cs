using System.Globalization;
using Microsoft.Extensions.Options;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Analytics;
using Tally.Server.Hosting;

namespace Tally.Server.Ui.Admin;

/// <summary>What the dashboard shows over a range of days (analytics on), or only the account count (analytics off).</summary>
public sealed record DashboardModel(
    DateOnly From,
    DateOnly To,
    long Accounts,
    bool AnalyticsEnabled,
    PlatformAnalytics? Platform = null,
    LiabilityAnalytics? Liability = null,
    TopSpenders? Spenders = null,
    long ActiveAccounts = 0,
    int PayingAccounts = 0);

/// <summary>The admin panel's Dashboard (docs/ui.md): the analytics reports the API serves (/v1/analytics/platform, liability, top-spenders), as charts and tables.</summary>
public static class DashboardPages
{
    public const int DefaultRangeDays = 30;

    public const int TopSpenderCount = 10;

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("", DashboardAsync);
    }

    private static async Task<IResult> DashboardAsync(
        string? from, string? to, HttpContext http, CreditLedger ledger, IAnalyticsStore analytics, IOptions<TallyOptions> options, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var today = Days.ToDate(Days.Of(time.GetUtcNow()));
        var end = Date(to, "to", errors) ?? today;
        var start = Date(from, "from", errors) ?? end.AddDays(-(DefaultRangeDays - 1));
        if (errors.Count == 0 && start > end)
        {
            errors["from"] = "must be on or before the end date";
        }
        else if (errors.Count == 0 && end.DayNumber - start.DayNumber + 1 > AnalyticsReports.MaxRangeDays)
        {
            errors["to"] = $"the range may span at most {AnalyticsReports.MaxRangeDays} days";
        }

        if (errors.Count > 0)
        {
            end = today;
            start = today.AddDays(-(DefaultRangeDays - 1));
        }

        var directory = AccountDetail.Directory(ledger);
        var accounts = await directory.CountAccountsAsync(ct);
        var model = new DashboardModel(start, end, accounts, options.Value.EnableAnalytics);
        if (model.AnalyticsEnabled)
        {
            var units = (await ledger.GetUnitsAsync(ct)).ToDictionary(u => u.Key, StringComparer.Ordinal);
            UnitInfo Unit(string key) => units.TryGetValue(key, out var unit) ? unit : new UnitInfo(key, 0);
            var (fromDay, toDay) = (Days.Of(start), Days.Of(end));
            var rows = await analytics.ReadPlatformDailyAsync(fromDay, toDay, ct);
            var revenue = await analytics.ReadRevenueAsync(Days.Start(fromDay), Days.Start(toDay + 1), ct);
            var now = time.GetUtcNow();
            var (lots, values) = await analytics.ReadLiabilityAsync(now, ct);
            model = model with
            {
                Platform = AnalyticsReports.Platform(start, end, rows, revenue, Unit),
                Liability = AnalyticsReports.Liability(now, lots, values, start, end, rows, Unit),
                Spenders = AnalyticsReports.Spenders(start, end, await analytics.ReadTopSpendersAsync(fromDay, toDay, TopSpenderCount, ct), Unit),
                ActiveAccounts = await directory.CountActiveAccountsAsync(fromDay, toDay, ct),
                PayingAccounts = revenue.Select(r => r.Account).Distinct(StringComparer.Ordinal).Count(),
            };
        }

        return UiEndpoints.Page<DashboardPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Model = model,
            Errors = errors,
            FromText = from,
            ToText = to,
        });
    }

    private static DateOnly? Date(string? text, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[field] = "must be a date (yyyy-mm-dd)";
        return null;
    }
}
