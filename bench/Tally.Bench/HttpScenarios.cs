using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Tally.Server.Hosting;

namespace Tally.Bench;

/// <summary>
/// Charges through the HTTP API: a Tally server in this process (Kestrel on loopback, the same
/// store the library runs used) driven over keep-alive connections by the lean driver (default)
/// or by HttpClient (<c>--http-client</c>, for comparison).
/// </summary>
public sealed class HttpScenarios : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly LeanHttpDriver? _lean;

    private HttpScenarios(WebApplication app, HttpClient client, LeanHttpDriver? lean)
    {
        _app = app;
        _client = client;
        _lean = lean;
    }

    /// <summary>Successful charges so far (the outbox scenarios count the events they must deliver).</summary>
    public long Charged => Interlocked.Read(ref _charged);

    private long _charged;

    public IServiceProvider Services => _app.Services;

    public HttpClient Client => _client;

    public static async Task<HttpScenarios> StartAsync(string database, bool useHttpClient, params string[] settings)
    {
        var key = "tally_sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var app = TallyHost.Build(
        [
            "--urls", "http://127.0.0.1:0", $"--TALLY_DATABASE={database}", $"--TALLY_BOOTSTRAP_API_KEY={key}",
            "--TALLY_SWEEP_INTERVAL_SECONDS=0", "--CREDIT_MAX_BALANCE=1000000000000", "--CREDIT_MAX_PER_OPERATION=1000000000000",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            .. settings,
        ]);
        await app.StartAsync();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var endpoint = IPEndPoint.Parse(client.BaseAddress.Authority);
        return new HttpScenarios(app, client, useHttpClient ? null : new LeanHttpDriver(endpoint, key));
    }

    private static readonly byte[] ChargeOne = "{\"amount\":1}"u8.ToArray();

    public async Task<bool> ChargeAsync(string account)
    {
        bool charged;
        if (_lean is not null)
        {
            charged = await _lean.PostAsync($"/v1/accounts/{account}/charges", ChargeOne) == (int)HttpStatusCode.Created;
        }
        else
        {
            using var content = new ByteArrayContent(ChargeOne);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.PostAsync($"/v1/accounts/{account}/charges", content);
            charged = response.StatusCode == HttpStatusCode.Created;
        }

        if (charged)
        {
            Interlocked.Increment(ref _charged);
        }

        return charged;
    }

    public Task<LoadResult> ChargeRandomAsync(string name, string[] accounts, int callers, TimeSpan warmup, TimeSpan duration) =>
        LoadRun.RunAsync(name, callers, warmup, duration, (_, random) => ChargeAsync(accounts[random.Next(accounts.Length)]));

    public Task<LoadResult> ChargeAtRateAsync(string name, string[] accounts, double perSecond, TimeSpan duration) =>
        LoadRun.RunAtRateAsync(name, perSecond, duration, 512, random => ChargeAsync(accounts[random.Next(accounts.Length)]));

    /// <summary>
    /// GETs one after another (the address from <paramref name="url"/> each time): <paramref name="unmeasured"/>
    /// first to warm up, then <paramref name="requests"/> timed; p50/p99 of those, in milliseconds.
    /// </summary>
    public async Task<LoadResult> TimeGetsAsync(string name, int requests, int unmeasured, Func<string> url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var latencies = new List<double>(requests);
        var total = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < requests + unmeasured; i++)
        {
            var one = System.Diagnostics.Stopwatch.StartNew();
            using var response = await _client.GetAsync(url());
            response.EnsureSuccessStatusCode();
            _ = await response.Content.ReadAsByteArrayAsync();
            if (i >= unmeasured)
            {
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }

        latencies.Sort();
        return new LoadResult(name, requests, 0, total.Elapsed, latencies[requests / 2], latencies[(int)(requests * 0.99) - 1]);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _lean?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
