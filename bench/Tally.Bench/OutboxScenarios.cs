using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Ledger.Webhooks;

namespace Tally.Bench;

/// <summary>
/// Outbound webhooks under load (bench/README.md): HTTP charges on random accounts with no webhook
/// endpoint, then with one endpoint subscribed to <c>credit.deducted</c> whose receiver (Kestrel
/// on loopback, in this process, answering 204) gets one delivery per charge; then the rate at
/// which the backlog those charges left is delivered once the load stops. Everything shares the
/// same two cores: the relay and the delivery worker compete with the charges they report.
/// </summary>
internal static class OutboxScenarios
{
    private static readonly string[] Deducted = ["credit.deducted"];

    public static async Task<IReadOnlyList<ResultRow>> RunAsync(string store, string database, string[] accounts, int callers, TimeSpan warmup, TimeSpan duration)
    {
        var received = 0L;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", (HttpContext _) =>
        {
            Interlocked.Increment(ref received);
            return Results.NoContent();
        });
        await receiver.StartAsync();

        var rows = new List<ResultRow>();

        // The outbox rows alone: an instance that serves charges with the relay and the worker
        // elsewhere (TALLY_WEBHOOK_WORKERS=false), an endpoint subscribed: what the write path pays.
        var writer = await HttpScenarios.StartAsync(database, false, "--TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS=true", "--TALLY_WEBHOOK_WORKERS=false");
        (await writer.Client.PostAsJsonAsync("/v1/webhook-endpoints", new { url = receiver.Urls.First() + "/hook", events = Deducted })).EnsureSuccessStatusCode();
        var rowsOnly = await writer.ChargeRandomAsync($"HTTP {store} charges, one endpoint subscribed, relay and worker on another instance, c={callers}", accounts, callers, warmup, duration);
        foreach (var endpoint in (await writer.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/webhook-endpoints")).GetProperty("data").EnumerateArray())
        {
            (await writer.Client.DeleteAsync($"/v1/webhook-endpoints/{endpoint.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        }

        await writer.DisposeAsync();

        var http = await HttpScenarios.StartAsync(database, false, "--TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS=true");
        var none = await http.ChargeRandomAsync($"HTTP {store} charges, no webhook endpoint, c={callers}", accounts, callers, warmup, duration);
        rows.Add(new ResultRow(none, "baseline", null));
        rows.Add(new ResultRow(rowsOnly, "≈ no endpoint", rowsOnly.PerSecond / none.PerSecond));

        (await http.Client.PostAsJsonAsync("/v1/webhook-endpoints", new { url = receiver.Urls.First() + "/hook", events = Deducted })).EnsureSuccessStatusCode();
        var chargedBefore = http.Charged;
        var subscribed = await http.ChargeRandomAsync($"HTTP {store} charges, one endpoint subscribed to credit.deducted, c={callers}", accounts, callers, warmup, duration);
        rows.Add(new ResultRow(subscribed, "≈ no endpoint", subscribed.PerSecond / none.PerSecond));
        var expected = http.Charged - chargedBefore;
        var deliveredWhileCharging = Interlocked.Read(ref received);
        rows.Add(new ResultRow(new LoadResult($"… deliveries/s while charging ({deliveredWhileCharging:N0} of {expected:N0} during warm-up + run)", deliveredWhileCharging, 0, warmup + duration, double.NaN, double.NaN), "", null));

        // The backlog left when the load stops, delivered with nothing else running.
        var drainStart = Stopwatch.GetTimestamp();
        var deadline = TimeSpan.FromSeconds(300);
        var webhooks = http.Services.GetRequiredService<IWebhookStore>();
        while (Interlocked.Read(ref received) < expected && Stopwatch.GetElapsedTime(drainStart) < deadline)
        {
            await Task.Delay(50);
        }

        var drained = Interlocked.Read(ref received) - deliveredWhileCharging;
        var drainTime = Stopwatch.GetElapsedTime(drainStart);
        await Console.Error.WriteLineAsync($"{DateTime.UtcNow:HH:mm:ss} outbox {store}: {drained:N0} deliveries in {drainTime.TotalSeconds:N1} s after the load; outbox rows left {await webhooks.CountOutboxAsync(CancellationToken.None)}");
        rows.Add(new ResultRow(new LoadResult($"outbox deliveries/s {store}, backlog after the load ({drained:N0} events, one endpoint)", drained, 0, drainTime, double.NaN, double.NaN), "", null));
        foreach (var endpoint in (await http.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/webhook-endpoints")).GetProperty("data").EnumerateArray())
        {
            (await http.Client.DeleteAsync($"/v1/webhook-endpoints/{endpoint.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        }

        await http.DisposeAsync();

        return rows;
    }
}
