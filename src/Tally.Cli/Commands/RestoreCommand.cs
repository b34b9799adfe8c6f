using System.CommandLine;
using System.Data.Common;
using Spectre.Console;
using Tally.Ledger.Postgres;
using Tally.Ledger.Relational.Backup;
using Tally.Ledger.Sqlite;
using Tally.Server.Hosting;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally restore &lt;file&gt;</c>: an archive of <c>tally backup</c> (from either store) into an empty
/// database, in one transaction, then the invariants checked (docs/operations.md).
/// </summary>
public static class RestoreCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The archive tally backup wrote" };
        var force = new Option<bool>("--force") { Description = "Replace the data of a database that already holds accounts or entries" };
        var command = new Command("restore", "Restore a tally backup into an empty database (checksums checked first, one transaction), then verify it.") { file, force };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            BackupReader archive;
            try
            {
                // The archive's manifest is checked before the database is even opened.
                archive = BackupReader.Open(path, KnownSchemaVersions);
            }
            catch (BackupException e)
            {
                context.Console.MarkupLineInterpolated($"[red]Refused:[/] {e.Message}");
                return 1;
            }

            using (archive)
            {
                return await context.RunAsync(parse, store => RestoreAsync(context, store, archive, path, parse.GetValue(force), ct));
            }
        });
        return command;
    }

    private static IReadOnlyDictionary<string, int> KnownSchemaVersions => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["sqlite"] = SqliteLedgerStore.SchemaVersion,
        ["postgres"] = PostgresLedgerStore.SchemaVersion,
    };

    private static async Task<int> RestoreAsync(CliContext context, Ledger.Storage.ILedgerStore store, BackupReader archive, string path, bool force, CancellationToken ct)
    {
        if (store is not IBackupStore target)
        {
            context.Console.MarkupLine("[red]This store cannot be restored into with tally restore.[/]");
            return 2;
        }

        // The schema this binary knows, never older than the archive's (checked when it was opened).
        await store.MigrateAsync(ct);
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await BackupProgressBar.RunAsync(context.Console, bar => BackupRestorer.RestoreAsync(archive, target, force, bar, ct));
        }
        catch (BackupException e)
        {
            context.Console.MarkupLineInterpolated($"[red]Refused:[/] {e.Message} Nothing was written.");
            return 1;
        }
        catch (DbException e)
        {
            // The restore is one transaction, so a statement the database refuses leaves nothing behind.
            context.Console.MarkupLineInterpolated($"[red]The database refused the restore:[/] {CliContext.OneLine(e.Message)} Nothing was written.");
            return 1;
        }

        var manifest = archive.Manifest;
        context.Console.MarkupLineInterpolated(
            $"[green]Restored[/] {manifest.TotalRows:N0} rows of {manifest.Tables.Count} tables from {path} ({manifest.Store} schema {manifest.SchemaVersion}, taken {manifest.CreatedAt}) into {StoreFactory.Describe(store)} in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:N1} s.");
        var report = await context.Console.Status().StartAsync("Checking the invariants…", _ => CliContext.OpenLedger(store).VerifyAsync(ct));
        if (report.Ok)
        {
            context.Console.MarkupLineInterpolated($"[green]OK[/]: 0 violations in {report.Accounts} accounts and {report.Entries} journal entries.");
            return 0;
        }

        foreach (var v in report.Violations)
        {
            context.Console.WriteLine(v.Describe());
        }

        context.Console.MarkupLineInterpolated($"[red]FAILED[/]: {report.Violations.Count} violation(s) after the restore; run tally verify for the details.");
        return 1;
    }
}
