using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tally.Ledger.Amounts;
using Tally.Ledger.Analytics;
using Tally.Ledger.Storage;

namespace Tally.Cli.Commands;

/// <summary><c>tally analytics rebuild</c> and <c>tally report</c> (docs/analytics.md).</summary>
public static class AnalyticsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("analytics", "Maintain the analytics rollups.");
        command.Subcommands.Add(Rebuild(context));
        return command;
    }

    private static Command Rebuild(CliContext context)
    {
        var command = new Command("rebuild", "Forget every rollup and fold the whole journal again (idempotent; the journal is never deleted).");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var analytics = (IAnalyticsStore)store;
            var retention = CliContext.Settings().AnalyticsRetentionDays;
            await analytics.ResetAnalyticsAsync(ct);
            var accounts = await analytics.CountUnfoldedAccountsAsync(ct);
            var total = FoldReport.Nothing;
            await context.Console.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Folding the journal", maxValue: Math.Max(1, accounts));
                total = await RollupFolder.FoldAllAsync(analytics, TimeProvider.System, retention, progress: new Progress(task), cancellationToken: ct);
                task.Value = task.MaxValue;
            });
            context.Console.MarkupLineInterpolated($"Rebuilt: {total.Entries} entries of {total.Accounts} account(s) folded; {total.Pruned} per-account daily row(s) past {retention} days pruned.");
            return 0;
        }));
        return command;
    }

    /// <summary><c>tally report</c>: the platform summary and the top spenders over a range, as tables.</summary>
    public static Command Report(CliContext context)
    {
        var from = new Option<string?>("--from") { Description = "First day (yyyy-MM-dd, UTC; default 29 days before --to)" };
        var to = new Option<string?>("--to") { Description = "Last day (yyyy-MM-dd, UTC; default today)" };
        var limit = new Option<int>("--top") { Description = "How many top spenders (1..1000)", DefaultValueFactory = _ => 10 };
        var command = new Command("report", "Print the platform's analytics and top spenders for a date range (folds new entries first).") { from, to, limit };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var today = Days.ToDate(Days.Of(TimeProvider.System.GetUtcNow()));
            if (!TryDate(parse.GetValue(to), today, out var last) || !TryDate(parse.GetValue(from), last.AddDays(-29), out var first)
                || first > last || last.DayNumber - first.DayNumber + 1 > AnalyticsReports.MaxRangeDays)
            {
                context.Console.MarkupLine($"[red]--from and --to must be yyyy-MM-dd dates, from ≤ to, at most {AnalyticsReports.MaxRangeDays} days apart.[/]");
                return 2;
            }

            var top = parse.GetValue(limit);
            if (top is < 1 or > 1000)
            {
                context.Console.MarkupLine("[red]--top must be from 1 to 1000.[/]");
                return 2;
            }

            var analytics = (IAnalyticsStore)store;
            await context.Console.Status().StartAsync("Folding new entries…", _ =>
                RollupFolder.FoldAllAsync(analytics, TimeProvider.System, CliContext.Settings().AnalyticsRetentionDays, cancellationToken: ct));
            var units = await UnitsAsync(store, ct);
            var rows = await analytics.ReadPlatformDailyAsync(Days.Of(first), Days.Of(last), ct);
            var payments = await analytics.ReadRevenueAsync(Days.Start(Days.Of(first)), Days.Start(Days.Of(last) + 1), ct);
            var platform = AnalyticsReports.Platform(first, last, rows, payments, units);
            var spenders = AnalyticsReports.Spenders(first, last, await analytics.ReadTopSpendersAsync(Days.Of(first), Days.Of(last), top, ct), units);
            Print(context.Console, platform, spenders);
            return 0;
        }));
        return command;
    }

    private static void Print(IAnsiConsole console, PlatformAnalytics platform, TopSpenders spenders)
    {
        console.Write(new Rule($"Tally analytics {platform.From:yyyy-MM-dd} to {platform.To:yyyy-MM-dd} (UTC)"));
        // One table per unit, so an 80-column terminal fits it: dates never wrap, numbers
        // right-aligned, money in currency units.
        foreach (var unit in platform.Totals.Select(t => t.Unit))
        {
            var days = new Table().Border(TableBorder.Horizontal).Title(unit).AddColumns("day", "bought", "granted", "used", "expired", "net", "entries");
            foreach (var column in days.Columns)
            {
                column.NoWrap().PadLeft(0).PadRight(1);
            }

            foreach (var column in days.Columns.Skip(1))
            {
                column.RightAligned();
            }

            foreach (var day in platform.Days)
            {
                foreach (var u in day.Units.Where(u => u.Unit == unit))
                {
                    days.AddRow(day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), N(u.Purchased), N(u.Granted), N(u.Consumed), N(u.Expired), N(u.Net), N(u.Entries));
                }
            }

            foreach (var u in platform.Totals.Where(u => u.Unit == unit))
            {
                days.AddRow("[bold]total[/]", N(u.Purchased), N(u.Granted), N(u.Consumed), N(u.Expired), N(u.Net), N(u.Entries));
            }

            console.Write(days);
        }
        var features = new Table().Border(TableBorder.Horizontal).AddColumns("unit", "feature", "consumed");
        foreach (var u in platform.Totals)
        {
            foreach (var (feature, amount) in u.ConsumedByFeature)
            {
                features.AddRow(u.Unit, Markup.Escape(feature), N(amount));
            }
        }

        console.Write(features);
        var revenue = new Table().Border(TableBorder.Horizontal).AddColumns("currency", "gross", "refunded", "net", "payments", "paying", "ARPU");
        foreach (var r in platform.Revenue)
        {
            var digits = Tally.Payments.Pricing.Money.MinorDigits(r.Currency);
            var scale = digits switch { 0 => 1m, 3 => 1000m, _ => 100m };
            string M(decimal minor) => (minor / scale).ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            revenue.AddRow(r.Currency, M(r.Gross), M(r.Refunded), M(r.Net), N(r.Payments), N(r.PayingAccounts), M(r.Arpu));
        }

        console.Write(revenue);
        var top = new Table().Border(TableBorder.Horizontal).AddColumns("#", "account", "unit", "consumed", "entries");
        foreach (var s in spenders.Spenders)
        {
            top.AddRow(N(s.Rank), Markup.Escape(s.Account), s.Unit, N(s.Consumed), N(s.Entries));
        }

        console.Write(new Rule("Top spenders"));
        console.Write(top);
    }

    private static async Task<Func<string, UnitInfo>> UnitsAsync(ILedgerStore store, CancellationToken ct)
    {
        var units = (await store.ReadUnitsAsync(ct)).ToDictionary(u => u.Key, StringComparer.Ordinal);
        return key => units.TryGetValue(key, out var unit) ? unit : new UnitInfo(key, 0);
    }

    private static bool TryDate(string? text, DateOnly fallback, out DateOnly date)
    {
        date = fallback;
        return string.IsNullOrEmpty(text) || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static string N(decimal value) => value.ToString("#,0.######", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Moves the bar by the accounts each fold took.</summary>
    private sealed class Progress(ProgressTask task) : IProgress<FoldReport>
    {
        public void Report(FoldReport value) => task.Increment(value.Accounts);
    }
}
