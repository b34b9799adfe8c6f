using System.Globalization;
using CsvHelper;
using Spectre.Console;

namespace Tally.Cli.Import;

/// <summary>The summary an import prints: totals, transactions by type, and the problems found by kind.</summary>
internal static class ImportReport
{
    public static void Write(IAnsiConsole console, string source, SeedData data, ImportTotals totals, bool dry, int examplesPerKind)
    {
        var summary = new Table().Title(dry ? "Dry run: nothing written" : "Imported").AddColumns("", "value");
        summary.AddRow("source", Markup.Escape(source));
        foreach (var (table, rows) in data.RowsRead)
        {
            summary.AddRow($"rows read from {table}", N(rows));
        }

        summary.AddRow("accounts", N(totals.Accounts));
        if (!dry)
        {
            summary.AddRow("  imported now", N(totals.AccountsImported));
            summary.AddRow("  imported before (unchanged)", N(totals.AccountsAlreadyImported));
        }

        summary.AddRow("credits (sum of balances)", N(totals.Credits));
        summary.AddRow("  paid (purchase lots)", N(totals.PaidCredits));
        summary.AddRow("  expiring (this period's subscription lots)", N(totals.ExpiringCredits));
        summary.AddRow("  debt (negative balances)", N(totals.Debt));
        summary.AddRow("lots", N(totals.Lots));
        summary.AddRow("packages", dry ? N(data.Packages.Count) : $"{N(totals.PackagesCreated)} created, {N(totals.PackagesExisting)} there already");
        summary.AddRow("payments", dry ? N(data.Payments.Count) : $"{N(totals.PaymentsCreated)} recorded, {N(totals.PaymentsExisting)} there already");
        summary.AddRow("problems", N(data.Problems.Count));
        if (totals.Verification is { } verification)
        {
            summary.AddRow("balances equal to the seed's", $"{N(totals.BalancesChecked - data.Problems.Count(p => p.Kind == ProblemKinds.BalanceDiffers))} of {N(totals.BalancesChecked)}");
            summary.AddRow("tally verify", verification.Ok
                ? $"[green]OK[/]: 0 violations in {N(verification.Accounts)} accounts and {N(verification.Entries)} entries"
                : $"[red]{N(verification.Violations.Count)} violation(s)[/]");
        }

        console.Write(summary);
        if (data.ByType.Count > 0)
        {
            var types = new Table().Title("Seed transactions by type").AddColumns("type", "count", "sum");
            foreach (var (type, (count, sum)) in data.ByType)
            {
                types.AddRow(Markup.Escape(type), N(count), N(sum));
            }

            console.Write(types);
        }

        if (data.Problems.Count == 0)
        {
            return;
        }

        var problems = new Table().Title("Problems found").AddColumns("problem", "count", "examples (account · row: detail)");
        foreach (var group in data.Problems.GroupBy(p => p.Kind).OrderByDescending(g => g.Count()))
        {
            var examples = group.Take(examplesPerKind).Select(p => Markup.Escape($"{p.Account ?? "-"} · {p.Table} {p.Row}: {p.Detail}")).ToList();
            if (group.Count() > examplesPerKind)
            {
                examples.Add($"… {N(group.Count() - examplesPerKind)} more (--report <file> lists all)");
            }

            problems.AddRow(Markup.Escape(group.Key), N(group.Count()), string.Join("\n", examples));
        }

        console.Write(problems);
    }

    public static async Task WriteCsvAsync(string path, IReadOnlyList<ImportProblem> problems, CancellationToken ct)
    {
        await using var stream = File.Create(path);
        await using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, false);
        csv.WriteHeader(["problem", "table", "row", "account", "detail"]);
        foreach (var p in problems)
        {
            await csv.WriteRecordAsync([p.Kind, p.Table, p.Row, p.Account ?? "", p.Detail], ct);
        }

        await csv.FlushAsync(ct);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
