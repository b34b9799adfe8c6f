using System.CommandLine;
using Spectre.Console;
using Tally.Server.Hosting;

namespace Tally.Cli.Commands;

/// <summary><c>tally migrate</c>: apply pending forward-only schema migrations.</summary>
public static class MigrateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("migrate", "Apply pending schema migrations to the database.");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var applied = await store.MigrateAsync(ct);
            context.Console.MarkupLineInterpolated($"[green]{StoreFactory.Describe(store)}[/]: {applied} migration(s) applied, schema current.");
            return 0;
        }));
        return command;
    }
}
