using System.Diagnostics.Metrics;
using Tally.Ledger;

namespace Tally.TestSupport.Faults;

/// <summary>Counts in-doubt commits the ledger's stores report (meter <c>Tally.Ledger</c>), by resolution, while alive.</summary>
public sealed class InDoubtCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public InDoubtCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LedgerMetrics.MeterName && instrument.Name == "tally_ledger_commits_in_doubt")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var resolution = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "resolution")
                {
                    resolution = tag.Value as string ?? "";
                }
            }

            lock (_counts)
            {
                _counts[resolution] = _counts.GetValueOrDefault(resolution) + (int)value;
            }
        });
        _listener.Start();
    }

    public int Total
    {
        get
        {
            lock (_counts)
            {
                return _counts.Values.Sum();
            }
        }
    }

    public string Resolutions
    {
        get
        {
            lock (_counts)
            {
                return string.Join(", ", _counts.Select(p => $"{p.Key} {p.Value}"));
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
