using System.CommandLine;
using Spectre.Console;
using Tally.Cli.Commands;
using Tally.Server.Hosting;

namespace Tally.Cli;

/// <summary>
/// The <c>tally</c> command line. Exit codes: 0 done, 1 refused, invariants violated or the
/// database failed (<see cref="CliContext.RunAsync"/>), 2 bad usage or configuration.
/// </summary>
public static class TallyCli
{
    public static Task<int> RunAsync(string[] args, IAnsiConsole console)
    {
        var database = new Option<string?>("--database")
        {
            Description = $"sqlite:<path> or a PostgreSQL connection string (default: ${StoreFactory.Setting}, else {StoreFactory.DefaultDatabase})",
            Recursive = true,
        };
        var context = new CliContext(console, database);
        var root = new RootCommand("Tally: a self-hosted credit ledger.") { database };
        root.Subcommands.Add(MigrateCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(AccountsCommand.Create(context));
        root.Subcommands.Add(ExpireCommand.Create(context));
        root.Subcommands.Add(AnalyticsCommand.Create(context));
        root.Subcommands.Add(AnalyticsCommand.Report(context));
        root.Subcommands.Add(ApiKeysCommand.Create(context));
        root.Subcommands.Add(AdminCommand.Create(context));
        root.Subcommands.Add(PaymentsCommand.Create(context));
        root.Subcommands.Add(SandboxCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(BackupCommand.Create(context));
        root.Subcommands.Add(RestoreCommand.Create(context));
        root.Subcommands.Add(ImportCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(database));
        return root.Parse(args).InvokeAsync();
    }
}
