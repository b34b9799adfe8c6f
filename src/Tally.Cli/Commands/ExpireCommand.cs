using System.CommandLine;
using Spectre.Console;

namespace Tally.Cli.Commands;

/// <summary><c>tally expire</c>: run the expiry sweeper once.</summary>
public static class ExpireCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("expire", "Write off expired credits, release expired holds and forget old idempotency keys, once.");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var ledger = CliContext.OpenLedger(store);
            var report = await context.Console.Status().StartAsync("Sweeping…", _ => ledger.ExpireAsync(ct));
            context.Console.MarkupLineInterpolated(
                $"Swept {report.Accounts} account(s): {report.LotsExpired} lot(s) expired, {report.HoldsExpired} hold(s) released, {report.IdempotencyKeysPurged} idempotency key(s) forgotten.");
            return 0;
        }));
        return command;
    }
}
