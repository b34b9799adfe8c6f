using System.Diagnostics;

namespace Tally.Bench;

/// <summary>What one timed run measured.</summary>
public sealed record LoadResult(string Name, long Operations, long Refused, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    /// <summary>Mean requests per ledger transaction during the run (NaN for pgbench).</summary>
    public double MeanBatch { get; init; } = double.NaN;

    public double PerSecond => Operations / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs <c>callers</c> loops of one operation for a fixed time after a warm-up, counting what
/// succeeded and timing each call. Bounded in time and in memory (a fixed sample of latencies).
/// </summary>
public static class LoadRun
{
    private const int SamplesPerCaller = 200_000;

    public static async Task<LoadResult> RunAsync(string name, int callers, TimeSpan warmup, TimeSpan duration, Func<int, Random, Task<bool>> operation)
    {
        using var stop = new CancellationTokenSource();
        var measuring = 0;
        var ok = new long[callers];
        var refused = new long[callers];
        var samples = new double[callers][];
        var counts = new int[callers];
        var workers = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller * 7919);
            samples[caller] = new double[SamplesPerCaller];
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var success = await operation(caller, random);
                if (Volatile.Read(ref measuring) == 0)
                {
                    continue;
                }

                if (success)
                {
                    ok[caller]++;
                }
                else
                {
                    refused[caller]++;
                }

                if (counts[caller] < SamplesPerCaller)
                {
                    samples[caller][counts[caller]++] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        })).ToArray();

        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: warming up {warmup.TotalSeconds:0} s");
        await Task.Delay(warmup);
        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: measuring {duration.TotalSeconds:0} s");
        using var batches = new BatchSizes();
        var gc = GcWatch.Start();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var elapsed = clock.Elapsed;
        var meanBatch = batches.Mean;
        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: {gc.Report()}");
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var all = samples.SelectMany((s, i) => s.Take(counts[i])).Order().ToArray();
        return new LoadResult(name, ok.Sum(), refused.Sum(), elapsed, Percentile(all, 0.50), Percentile(all, 0.99)) { MeanBatch = meanBatch };
    }

    /// <summary>
    /// Open loop: starts <paramref name="perSecond"/> operations a second for
    /// <paramref name="duration"/> whatever their latency (at most <paramref name="maxInFlight"/>
    /// at once), so the latencies are what a caller sees at that offered load.
    /// </summary>
    public static async Task<LoadResult> RunAtRateAsync(string name, double perSecond, TimeSpan duration, int maxInFlight, Func<Random, Task<bool>> operation)
    {
        // Nothing per call outlives the call: latencies go into one array sized up front and the
        // calls are not kept (a list of every call's task grew the heap through the run, and the
        // collector's pauses with it — in the same process as the server being measured).
        var total = (long)(perSecond * duration.TotalSeconds);
        var latencies = new double[total];
        var measured = 0;
        var slow = new int[(int)Math.Ceiling(duration.TotalSeconds * 10) + 50];
        var launched = new int[slow.Length];
        long ok = 0, refused = 0;
        Exception? failure = null;
        using var gate = new SemaphoreSlim(maxInFlight);
        var random = new Random(42);
        using var batches = new BatchSizes();
        var gc = GcWatch.Start();
        var clock = Stopwatch.StartNew();
        using var pauses = new PauseTimeline(clock, slow.Length);
        for (long i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            if (!await gate.WaitAsync(0))
            {
                Interlocked.Increment(ref refused);
                continue;
            }

            var seed = random.Next();
            launched[Tick(clock, launched.Length)]++;
            _ = Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (await operation(new Random(seed)))
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    latencies[Interlocked.Increment(ref measured) - 1] = ms;
                    if (ms > 10)
                    {
                        Interlocked.Increment(ref slow[Tick(clock, slow.Length)]);
                    }

                    gate.Release();
                }
            });
        }

        // Every call has ended once all the permits are back.
        for (var i = 0; i < maxInFlight; i++)
        {
            await gate.WaitAsync();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"{name}: a call failed", failure);
        }

        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: {gc.Report()}; calls over 10 ms per 100 ms: {string.Join(' ', slow)}");
        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: GC pause ms per 100 ms: {pauses.Report()}");
        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} {name}: calls started per 100 ms: {string.Join(' ', launched)}");
        var sorted = latencies.AsSpan(0, measured).ToArray();
        Array.Sort(sorted);
        return new LoadResult(name, ok, refused, clock.Elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99)) { MeanBatch = batches.Mean };
    }

    /// <summary>The 100 ms tick of a run <paramref name="clock"/> is in; late ones share the last of <paramref name="ticks"/>.</summary>
    public static int Tick(Stopwatch clock, int ticks) => Math.Min(ticks - 1, (int)(clock.Elapsed.TotalSeconds * 10));

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

/// <summary>Garbage-collector pauses during a run, printed beside it (a long pause shows up as p99).</summary>
internal readonly record struct GcWatch(TimeSpan Paused, int Gen0, int Gen1, int Gen2)
{
    public static GcWatch Start() => new(GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public string Report() =>
        $"GC paused {(GC.GetTotalPauseDuration() - Paused).TotalMilliseconds:0} ms " +
        $"(gen0 {GC.CollectionCount(0) - Gen0}, gen1 {GC.CollectionCount(1) - Gen1}, gen2 {GC.CollectionCount(2) - Gen2})";
}
