using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Cli.Commands;

/// <summary><c>tally accounts show|grant|charge|freeze|unfreeze</c>.</summary>
public static class AccountsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("accounts", "Inspect and change accounts.");
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Grant(context));
        command.Subcommands.Add(Charge(context));
        command.Subcommands.Add(Freeze(context, true));
        command.Subcommands.Add(Freeze(context, false));
        return command;
    }

    private static Argument<string> AccountArgument() => new("account") { Description = "The host app's account id" };

    private static Argument<decimal> AmountArgument() => new("amount") { Description = "Credits, in whole units of the unit (e.g. 10 or 0.25)" };

    private static Option<string> UnitOption() => new("--unit") { Description = "Unit key", DefaultValueFactory = _ => UnitInfo.DefaultKey };

    private static Command Show(CliContext context)
    {
        var account = AccountArgument();
        var limit = new Option<int>("--entries") { Description = "How many recent journal entries to list", DefaultValueFactory = _ => 20 };
        var command = new Command("show", "Show an account, its balances and its recent journal.") { account, limit };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            var id = parse.GetValue(account)!;
            var view = await ledger.GetAccountAsync(id, ct);
            if (view is null)
            {
                context.Console.MarkupLineInterpolated($"[red]No account '{id}'.[/]");
                return 1;
            }

            context.Console.MarkupLineInterpolated($"[bold]{view.Id}[/]  tier {view.Tier}  {(view.Frozen ? "[red]frozen[/]" : "active")}  overdraft {view.OverdraftLimit}  seq {view.Seq}  created {view.CreatedAt:u}");
            var balances = new Table().AddColumns("unit", "available", "held", "total", "next expiry");
            foreach (var b in view.Balances)
            {
                balances.AddRow(b.Unit.Key, Format(b.Unit, b.Available), Format(b.Unit, b.Held), Format(b.Unit, b.Total),
                    b.NextExpiry is { } next ? $"{Format(b.Unit, next.Amount)} at {next.At:u}" : "");
            }

            context.Console.Write(balances);
            var page = await ledger.GetEntriesAsync(new EntryQuery(id, parse.GetValue(limit)), ct);
            var entries = new Table().AddColumns("seq", "when", "type", "amount", "balance after", "feature", "description");
            foreach (var e in page!.Entries)
            {
                entries.AddRow(
                    e.Seq.ToString(CultureInfo.InvariantCulture),
                    e.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
                    Names.Of(e.Type),
                    Format(e.Unit, e.Amount),
                    Format(e.Unit, e.BalanceAfter),
                    Markup.Escape(e.Feature ?? ""),
                    Markup.Escape(e.Description ?? ""));
            }

            context.Console.Write(entries);
            return 0;
        }));
        return command;
    }

    private static Command Grant(CliContext context)
    {
        var account = AccountArgument();
        var amount = AmountArgument();
        var unit = UnitOption();
        var expires = new Option<DateTimeOffset?>("--expires-at") { Description = "When the credits expire (ISO 8601)" };
        var description = new Option<string?>("--description") { Description = "Shown in the account's history" };
        var command = new Command("grant", "Grant credits to an account (created if missing).") { account, amount, unit, expires, description };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            if (await MinorAsync(context, ledger, parse.GetValue(unit)!, parse.GetValue(amount), ct) is not { } credits)
            {
                return 2;
            }

            var grant = new Ledger.Commands.Grant(parse.GetValue(account)!, credits.Amount, credits.Unit.Key, LotSource.Admin,
                ExpiresAt: parse.GetValue(expires), Description: parse.GetValue(description));
            return Report(context, await ledger.ExecuteAsync(LedgerRequest.Of(grant, actor: "cli"), ct));
        }));
        return command;
    }

    private static Command Charge(CliContext context)
    {
        var account = AccountArgument();
        var amount = AmountArgument();
        var unit = UnitOption();
        var description = new Option<string?>("--description") { Description = "Shown in the account's history" };
        var command = new Command("charge", "Charge credits from an account.") { account, amount, unit, description };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            if (await MinorAsync(context, ledger, parse.GetValue(unit)!, parse.GetValue(amount), ct) is not { } credits)
            {
                return 2;
            }

            var charge = new Ledger.Commands.Charge(parse.GetValue(account)!, Price.Of(credits.Amount, credits.Unit.Key), parse.GetValue(description));
            return Report(context, await ledger.ExecuteAsync(LedgerRequest.Of(charge, actor: "cli"), ct));
        }));
        return command;
    }

    private static Command Freeze(CliContext context, bool frozen)
    {
        var account = AccountArgument();
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the change)" };
        var command = new Command(frozen ? "freeze" : "unfreeze", frozen ? "Stop an account from spending." : "Let a frozen account spend again.") { account, reason };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            var change = new SetFrozen(parse.GetValue(account)!, frozen, parse.GetValue(reason));
            return Report(context, await ledger.ExecuteAsync(LedgerRequest.Of(change, actor: "cli"), ct));
        }));
        return command;
    }

    private static async Task<(UnitInfo Unit, Credits Amount)?> MinorAsync(CliContext context, CreditLedger ledger, string unitKey, decimal amount, CancellationToken ct)
    {
        var unit = (await ledger.GetUnitsAsync(ct)).FirstOrDefault(u => u.Key == unitKey);
        if (unit is null)
        {
            context.Console.MarkupLineInterpolated($"[red]Unknown unit '{unitKey}'.[/]");
            return null;
        }

        if (!unit.TryToMinor(amount, out var credits))
        {
            context.Console.MarkupLineInterpolated($"[red]{amount} has more than {unit.Precision} decimal(s) for unit '{unit.Key}'.[/]");
            return null;
        }

        return (unit, credits);
    }

    private static int Report(CliContext context, RequestOutcome outcome)
    {
        var console = context.Console;
        switch (outcome.Single)
        {
            case EntryResult r:
                console.MarkupLineInterpolated($"[green]{Names.Of(r.Entry.Type)}[/] {Format(r.Entry.Unit, r.Entry.Amount)} {r.Entry.Unit.Key} on {r.Entry.Account} (entry {LedgerIds.Entry(r.Entry.Id)}); available now {Format(r.Balance.Unit, r.Balance.Available)}, total {Format(r.Balance.Unit, r.Balance.Total)}.");
                return 0;
            case AccountResult r:
                console.MarkupLineInterpolated($"[green]{r.Account.Id}[/] is {(r.Account.Frozen ? "frozen" : "active")}.");
                return 0;
            case InsufficientCredits r:
                console.MarkupLineInterpolated($"[red]Insufficient credits[/]: {Format(r.Unit, r.Available)} available, {Format(r.Unit, r.Required)} required.");
                return 1;
            case AccountFrozen r:
                console.MarkupLineInterpolated($"[red]Account {r.Account} is frozen.[/]");
                return 1;
            case NotFound r:
                console.MarkupLineInterpolated($"[red]No {r.What} '{r.Id}'.[/]");
                return 1;
            case Invalid r:
                console.MarkupLineInterpolated($"[red]{r.Field}[/]: {r.Message}");
                return 2;
            case Failure r:
                console.MarkupLineInterpolated($"[red]Refused[/]: {r}");
                return 1;
            default:
                console.MarkupLineInterpolated($"[green]Done[/]: {outcome.Single}");
                return 0;
        }
    }

    private static string Format(UnitInfo unit, Credits credits) => unit.ToDecimal(credits).ToString(CultureInfo.InvariantCulture);
}
