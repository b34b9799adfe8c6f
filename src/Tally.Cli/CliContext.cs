using System.CommandLine;
using Spectre.Console;
using Tally.Ledger;
using Tally.Ledger.Storage;

namespace Tally.Cli;

/// <summary>What every command needs: the console, and the store and ledger the options name.</summary>
public sealed class CliContext(IAnsiConsole console, Option<string?> database)
{
    public IAnsiConsole Console { get; } = console;

    public ILedgerStore OpenStore(ParseResult parse) =>
        StoreFactory.Open(parse.GetValue(database) ?? Environment.GetEnvironmentVariable(StoreFactory.Setting));

    public static CreditLedger OpenLedger(ILedgerStore store) =>
        new(store, LedgerSettings.FromEnvironment(), TimeProvider.System);

    /// <summary>
    /// Runs a command body with the store open and migrated (unless TALLY_MIGRATE_ON_START=false),
    /// turning configuration errors into exit code 2 with a message naming the setting.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<ILedgerStore, Task<int>> body)
    {
        ILedgerStore store;
        try
        {
            store = OpenStore(parse);
        }
        catch (ArgumentException e)
        {
            Console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 2;
        }

        await using (store)
        {
            try
            {
                if (Environment.GetEnvironmentVariable("TALLY_MIGRATE_ON_START") is not { } migrate || !migrate.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    await store.MigrateAsync(CancellationToken.None);
                }

                return await body(store);
            }
            catch (SettingException e)
            {
                Console.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return 2;
            }
        }
    }
}
