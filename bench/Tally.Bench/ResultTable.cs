using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Tally.Bench;

/// <summary>One row of the benchmark table: a measured load and its target (bench/README.md).</summary>
internal sealed record ResultRow(LoadResult Result, string Target, double? Ratio);

/// <summary>Prints the benchmark table to the console, and as Markdown for bench/README.md's history.</summary>
internal static class ResultTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(IReadOnlyList<ResultRow> rows, bool markdown)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200; // one line per row in logs and files
        }

        var table = new Table().AddColumns("scenario", "ops/s", "p50 ms", "p99 ms", "batch", "target", "of target");
        foreach (var row in rows)
        {
            var ratio = Ratio(row);
            table.AddRow(
                Markup.Escape(row.Result.Name), Rate(row), Ms(row.Result.P50Ms), Ms(row.Result.P99Ms), Batch(row), Markup.Escape(row.Target),
                ratio.Length == 0 ? "" : row.Ratio >= 1 ? $"[green]{ratio}[/]" : $"[red]{ratio}[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; pgbench p50 column is its average latency.[/]");
        if (markdown)
        {
            Console.WriteLine();
            Console.WriteLine(Markdown(rows));
        }
    }

    private static string Markdown(IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder()
            .AppendLine("| scenario | ops/s | p50 ms | p99 ms | batch | target | of target |")
            .AppendLine("|---|---:|---:|---:|---:|---|---:|");
        foreach (var row in rows)
        {
            text.Append(Invariant, $"| {row.Result.Name} | {Rate(row)} | {Ms(row.Result.P50Ms)} | {Ms(row.Result.P99Ms)} | {Batch(row)} | {row.Target} | {Ratio(row)} |").AppendLine();
        }

        return text.ToString();
    }

    private static string Rate(ResultRow row) => row.Result.PerSecond.ToString("N0", Invariant);

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", Invariant);

    private static string Batch(ResultRow row) => double.IsNaN(row.Result.MeanBatch) ? "-" : row.Result.MeanBatch.ToString("0.0", Invariant);

    private static string Ratio(ResultRow row) => row.Ratio is { } r ? r.ToString("P0", Invariant) : "";
}
