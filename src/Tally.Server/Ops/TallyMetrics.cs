using Prometheus;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;

namespace Tally.Server.Ops;

/// <summary>Ledger metrics for Prometheus (/metrics), beside prometheus-net's HTTP request metrics.</summary>
public sealed class TallyMetrics
{
    private static readonly Counter Operations = Metrics.CreateCounter(
        "tally_ledger_operations_total", "Ledger operations by kind and result (ok, insufficient_credits, …).",
        new CounterConfiguration { LabelNames = ["operation", "result"] });

    private static readonly Counter Replays = Metrics.CreateCounter(
        "tally_idempotent_replays_total", "Requests answered from a stored idempotency key.");

    private static readonly Gauge Backlog = Metrics.CreateGauge(
        "tally_webhook_outbox_backlog", "Outbox rows (write transactions with events) waiting for the relay, as an idle relay last counted them.");

    private static readonly Counter Deliveries = Metrics.CreateCounter(
        "tally_webhook_deliveries_total", "Outbound webhook delivery attempts by result (succeeded, failed, interrupted).",
        new CounterConfiguration { LabelNames = ["result"] });

    private static readonly Histogram Lag = Metrics.CreateHistogram(
        "tally_webhook_delivery_lag_seconds", "From an event's change to its successful delivery (retries included).",
        new HistogramConfiguration { Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400] });

    public static void OutboxBacklog(long rows) => Backlog.Set(rows);

    public static void DeliveriesFinished(string result, int count) => Deliveries.WithLabels(result).Inc(count);

    public static void DeliveryLag(TimeSpan lag) => Lag.Observe(Math.Max(0, lag.TotalSeconds));

    public void Record(IReadOnlyList<LedgerCommand> commands, RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Replayed)
        {
            Replays.Inc();
            return;
        }

        for (var i = 0; i < commands.Count && i < outcome.Results.Count; i++)
        {
            Operations.WithLabels(Kind(commands[i]), Result(outcome.Results[i])).Inc();
        }
    }

    private static string Kind(LedgerCommand command) => command switch
    {
        Charge => "charge",
        Grant => "grant",
        Reserve => "reserve",
        Capture => "capture",
        Release => "release",
        Reverse => "reverse",
        Adjust => "adjust",
        Transfer => "transfer",
        EnsureAccount => "ensure_account",
        SetFrozen => "freeze",
        Sweep => "sweep",
        _ => "other",
    };

    private static string Result(LedgerOutcome outcome) => outcome switch
    {
        Success => "ok",
        InsufficientCredits => "insufficient_credits",
        AccountFrozen => "account_frozen",
        NotFound => "not_found",
        InvalidState => "invalid_state",
        Invalid => "validation_failed",
        IdempotencyConflict => "idempotency_conflict",
        _ => "other",
    };
}
