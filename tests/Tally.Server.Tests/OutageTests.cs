using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shouldly;
using Tally.Ledger.Postgres;
using Tally.Ledger.Sqlite;
using Tally.Ledger.Storage;
using Tally.TestSupport.Faults;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;
using Xunit.Abstractions;

namespace Tally.Server.Tests;

/// <summary>The database crashing under the server, and the server process killed under its clients.</summary>
public sealed class OutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PostgreSQL_crashing_mid_load_answers_503_while_it_is_down_and_recovers_by_itself_half_applying_nothing()
    {
        await using var postgres = await PgServer.StartPrivateAsync();
        var server = new SharedDatabaseServerFixture(await postgres.CreateDatabaseAsync("restart"));
        await server.InitializeAsync();
        try
        {
            using var client = server.Client();
            var account = await client.FundedAsync(1_000_000);
            var load = new KeyedChargeLoad(account, Guid.NewGuid().ToString("N")[..8]);
            var back = false;
            var afterRestart = 0;
            var callers = Enumerable.Range(0, 8).Select(caller => Task.Run(() => load.ChargeAsync(client, caller, () =>
                Volatile.Read(ref back) && Interlocked.Increment(ref afterRestart) > 200))).ToList();

            await WaitUntilAsync(() => load.Acknowledged.Count >= 200, callers);
            postgres.Crash();
            await WaitUntilAsync(() => load.Statuses.GetValueOrDefault(503) >= 16, callers);
            postgres.Start();
            Volatile.Write(ref back, true);
            try
            {
                await Task.WhenAll(callers);
            }
            finally
            {
                output.WriteLine(string.Join("\n", server.Log.Errors));
            }

            output.WriteLine($"statuses: {string.Join(", ", load.Statuses.Select(p => $"{p.Key}×{p.Value}"))}");
            load.Statuses.Keys.ShouldBeSubsetOf([201, 503]);
            await load.ShouldMatchJournalAsync(client, exact: true);
            (await server.Ledger.VerifyAsync()).Violations.Select(v => v.Describe()).ShouldBeEmpty();
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_live_stream_outlives_a_PostgreSQL_restart_and_sends_what_was_committed_after_it()
    {
        await using var postgres = await PgServer.StartPrivateAsync();
        var server = new SharedDatabaseServerFixture(await postgres.CreateDatabaseAsync("sse_restart"));
        await server.InitializeAsync();
        try
        {
            using var client = server.Client();
            var account = await client.FundedAsync(100);
            await using var stream = await SseClient.OpenAsync(client, $"/v1/accounts/{account}/events");
            var start = (await stream.NextAsync()).Seq;

            postgres.Crash();
            postgres.Start();

            // The first charges after the restart may meet broken pooled connections (503): retried, as a client would.
            Answer charged;
            var attempts = 0;
            do
            {
                charged = await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 4 }, idempotencyKey: $"after-restart-{account}");
            }
            while (charged.Code == 503 && ++attempts < 50);

            charged.Is(201);
            var next = await stream.NextAsync();
            next.Seq.ShouldBe(start + 1);
            next.Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(96);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Polls <paramref name="condition"/>; fails if the callers all stopped first (they would never make it true).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, List<Task> callers)
    {
        while (!condition())
        {
            if (callers.All(c => c.IsCompleted))
            {
                await Task.WhenAll(callers);
                throw new InvalidOperationException("the callers stopped before the condition held");
            }

            await Task.Delay(10);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Killing_the_server_process_mid_load_loses_no_acknowledged_charge(string kind)
    {
        var directory = Directory.CreateTempSubdirectory("tally-kill-").FullName;
        var database = kind == "sqlite"
            ? $"sqlite:{Path.Combine(directory, "tally.db")}"
            : await (await PgServer.SharedAsync()).CreateDatabaseAsync("kill");
        var key = "tally_sk_" + Guid.NewGuid().ToString("N");
        var run = Guid.NewGuid().ToString("N")[..8];
        try
        {
            string account;
            var load = new KeyedChargeLoad("", run);
            using (var first = await ServerProcess.StartAsync(database, key))
            {
                using var client = first.Client(key);
                account = await client.FundedAsync(1_000_000);
                load = new KeyedChargeLoad(account, run);
                var callers = Enumerable.Range(0, 16)
                    .Select(caller => Task.Run(() => load.ChargeAsync(client, caller, () => false, stopOnConnectionError: true)))
                    .ToList();
                await WaitUntilAsync(() => load.Acknowledged.Count >= 300, callers);
                first.Kill();
                await Task.WhenAll(callers);
            }

            using var second = await ServerProcess.StartAsync(database, key);
            using var check = second.Client(key);
            output.WriteLine($"acknowledged before the kill: {load.Acknowledged.Count}");
            load.Acknowledged.Count.ShouldBeGreaterThanOrEqualTo(300);
            await load.ShouldMatchJournalAsync(check, exact: false);
            second.Stop();
            await using ILedgerStore store = kind == "sqlite" ? new SqliteLedgerStore(database["sqlite:".Length..]) : new PostgresLedgerStore(database);
            (await new Tally.Ledger.CreditLedger(store, new Tally.Ledger.LedgerOptions(), TimeProvider.System).VerifyAsync())
                .Violations.Select(v => v.Describe()).ShouldBeEmpty();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A server over a database the test made, keeping what it logs as errors.</summary>
    /// <summary>The real server in a process of its own (<c>dotnet Tally.Server.dll</c>), so it can be killed with -9.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri address)
        {
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<ServerProcess> StartAsync(string database, string key)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Tally.Server.dll"), "--urls", $"http://127.0.0.1:{port}",
                $"--TALLY_DATABASE={database}", $"--TALLY_BOOTSTRAP_API_KEY={key}", "--TALLY_SWEEP_INTERVAL_SECONDS=0",
                "--Logging:LogLevel:Default=Warning",
            })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
            using var probe = new HttpClient { BaseAddress = server.Address };
            for (var attempt = 0; ; attempt++)
            {
                process.HasExited.ShouldBeFalse("the server process exited at start");
                try
                {
                    if ((await probe.GetAsync("/readyz")).IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                }

                attempt.ShouldBeLessThan(600, "the server did not become ready");
                await Task.Delay(100);
            }
        }

        public HttpClient Client(string key)
        {
            var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            return client;
        }

        /// <summary>SIGKILL: no shutdown, no flush, no goodbye.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Stop() => Kill();

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
