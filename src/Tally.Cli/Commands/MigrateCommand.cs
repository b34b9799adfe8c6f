using System.CommandLine;
using Spectre.Console;
using Tally.Ledger.Postgres;
using Tally.Server.Hosting;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally migrate [--citus]</c>: apply pending forward-only schema migrations; on PostgreSQL with
/// the citus extension (or <c>--citus</c>, which creates it) then distribute the schema (docs/scaling.md).
/// </summary>
public static class MigrateCommand
{
    public static Command Create(CliContext context)
    {
        var citus = new Option<bool>("--citus")
        {
            Description = "PostgreSQL only: create the citus extension if missing and distribute the schema over the cluster's workers (docs/scaling.md). Without it, a database that already has the extension is distributed too.",
        };
        var command = new Command("migrate", "Apply pending schema migrations to the database.") { citus };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var distribute = parse.GetValue(citus);
            if (store is not PostgresLedgerStore postgres)
            {
                if (distribute)
                {
                    context.Console.MarkupLine("[red]--citus needs a PostgreSQL database (TALLY_DATABASE=postgres://…); SQLite has nothing to distribute.[/]");
                    return 2;
                }

                var applied = await store.MigrateAsync(ct);
                context.Console.MarkupLineInterpolated($"[green]{StoreFactory.Describe(store)}[/]: {applied} migration(s) applied, schema current.");
                return 0;
            }

            var count = await postgres.MigrateAsync(distribute, ct);
            var distributed = await postgres.IsDistributedAsync(ct);
            context.Console.MarkupLineInterpolated($"[green]{StoreFactory.Describe(store)}[/]: {count} migration(s) applied, schema current{(distributed ? ", distributed over Citus" : "")}.");
            return 0;
        }));
        return command;
    }
}
