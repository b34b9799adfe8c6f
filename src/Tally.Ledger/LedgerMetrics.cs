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
}
