using System.Globalization;
using Tally.Ledger.Analytics;

namespace Tally.Server.Features.Analytics;

/// <summary>The analytics reports as long-format CSV rows (one figure a row), which every spreadsheet pivots.</summary>
public static class AnalyticsCsv
{
    public static IEnumerable<string[]> Account(AccountAnalytics report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var unit in report.Units)
        {
            yield return [unit.Unit, "balance", "", N(unit.Balance)];
            foreach (var row in Units(unit.Activity))
            {
                yield return [unit.Unit, row.Metric, row.Key, row.Value];
            }
        }
    }

    public static IEnumerable<string[]> Platform(PlatformAnalytics report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var day in report.Days)
        {
            var date = day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var unit in day.Units)
            {
                foreach (var row in Units(unit))
                {
                    yield return [date, unit.Unit, row.Metric, row.Key, row.Value];
                }
            }

            foreach (var revenue in day.Revenue)
            {
                foreach (var row in Revenue(revenue))
                {
                    yield return [date, revenue.Currency, row.Metric, row.Key, row.Value];
                }
            }
        }
    }

    public static IEnumerable<string[]> Spenders(TopSpenders report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Spenders.Select(s => new[] { s.Rank.ToString(CultureInfo.InvariantCulture), s.Account, s.Unit, N(s.Consumed), s.Entries.ToString(CultureInfo.InvariantCulture) });
    }

    public static IEnumerable<string[]> Liability(LiabilityAnalytics report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var unit in report.Units)
        {
            yield return ["outstanding", unit.Unit, "total", "", N(unit.Outstanding)];
            yield return ["outstanding", unit.Unit, "paid", "", N(unit.Paid)];
            yield return ["outstanding", unit.Unit, "granted", "", N(unit.Granted)];
            yield return ["outstanding", unit.Unit, "open_lots", "", unit.OpenLots.ToString(CultureInfo.InvariantCulture)];
            foreach (var value in unit.PaidValue)
            {
                yield return ["outstanding", unit.Unit, "paid_value_minor", value.Currency, N(value.Amount)];
                yield return ["outstanding", unit.Unit, "paid_valued_credits", value.Currency, N(value.ValuedCredits)];
            }
        }

        foreach (var breakage in report.Breakage)
        {
            yield return ["breakage", breakage.Unit, "expired", "", N(breakage.Expired)];
            yield return ["breakage", breakage.Unit, "expired_paid", "", N(breakage.Paid)];
            yield return ["breakage", breakage.Unit, "expired_granted", "", N(breakage.Granted)];
        }
    }

    private static IEnumerable<(string Metric, string Key, string Value)> Units(UnitSummary s)
    {
        yield return ("purchased", "", N(s.Purchased));
        yield return ("granted", "", N(s.Granted));
        yield return ("consumed", "", N(s.Consumed));
        foreach (var (feature, amount) in s.ConsumedByFeature)
        {
            yield return ("consumed_by_feature", feature, N(amount));
        }

        yield return ("expired", "", N(s.Expired));
        yield return ("expired_paid", "", N(s.ExpiredPaid));
        yield return ("expired_granted", "", N(s.ExpiredGranted));
        yield return ("reversed", "", N(s.Reversed));
        yield return ("clawed_back", "", N(s.ClawedBack));
        yield return ("adjusted", "", N(s.Adjusted));
        yield return ("transferred_in", "", N(s.TransferredIn));
        yield return ("transferred_out", "", N(s.TransferredOut));
        yield return ("net", "", N(s.Net));
        yield return ("entries", "", s.Entries.ToString(CultureInfo.InvariantCulture));
    }

    private static IEnumerable<(string Metric, string Key, string Value)> Revenue(RevenueSummary r)
    {
        yield return ("gross_minor", "", r.Gross.ToString(CultureInfo.InvariantCulture));
        yield return ("refunded_minor", "", r.Refunded.ToString(CultureInfo.InvariantCulture));
        yield return ("net_minor", "", r.Net.ToString(CultureInfo.InvariantCulture));
        foreach (var (package, amount) in r.ByPackage)
        {
            yield return ("net_by_package_minor", package, amount.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (plan, amount) in r.ByPlan)
        {
            yield return ("net_by_plan_minor", plan, amount.ToString(CultureInfo.InvariantCulture));
        }

        yield return ("net_custom_minor", "", r.Custom.ToString(CultureInfo.InvariantCulture));
        yield return ("payments", "", r.Payments.ToString(CultureInfo.InvariantCulture));
        yield return ("paying_accounts", "", r.PayingAccounts.ToString(CultureInfo.InvariantCulture));
        yield return ("arpu_minor", "", N(r.Arpu));
    }

    private static string N(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
