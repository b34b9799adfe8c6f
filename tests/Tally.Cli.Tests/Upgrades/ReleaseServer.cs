using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Tally.TestSupport.Postgres;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// A released <c>tally serve</c> in a process of its own on a free loopback port, with the same
/// settings as the tests' in-process server (bootstrap admin key, a signup grant of 100) and its
/// background work on, as in production. It logs JSON lines, kept for <see cref="Errors"/>.
/// </summary>
public sealed class ReleaseServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ReleaseServer(Process process, Uri address, string adminKey)
    {
        _process = process;
        Address = address;
        AdminKey = adminKey;
    }

    public Uri Address { get; }

    public string AdminKey { get; }

    /// <summary>
    /// What the server logged at Error or Critical, and warnings that carry an exception (a
    /// background pass that failed), as the in-process servers' ErrorLog keeps.
    /// </summary>
    public IReadOnlyList<string> Errors => _lines.Where(IsError).ToList();

    internal static async Task<ReleaseServer> StartAsync(string tally, string database, string adminKey)
    {
        var port = PgServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { tally, "serve", "--urls", $"http://127.0.0.1:{port}", "--database", database })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TALLY_BOOTSTRAP_API_KEY"] = adminKey;
        start.Environment["CREDIT_INITIAL_AMOUNT"] = "100";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the previous release's tally serve");
        var server = new ReleaseServer(process, new Uri($"http://127.0.0.1:{port}"), adminKey);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>A client with the admin key.</summary>
    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <summary>Everything the server printed, for failure messages.</summary>
    public string Printed => string.Join('\n', _lines);

    /// <summary>Stops the server (SIGKILL: every write it acknowledged is already committed).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static bool IsError(string line) =>
        line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) ||
        line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal) ||
        (line.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal) && line.Contains("\"Exception\":", StringComparison.Ordinal));

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>Polls /readyz (database reachable, none of the release's migrations pending); the deadline is a safety net.</summary>
    private async Task WaitReadyAsync()
    {
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        var last = "no answer";
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the previous release's tally serve exited at start ({_process.ExitCode}): {Printed}");
            }

            try
            {
                using var ready = await probe.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new InvalidOperationException($"the previous release's tally serve was not ready after 90 s (/readyz: {last}): {Printed}");
            }

            await Task.Delay(100);
        }
    }
}
