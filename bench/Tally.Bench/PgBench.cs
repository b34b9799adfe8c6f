using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Tally.Bench;

/// <summary>
/// The baseline: pgbench on the same server with a two-statement transaction (update a balance
/// row, insert a history row), over many rows and over one hot row.
/// </summary>
public static partial class PgBench
{
    public static async Task PrepareAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            DROP TABLE IF EXISTS bench_balances, bench_history;
            CREATE TABLE bench_balances (id integer PRIMARY KEY, balance bigint NOT NULL);
            CREATE TABLE bench_history (id bigserial PRIMARY KEY, account_id integer NOT NULL, delta bigint NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO bench_balances SELECT g, 1000000000 FROM generate_series(1, {rows}) g;
            """, connection);
        await command.ExecuteNonQueryAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE bench_balances", connection);
        await vacuum.ExecuteNonQueryAsync();
    }

    public static async Task<LoadResult> RunAsync(string name, string connectionString, int clients, int rows, TimeSpan duration)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var script = Path.Combine(Path.GetTempPath(), $"tally-pgbench-{Guid.NewGuid():N}.sql");
        var pick = rows == 1 ? @"\set aid 1" : $@"\set aid random(1, {rows})";
        await File.WriteAllTextAsync(script, $"""
            {pick}
            UPDATE bench_balances SET balance = balance - 1 WHERE id = :aid;
            INSERT INTO bench_history (account_id, delta, created_at) VALUES (:aid, -1, now());
            """);
        try
        {
            var start = new ProcessStartInfo("pgbench")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[]
            {
                "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-f", script,
                "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!, builder.Database!,
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var tps = Tps().Match(output);
            var latency = Latency().Match(output);
            if (process.ExitCode != 0 || !tps.Success)
            {
                throw new InvalidOperationException($"pgbench failed: {output}{error}");
            }

            var perSecond = double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
            var average = latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
            return new LoadResult(name, (long)(perSecond * duration.TotalSeconds), 0, duration, average, double.NaN);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex Latency();
}
