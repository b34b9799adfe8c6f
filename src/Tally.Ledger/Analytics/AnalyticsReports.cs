using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Analytics;

/// <summary>
/// What one unit's credits did over a span (a day, a range, an account's life). Amounts are in the
/// unit's decimals, exact; debits are shown positive (consumed 5 means 5 credits spent).
/// purchased + granted are what grants issued, split by the paid flag of the lots they made.
/// </summary>
public sealed record UnitSummary(
    string Unit,
    decimal Purchased,
    decimal Granted,
    decimal Consumed,
    IReadOnlyDictionary<string, decimal> ConsumedByFeature,
    decimal Expired,
    decimal ExpiredPaid,
    decimal ExpiredGranted,
    decimal Reversed,
    decimal ClawedBack,
    decimal Adjusted,
    decimal TransferredIn,
    decimal TransferredOut,
    decimal Net,
    long Entries);

/// <summary>An account since its first entry, per unit; <c>Balance</c> is its current journal balance.</summary>
public sealed record AccountUnitAnalytics(string Unit, decimal Balance, UnitSummary Activity);

public sealed record AccountAnalytics(string Account, IReadOnlyList<AccountUnitAnalytics> Units);

/// <summary>
/// Money that came in through payments in one currency (minor units): gross, refunded since, net;
/// net by package and plan id ('custom' payments apart); the distinct accounts that paid; ARPU =
/// net / paying accounts, in minor units rounded half-even to 4 decimal places.
/// </summary>
public sealed record RevenueSummary(
    string Currency,
    long Gross,
    long Refunded,
    long Net,
    IReadOnlyDictionary<string, long> ByPackage,
    IReadOnlyDictionary<string, long> ByPlan,
    long Custom,
    int Payments,
    int PayingAccounts,
    decimal Arpu);

public sealed record PlatformDay(DateOnly Day, IReadOnlyList<UnitSummary> Units, IReadOnlyList<RevenueSummary> Revenue);

public sealed record PlatformAnalytics(DateOnly From, DateOnly To, IReadOnlyList<PlatformDay> Days, IReadOnlyList<UnitSummary> Totals, IReadOnlyList<RevenueSummary> Revenue);

public sealed record Spender(int Rank, string Account, string Unit, decimal Consumed, long Entries);

public sealed record TopSpenders(DateOnly From, DateOnly To, IReadOnlyList<Spender> Spenders);

/// <summary>The paid part of outstanding credits valued at what they were bought for (minor units of the currency), for the credits whose lot names its payment.</summary>
public sealed record LiabilityMoney(string Currency, decimal Amount, decimal ValuedCredits);

/// <summary>Outstanding credits of one unit (open lots: unexpired, something left), split paid vs granted.</summary>
public sealed record LiabilityUnit(string Unit, decimal Outstanding, decimal Paid, decimal Granted, long OpenLots, IReadOnlyList<LiabilityMoney> PaidValue);

/// <summary>Credits that expired unused over the range (breakage), split paid vs granted.</summary>
public sealed record Breakage(string Unit, decimal Expired, decimal Paid, decimal Granted);

public sealed record LiabilityAnalytics(DateTimeOffset AsOf, IReadOnlyList<LiabilityUnit> Units, DateOnly From, DateOnly To, IReadOnlyList<Breakage> Breakage);

/// <summary>Adds rollup sums into per-unit summaries: the one place entry types map to report lines.</summary>
public sealed class UnitActivity(string unit)
{
    private readonly Dictionary<string, long> _byFeature = new(StringComparer.Ordinal);
    private long _purchased, _granted, _consumed, _expired, _expiredPaid, _reversed, _clawedBack, _adjusted, _in, _out, _net, _entries;

    public string Unit { get; } = unit;

    /// <summary>Consumption: charges and captures (gross; reversals of them are <c>reversed</c>).</summary>
    public static bool IsConsumption(string type) => type is "charge" or "capture";

    public void Add(string type, string feature, RollupSums sums)
    {
        _net = checked(_net + sums.Amount);
        _entries = checked(_entries + sums.Entries);
        switch (type)
        {
            case "grant":
                _purchased = checked(_purchased + sums.PaidAmount);
                _granted = checked(_granted + sums.Amount - sums.PaidAmount);
                break;
            case "charge" or "capture":
                _consumed = checked(_consumed - sums.Amount);
                _byFeature[feature] = checked(_byFeature.GetValueOrDefault(feature) - sums.Amount);
                break;
            case "expire":
                _expired = checked(_expired - sums.Amount);
                _expiredPaid = checked(_expiredPaid - sums.PaidAmount);
                break;
            case "refund" or "reversal":
                _reversed = checked(_reversed + sums.Amount);
                break;
            case "clawback":
                _clawedBack = checked(_clawedBack - sums.Amount);
                break;
            case "adjust":
                _adjusted = checked(_adjusted + sums.Amount);
                break;
            case "transfer_in":
                _in = checked(_in + sums.Amount);
                break;
            case "transfer_out":
                _out = checked(_out - sums.Amount);
                break;
            default:
                break;
        }
    }

    public long Net => _net;

    public UnitSummary ToSummary(UnitInfo unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        decimal D(long minor) => unit.ToDecimal(new Credits(minor));
        return new UnitSummary(
            Unit, D(_purchased), D(_granted), D(_consumed),
            _byFeature.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key.Length == 0 ? "(none)" : p.Key, p => D(p.Value), StringComparer.Ordinal),
            D(_expired), D(_expiredPaid), D(_expired - _expiredPaid), D(_reversed), D(_clawedBack), D(_adjusted), D(_in), D(_out), D(_net), _entries);
    }
}

