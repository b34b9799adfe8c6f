using System.CommandLine;
using Spectre.Console;

namespace Tally.Cli.Commands;

/// <summary><c>tally verify</c>: check every invariant listed in the README over the whole database.</summary>
public static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("verify", "Check the ledger's invariants over the whole database; exit 1 on any violation.");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            var report = await ledger.VerifyAsync(ct);
            if (report.Ok)
            {
                context.Console.MarkupLineInterpolated($"[green]OK[/]: 0 violations in {report.Accounts} accounts and {report.Entries} journal entries.");
                return 0;
            }

            var table = new Table().AddColumns("invariant", "check", "account", "unit", "expected", "found", "item");
            foreach (var v in report.Violations)
            {
                table.AddRow(
                    v.Invariant.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(v.Check),
                    Markup.Escape(v.Account),
                    Markup.Escape(v.Unit ?? ""),
                    v.Expected.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    v.Actual.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    v.Item?.ToString("N") ?? "");
            }

            context.Console.Write(table);
            foreach (var v in report.Violations)
            {
                context.Console.WriteLine(v.Describe());
            }

            context.Console.MarkupLineInterpolated($"[red]FAILED[/]: {report.Violations.Count} violation(s) in {report.Accounts} accounts and {report.Entries} journal entries.");
            return 1;
        }));
        return command;
    }
}
