using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tally.Payments.Dodo.Webhooks;
using Tally.Server.Hosting;
using Tally.TestSupport.Payments;

namespace Tally.Bench;

/// <summary>
/// A DodoPayments replay storm against a Tally server in this process: <c>payments</c> checkouts,
/// then each one's <c>payment.succeeded</c> delivered <c>duplicates</c> times under one
/// webhook-id, all shuffled and sent at once (<c>callers</c> in flight). Measures webhooks/s and
/// per-webhook latency, then checks each account was granted exactly once.
/// </summary>
public static class WebhookStorm
{
    public static async Task<LoadResult> RunAsync(string name, string database, int payments, int duplicates, int callers)
    {
        var key = "tally_sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var secret = StandardWebhooks.NewSecret();
        var app = TallyHost.Build(
        [
            "--urls", "http://127.0.0.1:0", $"--TALLY_DATABASE={database}", $"--TALLY_BOOTSTRAP_API_KEY={key}", $"--DODO_WEBHOOK_SECRET={secret}",
            "--TALLY_SWEEP_INTERVAL_SECONDS=0", "--TALLY_RECONCILE_INTERVAL_SECONDS=0",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        ]);
        await app.StartAsync();
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = callers }) { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var package = $"storm-{Guid.NewGuid():N}"[..20];
            (await client.PostAsJsonAsync("/v1/packages", new { id = package, name = "storm", credits = 100, price = new { amount = 100 }, dodoProductId = $"prod_{package}" })).EnsureSuccessStatusCode();

            var signer = new StandardWebhooks(secret, TimeProvider.System);
            var deliveries = new List<(string Id, byte[] Body)>();
            var accounts = new List<string>();
            for (var i = 0; i < payments; i++)
            {
                var account = $"storm-{Guid.NewGuid():N}";
                accounts.Add(account);
                var opened = await (await client.PostAsJsonAsync("/v1/checkout", new { account, packageId = package })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
                var body = Encoding.UTF8.GetBytes(DodoPayloads.PaymentSucceeded($"pay_storm_{Guid.NewGuid():N}", account, opened.GetProperty("paymentId").GetString()!, $"prod_{package}", 100));
                var id = $"msg_{Guid.NewGuid():N}";
                deliveries.AddRange(Enumerable.Repeat((id, body), duplicates));
            }

            var baseline = await GrantedAsync(client, accounts);
            Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deliveries));
            var latencies = new double[deliveries.Count];
            var failed = 0;
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(Enumerable.Range(0, deliveries.Count), new ParallelOptions { MaxDegreeOfParallelism = callers }, async (i, ct) =>
            {
                var (id, body) = deliveries[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/dodo") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                foreach (var (header, value) in signer.SignedHeaders(id, body))
                {
                    request.Headers.TryAddWithoutValidation(header, value);
                }

                var t0 = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request, ct);
                latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                }
            });
            var elapsed = Stopwatch.GetElapsedTime(started);
            var granted = await GrantedAsync(client, accounts) - baseline;
            if (granted != payments * 100L || failed > 0)
            {
                throw new InvalidOperationException($"storm: {granted} credits granted for {payments} payments of 100, {failed} deliveries failed");
            }

            Array.Sort(latencies);
            return new LoadResult(name, deliveries.Count, failed, elapsed, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)]);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<long> GrantedAsync(HttpClient client, List<string> accounts)
    {
        long total = 0;
        foreach (var account in accounts)
        {
            var balance = await client.GetFromJsonAsync<JsonElement>($"/v1/accounts/{account}/balance");
            total += balance.GetProperty("balances")[0].GetProperty("total").GetInt64();
        }

        return total;
    }
}
