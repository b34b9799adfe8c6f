using System.Diagnostics.Metrics;
using Tally.Ledger;

namespace Tally.Bench;

/// <summary>Listens to the ledger's batch-size histogram, to show how many charges shared each transaction.</summary>
internal sealed class BatchSizes : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _batches;
    private long _requests;

    public BatchSizes()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LedgerMetrics.MeterName && instrument.Name == LedgerMetrics.BatchSizeName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _requests, size);
        });
        _listener.Start();
    }

    /// <summary>Forgets what was seen so far (call when the measured window starts).</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _batches, 0);
        Interlocked.Exchange(ref _requests, 0);
    }

    /// <summary>Mean requests per transaction since the last reset; NaN when nothing was batched.</summary>
    public double Mean
    {
        get
        {
            var batches = Interlocked.Read(ref _batches);
            return batches == 0 ? double.NaN : (double)Interlocked.Read(ref _requests) / batches;
        }
    }

    public void Dispose() => _listener.Dispose();
}
