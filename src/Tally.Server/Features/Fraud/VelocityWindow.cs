using Tally.Ledger.Fraud;

namespace Tally.Server.Features.Fraud;

/// <summary>
/// One account's consumption in the velocity window, as per-minute sums per unit, and the seq up to
/// which the journal has been read into it. Each pass reads only entries after <see cref="Seq"/>, so
/// the detector's cost follows the charge rate, not the window's size. The sums may overstate the
/// window by the part of its first minute that has already left it — never understate — so a
/// window above the threshold is confirmed by an exact sum before anything is flagged.
/// </summary>
public sealed class VelocityWindow
{
    private readonly Dictionary<string, Dictionary<long, long>> _minutes = new(StringComparer.Ordinal);

    /// <summary>The journal is read into this window up to this seq.</summary>
    public long Seq { get; private set; }

    /// <summary>
    /// Adds the rows read for <paramref name="accounts"/> to their windows, drops minutes that left
    /// the window, and yields each (account, unit, credits consumed) of what remains.
    /// </summary>
    public static IEnumerable<(string Account, string Unit, long Minor)> Apply(
        Dictionary<string, VelocityWindow> windows, IReadOnlyList<ConsumptionMinute> rows, IEnumerable<string> accounts, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(accounts);
        foreach (var row in rows)
        {
            if (!windows.TryGetValue(row.Account, out var window))
            {
                window = new VelocityWindow();
                windows[row.Account] = window;
            }

            window.Seq = Math.Max(window.Seq, row.Seq);
            if (row.Unit is { } unit)
            {
                if (!window._minutes.TryGetValue(unit, out var minutes))
                {
                    minutes = [];
                    window._minutes[unit] = minutes;
                }

                minutes[row.Minute] = minutes.GetValueOrDefault(row.Minute) + row.Minor;
            }
        }

        var totals = new List<(string, string, long)>();
        foreach (var account in accounts)
        {
            if (!windows.TryGetValue(account, out var window))
            {
                continue;
            }

            window.Drop(since);
            if (window._minutes.Count == 0)
            {
                // Nothing in the window: forgetting the account loses nothing (a later read from
                // seq 0 still only takes entries inside the window) and keeps memory to the active.
                windows.Remove(account);
                continue;
            }

            totals.AddRange(window._minutes.Select(u => (account, u.Key, u.Value.Values.Sum())));
        }

        return totals;
    }

    /// <summary>Drops every window's minutes that left it, and windows left empty (accounts idle for a window).</summary>
    public static void Sweep(Dictionary<string, VelocityWindow> windows, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(windows);
        foreach (var (account, window) in windows.ToList())
        {
            window.Drop(since);
            if (window._minutes.Count == 0)
            {
                windows.Remove(account);
            }
        }
    }

    /// <summary>Minute m covers [60m, 60m + 60) seconds: it still overlaps (since, now] when m ≥ ⌊since / 60⌋.</summary>
    private void Drop(DateTimeOffset since)
    {
        var first = Math.DivRem(since.ToUnixTimeSeconds(), 60).Quotient;
        foreach (var (unit, minutes) in _minutes.ToList())
        {
            foreach (var minute in minutes.Keys.Where(m => m < first).ToList())
            {
                minutes.Remove(minute);
            }

            if (minutes.Count == 0)
            {
                _minutes.Remove(unit);
            }
        }
    }
}
