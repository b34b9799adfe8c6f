using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Tally.Bench;

/// <summary>
/// Live balances at scale: a Tally server in its own process (so its RSS is its own), one SSE
/// listener on each of <c>listeners</c> accounts, then charges on random ones of those accounts at
/// <c>rate</c>/s for the run. Latency is commit → receipt: from the entry's <c>createdAt</c>
/// (stamped before the transaction commits, so it includes the commit) to the moment the listener
/// read the event. Checks that every charge reached its account's listener exactly once. Also
/// reported: when each event arrived relative to the charge's own answer (negative when the browser
/// hears of it before the caller does), which is what the fan-out adds on top of the commit.
/// </summary>
public static partial class SseFanOut
{
    public sealed record Outcome(LoadResult Result, double RssIdleMb, double RssLoadedMb, int Streams);

    public static async Task<Outcome> RunAsync(string name, string database, int listeners, double rate, TimeSpan duration)
    {
        var key = "tally_sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var port = FreePort();
        using var server = StartServer(database, key, port);
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await WaitHealthyAsync(api, server);

        var accounts = Enumerable.Range(0, listeners).Select(i => $"sse-{i}-{Guid.NewGuid():N}"[..24]).ToArray();
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (account, ct) =>
            (await api.PutAsJsonAsync($"/v1/accounts/{account}", new { }, ct)).EnsureSuccessStatusCode());
        // A grant large enough for the whole run on every account (batches of 1,000).
        await Parallel.ForEachAsync(accounts.Chunk(1000), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
            (await api.PostAsJsonAsync("/v1/batch", new { mode = "independent", operations = chunk.Select(a => new { op = "grant", account = a, amount = 100_000 }) }, ct)).EnsureSuccessStatusCode());

