using System.CommandLine;
using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using Tally.Ledger;
using Tally.Ledger.Storage;
using Tally.Server.Hosting;

namespace Tally.Cli;

/// <summary>What every command needs: the console, the settings, and the store and ledger they name.</summary>
public sealed class CliContext(IAnsiConsole console, Option<string?> database)
{
    public IAnsiConsole Console { get; } = console;

    /// <summary>Settings from the environment (the seed's names; README, "Configuration").</summary>
    public static TallyOptions Settings() => TallyOptions.Load(new ConfigurationBuilder().AddEnvironmentVariables().Build());

    public static CreditLedger OpenLedger(ILedgerStore store) => new(store, Settings().Ledger, TimeProvider.System);

    /// <summary>
    /// Runs a command body with the store open and migrated (unless TALLY_MIGRATE_ON_START=false),
    /// turning configuration errors into exit code 2 with a message naming the setting, and a
    /// database that fails (unreachable, or refusing a statement) into exit code 1 with its message.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<ILedgerStore, Task<int>> body)
    {
        ILedgerStore store;
        TallyOptions settings;
        try
        {
            settings = Settings();
            // The replica and LISTEN settings belong to TALLY_DATABASE, not to a --database given instead.
            store = parse.GetValue(database) is { } given
                ? StoreFactory.Open(given)
                : StoreFactory.Open(settings.Database, settings.DatabaseRead, settings.DatabaseListen);
        }
        catch (Exception e) when (e is ArgumentException or SettingsException)
        {
            Console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 2;
        }

        await using (store)
        {
            try
            {
                if (settings.MigrateOnStart)
                {
                    await store.MigrateAsync(CancellationToken.None);
                }

                return await body(store);
            }
            catch (Exception e) when (e is DbException or StoreUnavailableException)
            {
                // The database's own words, on one line: unreachable, a refused statement, a full disk.
                Console.MarkupLineInterpolated($"[red]The database failed:[/] {OneLine(e.Message)}");
                return 1;
            }
        }
    }

    /// <summary>A database message on one line (PostgreSQL's can carry a detail on the next).</summary>
    public static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
