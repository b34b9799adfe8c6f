using System.Diagnostics;
using System.Globalization;

namespace Tally.Bench;

/// <summary>
/// GC pause time per 100 ms of a run, sampled beside it, so bursts of slow calls can be set
/// against the collector's pauses tick by tick.
/// </summary>
internal sealed class PauseTimeline : IDisposable
{
    private readonly double[] _paused;
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    public PauseTimeline(Stopwatch clock, int ticks)
    {
        _clock = clock;
        _paused = new double[ticks];
        _sampler = Task.Run(SampleAsync);
    }

    public string Report() => string.Join(' ', _paused.Select(ms => ms.ToString("0", CultureInfo.InvariantCulture)));

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var last = GC.GetTotalPauseDuration();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = GC.GetTotalPauseDuration();
                var tick = LoadRun.Tick(_clock, _paused.Length);
                _paused[tick] += (now - last).TotalMilliseconds;
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampler.Wait();
        _stop.Dispose();
    }
}