        using var streams = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        streams.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var stop = new CancellationTokenSource();
        var latencies = new ConcurrentQueue<double>();
        var receivedAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var answeredAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var received = new int[listeners];
        var snapshots = 0;
        var failed = 0;
        var readers = new Task[listeners];
        // Released by each stream's first event, so at most 64 are opening at once; lives as long as the streams.
        using var opening = new SemaphoreSlim(64);
        {
            for (var i = 0; i < listeners; i++)
            {
                await opening.WaitAsync();
                var index = i;
                readers[i] = Task.Run(async () =>
                {
                    try
                    {
                        await ListenAsync(streams, accounts[index], () =>
                        {
                            opening.Release();
                            Interlocked.Increment(ref snapshots);
                        }, (entry, latency) =>
                        {
                            receivedAt[entry] = Stopwatch.GetTimestamp();
                            latencies.Enqueue(latency);
                            Interlocked.Increment(ref received[index]);
                        }, stop.Token);
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                    {
                        if (!stop.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                });
            }
        }

        await WaitAsync(() => Volatile.Read(ref snapshots) + Volatile.Read(ref failed) >= listeners, TimeSpan.FromSeconds(120));
        await Task.Delay(1000);
        GC.Collect();
        var rssIdle = RssMb(server);

        // Open loop: charges at the offered rate on random listened accounts.
        var sent = new int[listeners];
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        using var inFlight = new SemaphoreSlim(64);
        var charges = new List<Task>();
        var chargeLatencies = new ConcurrentQueue<double>();
        for (var n = 0; ; n++)
        {
            var due = TimeSpan.FromSeconds(n / rate);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= duration)
            {
                break;
            }

            if (due > elapsed)
            {
                await Task.Delay(due - elapsed);
            }

            var target = Random.Shared.Next(listeners);
            await inFlight.WaitAsync();
            charges.Add(Task.Run(async () =>
            {
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    using var response = await api.PostAsJsonAsync($"/v1/accounts/{accounts[target]}/charges", new { amount = 1 });
                    var answered = Stopwatch.GetTimestamp();
                    chargeLatencies.Enqueue(Stopwatch.GetElapsedTime(t0, answered).TotalMilliseconds);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        answeredAt[EntryId().Match(await response.Content.ReadAsStringAsync()).Groups[1].Value] = answered;
                        Interlocked.Increment(ref sent[target]);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }

        await Task.WhenAll(charges);
        var charging = Stopwatch.GetElapsedTime(started);
        var total = sent.Sum();
        await WaitAsync(() => Enumerable.Range(0, listeners).All(i => Volatile.Read(ref received[i]) >= sent[i]), TimeSpan.FromSeconds(60));
        var rssLoaded = RssMb(server);
        var missed = Enumerable.Range(0, listeners).Sum(i => Math.Max(0, sent[i] - Volatile.Read(ref received[i])));
        var extra = Enumerable.Range(0, listeners).Sum(i => Math.Max(0, Volatile.Read(ref received[i]) - sent[i]));
        await stop.CancelAsync();
        streams.CancelPendingRequests();
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();

        if (missed > 0 || extra > 0 || errors > 0 || failed > 0)
        {
            Console.Error.WriteLine($"sse: {missed} events missed, {extra} extra, {errors} charges refused, {failed} streams failed");
        }

        var chargeSorted = chargeLatencies.ToArray();
        Array.Sort(chargeSorted);
        Console.WriteLine($"{name}: the charges themselves (HTTP round trip) p50 {Percentile(chargeSorted, 0.5):0.00} ms, p99 {Percentile(chargeSorted, 0.99):0.00} ms");
        var afterAnswer = answeredAt.Where(a => receivedAt.ContainsKey(a.Key))
            .Select(a => Stopwatch.GetElapsedTime(a.Value, receivedAt[a.Key]).TotalMilliseconds).ToArray();
        Array.Sort(afterAnswer);
        var early = afterAnswer.Count(d => d <= 0);
        Console.WriteLine($"{name}: events after the charge's own answer p50 {Percentile(afterAnswer, 0.5):0.00} ms, p99 {Percentile(afterAnswer, 0.99):0.00} ms ({early * 100.0 / Math.Max(1, afterAnswer.Length):0} % arrived before it)");
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        var result = new LoadResult(name, total, missed + extra + failed, charging, Percentile(sorted, 0.5), Percentile(sorted, 0.99));
        return new Outcome(result, rssIdle, rssLoaded, listeners - failed);
    }

    private static async Task ListenAsync(HttpClient client, string account, Action opened, Action<string, double> delivered, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{account}/events");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var first = true;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var now = DateTimeOffset.UtcNow;
            if (first)
            {
                first = false;
                opened();
                continue;
            }

            const string Marker = "\"createdAt\":\"";
            var at = line.LastIndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                var end = line.IndexOf('"', at + Marker.Length);
                var created = DateTimeOffset.Parse(line.AsSpan(at + Marker.Length, end - at - Marker.Length), CultureInfo.InvariantCulture);
                delivered(EntryId().Match(line).Groups[1].Value, (now - created).TotalMilliseconds);
            }
        }
    }

    private static Process StartServer(string database, string key, int port)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Tally.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("run the benchmark from the repository");
        }

        var start = new ProcessStartInfo("dotnet", [Path.Combine(root, "src/Tally.Server/bin/Release/net10.0/Tally.Server.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TALLY_DATABASE"] = database;
        start.Environment["TALLY_BOOTSTRAP_API_KEY"] = key;
        start.Environment["TALLY_SWEEP_INTERVAL_SECONDS"] = "0";
        start.Environment["TALLY_RECONCILE_INTERVAL_SECONDS"] = "0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("server: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient client, Process server)
    {
        for (var i = 0; i < 600; i++)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {server.ExitCode}");
            }

            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not become healthy");
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan limit)
    {
        var until = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (!done() && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(50);
        }
    }

    private static double RssMb(Process server)
    {
        foreach (var line in File.ReadLines($"/proc/{server.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("\"id\":\"(ent_[^\"]+)\"")]
    private static partial Regex EntryId();

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
}
