using Microsoft.Extensions.DependencyInjection;
using Tally.Ledger.Fraud;
using Tally.Server.Features.Fraud;

namespace Tally.Bench;

/// <summary>
/// What fraud detection costs the charge path (bench/README.md, docs/fraud.md): HTTP charges on
/// random accounts with CREDIT_ENABLE_FRAUD_DETECTION off and on, alternating off, on, on, off in
/// one run (a fresh instance each, same database), so drift in the box shows in both. With
/// detection on, the detector sums every changed account's window once a second on the same two
/// cores; 1-credit charges stay below the threshold, so it flags nothing.
/// </summary>
internal static class FraudScenarios
{
    public static async Task<IReadOnlyList<ResultRow>> RunAsync(string store, string database, string[] accounts, int callers, TimeSpan warmup, TimeSpan duration, int rounds = 2)
    {
        var rows = new List<ResultRow>();
        var off = new List<double>();
        var on = new List<double>();

        // Unmeasured: the first instance after seeding runs on cold caches (and PostgreSQL's
        // checkpoint of the seed), which would weigh on whichever side came first.
        await using (var cold = await HttpScenarios.StartAsync(database, false))
        {
            await cold.ChargeRandomAsync($"HTTP {store} charges, warming the database (not counted), c={callers}", accounts, callers, TimeSpan.Zero, warmup + duration);
        }

        for (var round = 1; round <= rounds; round++)
        {
            // Off, on, on, off, …: a steady drift of the box (caches warming, other load) weighs on both alike.
            foreach (var enabled in round % 2 == 1 ? new[] { false, true } : [true, false])
            {
                var http = await HttpScenarios.StartAsync(database, false, $"--CREDIT_ENABLE_FRAUD_DETECTION={(enabled ? "true" : "false")}");
                var result = await http.ChargeRandomAsync($"HTTP {store} charges, fraud detection {(enabled ? "on" : "off")} (round {round}), c={callers}", accounts, callers, warmup, duration);
                (enabled ? on : off).Add(result.PerSecond);
                if (enabled)
                {
                    var flags = await http.Services.GetRequiredService<IFraudStore>().ListFlagsAsync(null, null, null, 10, CancellationToken.None);
                    var detector = http.Services.GetRequiredService<FraudDetector>();
                    await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} fraud {store} round {round}: {detector.Passes:N0} passes summed {detector.AccountsChecked:N0} accounts' windows; {flags.Count} flag(s)");
                }

                rows.Add(new ResultRow(result, enabled ? "≥ 95 % of off" : "baseline", null));
                await http.DisposeAsync();
            }
        }

        var ratio = on.Average() / off.Average();
        rows.Add(new ResultRow(new LoadResult($"HTTP {store}: mean on / mean off ({on.Average():N0} / {off.Average():N0} charges/s)", 0, 0, TimeSpan.FromSeconds(1), double.NaN, double.NaN), "≥ 95 %", ratio));
        return rows;
    }
}
