using System.Diagnostics;
using Shouldly;
using Spectre.Console.Testing;
using Tally.TestSupport.Postgres;
using Xunit;
using Xunit.Abstractions;

namespace Tally.Cli.Tests.Import;

/// <summary>
/// The issue's measurement: 10,000 users and 200,000 transactions imported from a throwaway
/// PostgreSQL (docs/import.md, "Measured"). Runs only with TALLY_IMPORT_BENCH=1 (minutes, not for
/// the suite); the target store is TALLY_IMPORT_BENCH_STORE (sqlite, the default, or postgres).
/// The report goes to the test output; nothing is kept.
/// </summary>
public sealed class ImportBenchmark(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-import-bench-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Import_10000_users_and_200000_transactions()
    {
        if (Environment.GetEnvironmentVariable("TALLY_IMPORT_BENCH") != "1")
        {
            return;
        }

        var server = await PgServer.SharedAsync();
        var seed = SeedDataset.Generate(users: 10_000, transactions: 200_000, dirty: true);
        var source = await server.CreateDatabaseAsync("seedbench");
        await seed.WriteToPostgresAsync(source);
        var target = Environment.GetEnvironmentVariable("TALLY_IMPORT_BENCH_STORE") == "postgres"
            ? await server.CreateDatabaseAsync("importbench")
            : $"sqlite:{Path.Combine(_directory, "bench.db")}";

        foreach (var run in new[] { "dry run", "import", "second run" })
        {
            var console = new TestConsole();
            console.Profile.Width = 200;
            string[] args = ["import", "supabase", "--connection", source, "--database", target, "--show", "3", .. run == "dry run" ? new[] { "--dry-run" } : []];
            var clock = Stopwatch.StartNew();
            var code = await TallyCli.RunAsync(args, console);
            clock.Stop();
            code.ShouldBe(0, console.Output);
            output.WriteLine($"== {run}: {clock.Elapsed.TotalSeconds:F1} s (exit {code}) into {target.Split(';')[0]}");
            output.WriteLine(string.Join('\n', console.Output.Split('\n').Where(l => !l.Contains('━', StringComparison.Ordinal))));
        }
    }
}
