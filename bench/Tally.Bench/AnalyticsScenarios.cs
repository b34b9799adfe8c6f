using System.Diagnostics;
using Tally.Ledger.Analytics;
using Tally.Ledger.Storage;

namespace Tally.Bench;

/// <summary>
/// Analytics at scale (bench/README.md, <c>--analytics N</c>): N accounts seeded, random charges
/// on them for the run's duration, then one fold of the whole journal (entries/s), then each
/// /v1/analytics endpoint asked 200 times in a row over HTTP (p50/p99; target p99 &lt; 50 ms).
/// </summary>
internal static class AnalyticsScenarios
{
    private const int Requests = 200;

    public static async Task<IReadOnlyList<ResultRow>> RunAsync(string store, string database, ILedgerStore ledgerStore, string[] accounts, LedgerScenarios scenarios, TimeSpan warmup, TimeSpan duration)
    {
        var rows = new List<ResultRow>();
        var charges = await scenarios.ChargeRandomAsync($"library {store} charges on {accounts.Length:N0} accounts (the workload), c=32", accounts, 32, warmup, duration);
        rows.Add(new ResultRow(charges, "workload", null));

        var clock = Stopwatch.StartNew();
        var folded = await RollupFolder.FoldAllAsync((IAnalyticsStore)ledgerStore, TimeProvider.System, 90);
        clock.Stop();
        rows.Add(new ResultRow(new LoadResult($"fold {store}: {folded.Entries:N0} entries of {folded.Accounts:N0} accounts", folded.Entries, 0, clock.Elapsed, double.NaN, double.NaN), "entries/s", null));

        await using var http = await HttpScenarios.StartAsync(database, true, "--TALLY_ANALYTICS_INTERVAL_SECONDS=0");
        var random = new Random(7);
        string[] paths =
        [
            "/v1/analytics/platform",
            "/v1/analytics/top-spenders?limit=10",
            "/v1/analytics/liability",
            "/v1/analytics/accounts/{account}",
        ];
        foreach (var path in paths)
        {
            var result = await http.TimeGetsAsync($"GET {path} {store}, {accounts.Length:N0} accounts", Requests, 20,
                () => path.Replace("{account}", accounts[random.Next(accounts.Length)], StringComparison.Ordinal));
            rows.Add(new ResultRow(result, "p99 < 50 ms", 50 / result.P99Ms));
        }

        return rows;
    }
}