/// <summary>Turns what <see cref="IAnalyticsStore"/> reads into the reports the API and the CLI show.</summary>
public static class AnalyticsReports
{
    /// <summary>The longest range a platform, top-spenders or breakage query may span.</summary>
    public const int MaxRangeDays = 366;

    public static AccountAnalytics Account(AccountAnalyticsData data, Func<string, UnitInfo> units)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(units);
        var byUnit = new SortedDictionary<string, UnitActivity>(StringComparer.Ordinal);
        UnitActivity Of(string unit) => byUnit.TryGetValue(unit, out var a) ? a : byUnit[unit] = new UnitActivity(unit);
        foreach (var row in data.Totals)
        {
            Of(row.Key.Unit).Add(row.Key.Type, row.Key.Feature, row.Sums);
        }

        foreach (var line in data.Unfolded)
        {
            Of(line.Unit).Add(Names.Of(line.Type), line.Feature ?? "", RollupSums.Of(line));
        }

        return new AccountAnalytics(data.ExternalId, byUnit.Values.Select(a =>
        {
            var unit = units(a.Unit);
            return new AccountUnitAnalytics(a.Unit, unit.ToDecimal(new Credits(a.Net)), a.ToSummary(unit));
        }).ToList());
    }

    public static PlatformAnalytics Platform(DateOnly from, DateOnly to, IReadOnlyList<RollupRow> rows, IReadOnlyList<RevenueRow> payments, Func<string, UnitInfo> units)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(payments);
        ArgumentNullException.ThrowIfNull(units);
        var days = new List<PlatformDay>();
        var paymentsByDay = payments.ToLookup(p => Days.Of(p.CreatedAt));
        var rowsByDay = rows.ToLookup(r => r.Key.Day);
        for (var day = Days.Of(from); day <= Days.Of(to); day++)
        {
            days.Add(new PlatformDay(Days.ToDate(day), Summaries(rowsByDay[day], units), Revenue(paymentsByDay[day].ToList())));
        }

        return new PlatformAnalytics(from, to, days, Summaries(rows, units), Revenue(payments));
    }

    public static TopSpenders Spenders(DateOnly from, DateOnly to, IReadOnlyList<SpenderRow> rows, Func<string, UnitInfo> units)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(units);
        return new TopSpenders(from, to, rows.Select((r, i) => new Spender(i + 1, r.ExternalId, r.Unit, units(r.Unit).ToDecimal(new Credits(r.Consumed)), r.Entries)).ToList());
    }

    public static LiabilityAnalytics Liability(
        DateTimeOffset asOf, IReadOnlyList<LiabilityRow> lots, IReadOnlyList<LiabilityValue> values, DateOnly from, DateOnly to, IReadOnlyList<RollupRow> rows, Func<string, UnitInfo> units)
    {
        ArgumentNullException.ThrowIfNull(lots);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(units);
        var liability = lots.GroupBy(l => l.Unit, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var unit = units(g.Key);
            var paid = g.Where(l => l.Paid).Sum(l => l.Remaining);
            var granted = g.Where(l => !l.Paid).Sum(l => l.Remaining);
            var money = values.Where(v => v.Unit == g.Key)
                .Select(v => new LiabilityMoney(v.Currency, decimal.Round(v.Value, 4, MidpointRounding.ToEven), unit.ToDecimal(new Credits(v.Credits))))
                .ToList();
            return new LiabilityUnit(g.Key, unit.ToDecimal(new Credits(paid + granted)), unit.ToDecimal(new Credits(paid)), unit.ToDecimal(new Credits(granted)), g.Sum(l => l.Lots), money);
        }).ToList();
        var breakage = Summaries(rows, units).Where(s => s.Expired != 0)
            .Select(s => new Breakage(s.Unit, s.Expired, s.ExpiredPaid, s.ExpiredGranted)).ToList();
        return new LiabilityAnalytics(asOf, liability, from, to, breakage);
    }

    private static List<UnitSummary> Summaries(IEnumerable<RollupRow> rows, Func<string, UnitInfo> units)
    {
        var byUnit = new SortedDictionary<string, UnitActivity>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!byUnit.TryGetValue(row.Key.Unit, out var activity))
            {
                activity = byUnit[row.Key.Unit] = new UnitActivity(row.Key.Unit);
            }

            activity.Add(row.Key.Type, row.Key.Feature, row.Sums);
        }

        return byUnit.Values.Select(a => a.ToSummary(units(a.Unit))).ToList();
    }

    private static List<RevenueSummary> Revenue(IReadOnlyList<RevenueRow> payments) =>
        payments.GroupBy(p => p.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var gross = g.Sum(p => p.PriceAmount);
            var refunded = g.Sum(p => p.RefundedAmount);
            var net = gross - refunded;
            var paying = g.Select(p => p.Account).Distinct(StringComparer.Ordinal).Count();
            return new RevenueSummary(
                g.Key, gross, refunded, net,
                ByKey(g.Where(p => p.Kind == "package"), p => p.PackageId),
                ByKey(g.Where(p => p.Kind == "plan"), p => p.PlanId),
                g.Where(p => p.Kind == "custom").Sum(p => p.PriceAmount - p.RefundedAmount),
                g.Count(),
                paying,
                paying == 0 ? 0m : decimal.Round((decimal)net / paying, 4, MidpointRounding.ToEven));
        }).ToList();

    private static Dictionary<string, long> ByKey(IEnumerable<RevenueRow> payments, Func<RevenueRow, string?> key) =>
        payments.GroupBy(p => key(p) ?? "(none)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.PriceAmount - p.RefundedAmount), StringComparer.Ordinal);
}
