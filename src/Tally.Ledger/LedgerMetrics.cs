using System.Diagnostics.Metrics;

namespace Tally.Ledger;

/// <summary>
/// The ledger's own instruments (meter <c>Tally.Ledger</c>); the server publishes them on
/// <c>/metrics</c> and any <see cref="MeterListener"/> or OpenTelemetry reader can collect them.
/// </summary>
public static class LedgerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Tally.Ledger";

    /// <summary>The batch-size instrument's name.</summary>
    public const string BatchSizeName = "tally_ledger_batch_requests";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Requests committed together in one group-commit transaction (1 when idle; grows with load).</summary>
    internal static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        BatchSizeName, "{request}", "Requests committed together in one group-commit transaction");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "tally_ledger_write_retries", "{transaction}",
        "Write transactions run again after one that certainly did not commit (reason: conflict, unavailable, rolled_back)");

    private static readonly Counter<long> InDoubt = Meter.CreateCounter<long>(
        "tally_ledger_commits_in_doubt", "{transaction}",
        "Commits whose connection failed mid-way, by how they were resolved (committed, rolled_back, unresolved)");

    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>(
        "tally_ledger_group_fallbacks", "{transaction}",
        "Group transactions that failed as a whole and were re-run one request at a time");

    /// <summary>A write transaction that certainly did not commit is being run again.</summary>
    public static void WriteRetried(string reason) => Retries.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A commit whose outcome was in doubt was resolved (or not).</summary>
    public static void CommitInDoubt(string resolution) => InDoubt.Add(1, new KeyValuePair<string, object?>("resolution", resolution));

    internal static void GroupFallback() => Fallbacks.Add(1);
}
