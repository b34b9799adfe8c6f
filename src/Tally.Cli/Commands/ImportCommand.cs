using System.CommandLine;
using System.Globalization;
using Npgsql;
using Spectre.Console;
using Tally.Cli.Import;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Payments;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally import supabase</c>: the seed's credit tables into Tally (docs/import.md), by
/// connection string or from CSV files; <c>--dry-run</c> reads and reports without writing.
/// </summary>
public static class ImportCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("import", "Import credits from another system.");
        command.Subcommands.Add(Supabase(context));
        return command;
    }

    private static Command Supabase(CliContext context)
    {
        var connection = new Option<string?>("--connection") { Description = "The seed's PostgreSQL (Supabase) connection string; read only" };
        var csv = new Option<string?>("--csv") { Description = "A directory with one CSV per table (user_credits.csv, credit_transactions.csv, …), header row first" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Read and report what would be imported and the problems found; write nothing" };
        var unit = new Option<string>("--unit") { Description = "The Tally unit the seed's credits become", DefaultValueFactory = _ => UnitInfo.DefaultKey };
        var report = new Option<string?>("--report") { Description = "Write every problem found to this CSV file" };
        var show = new Option<int>("--show") { Description = "Problems listed per kind on the console", DefaultValueFactory = _ => 10 };
        var command = new Command("supabase", "Import the seed's user_credits, credit_transactions, credit_packages, subscription_credits and Dodo payments.")
        {
            connection, csv, dryRun, unit, report, show,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (connectionValue, csvValue) = (parse.GetValue(connection), parse.GetValue(csv));
            if ((connectionValue is null) == (csvValue is null))
            {
                context.Console.MarkupLine("[red]Give exactly one source: --connection <postgres connection string> or --csv <directory>.[/]");
                return 2;
            }

            if (csvValue is not null && !Directory.Exists(csvValue))
            {
                context.Console.MarkupLineInterpolated($"[red]--csv: no directory '{csvValue}'.[/]");
                return 2;
            }

            if (parse.GetValue(show) < 0)
            {
                context.Console.MarkupLine("[red]--show must be 0 or more.[/]");
                return 2;
            }

            SeedData data;
            string describe;
            try
            {
                await using var source = csvValue is not null ? new CsvSeedSource(csvValue) : (ISeedSource)await PostgresSeedSource.OpenAsync(connectionValue!, ct);
                describe = source.Describe;
                data = await context.Console.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("reading the seed (rows)").IsIndeterminate();
                    var read = await SeedReader.ReadAsync(source, new ActionProgress<long>(n => task.Increment(n)), ct);
                    task.IsIndeterminate(false).Value = task.MaxValue;
                    return read;
                });
            }
            catch (Exception e) when (e is ImportSourceException or NpgsqlException or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                context.Console.MarkupLineInterpolated($"[red]Cannot read the seed[/]: {e.Message}");
                return 2;
            }

            var openings = SupabaseImporter.Plan(data, DateTimeOffset.UtcNow);
            var totals = SupabaseImporter.Count(data, openings);
            if (parse.GetValue(dryRun))
            {
                ImportReport.Write(context.Console, describe, data, totals, dry: true, parse.GetValue(show));
                return await WriteProblemsAsync(context, data, parse.GetValue(report), ct) ? 0 : 2;
            }

            return await context.RunAsync(parse, async store =>
            {
                var options = SupabaseImporter.Options(CliContext.Settings().Ledger);
                await using var ledger = new CreditLedger(store, options, TimeProvider.System);
                var unitKey = parse.GetValue(unit)!;
                if (await ledger.FindUnitAsync(unitKey, ct) is not { } target)
                {
                    context.Console.MarkupLineInterpolated($"[red]--unit: no unit '{unitKey}' in Tally.[/]");
                    return 2;
                }

                var importer = new SupabaseImporter(ledger, (IPaymentStore)store, target, TimeProvider.System);
                await context.Console.Progress().StartAsync(async progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    var reporter = new ActionProgress<ImportStep>(step =>
                    {
                        if (!tasks.TryGetValue(step.Phase, out var task))
                        {
                            tasks[step.Phase] = task = progress.AddTask(step.Phase, maxValue: Math.Max(1, step.Total));
                        }

                        task.Value = step.Done;
                    });
                    await importer.RunAsync(data, openings, totals, reporter, ct);
                    foreach (var task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                    }
                });
                ImportReport.Write(context.Console, describe, data, totals, dry: false, parse.GetValue(show));
                if (!await WriteProblemsAsync(context, data, parse.GetValue(report), ct))
                {
                    return 2;
                }

                var failed = totals.Verification is { Ok: false } || data.Problems.Any(p => p.Kind is ProblemKinds.BalanceDiffers or ProblemKinds.Refused);
                return failed ? 1 : 0;
            });
        });
        return command;
    }

    private static async Task<bool> WriteProblemsAsync(CliContext context, SeedData data, string? path, CancellationToken ct)
    {
        if (path is null)
        {
            return true;
        }

        try
        {
            await ImportReport.WriteCsvAsync(path, data.Problems, ct);
            context.Console.MarkupLineInterpolated($"Wrote {data.Problems.Count.ToString("N0", CultureInfo.InvariantCulture)} problem(s) to {path}.");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Console.MarkupLineInterpolated($"[red]--report: cannot write '{path}'[/]: {e.Message}");
            return false;
        }
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> posts to the thread pool, which would race the final values).</summary>
    private sealed class ActionProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
