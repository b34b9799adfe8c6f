using System.CommandLine;
using System.Reflection;
using Spectre.Console;
using Tally.Ledger.Relational.Backup;
using Tally.Server.Hosting;

namespace Tally.Cli.Commands;

/// <summary><c>tally backup &lt;file&gt;</c>: every table from one consistent snapshot into one archive (docs/operations.md).</summary>
public static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The archive to write (a zip of JSON lines and a manifest; replaced if it exists)" };
        var command = new Command("backup", "Write a consistent snapshot of every table into one archive that either store can restore.") { file };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            if (store is not IBackupStore backup)
            {
                context.Console.MarkupLine("[red]This store cannot be backed up with tally backup.[/]");
                return 2;
            }

            var path = parse.GetValue(file)!;
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null && !Directory.Exists(directory))
            {
                context.Console.MarkupLineInterpolated($"[red]{directory}: no such directory.[/]");
                return 2;
            }

            var started = TimeProvider.System.GetTimestamp();
            BackupManifest manifest = null!;
            await BackupProgressBar.RunAsync(context.Console, async bar =>
                manifest = await BackupWriter.WriteAsync(backup, path, Version, TimeProvider.System.GetUtcNow(), bar, ct));
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            context.Console.MarkupLineInterpolated(
                $"[green]Backed up[/] {manifest.TotalRows:N0} rows of {manifest.Tables.Count} tables from {StoreFactory.Describe(store)} (schema {manifest.SchemaVersion}) into {path} ({new FileInfo(path).Length:N0} bytes) in {elapsed.TotalSeconds:N1} s.");
            return 0;
        }));
        return command;
    }

    /// <summary>This binary's version, as the manifest records it.</summary>
    internal static string Version =>
        typeof(BackupCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
