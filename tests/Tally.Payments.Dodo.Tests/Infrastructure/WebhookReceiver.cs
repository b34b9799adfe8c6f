using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tally.Payments.Dodo.Tests.Infrastructure;

/// <summary>A tiny Kestrel app on a free port that records every webhook it is sent, answering 500 to the first <see cref="FailFirst"/>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private readonly TimeProvider _clock;

    private WebhookReceiver(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>How many requests (from the first) are answered 500.</summary>
    public int FailFirst { get; set; }

    /// <summary>Runs before each answer (e.g. to hold a delivery until the test has changed state).</summary>
    public Func<ReceivedWebhook, Task>? BeforeAnswer { get; set; }

    /// <summary>Every request, in arrival order, including the failed ones.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>Starts a receiver that stamps each arrival with <paramref name="clock"/>'s time.</summary>
    public static async Task<WebhookReceiver> StartAsync(TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, clock);
        app.MapPost("/webhooks/dodo", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var n = Interlocked.Increment(ref receiver._count);
            var status = n <= receiver.FailFirst ? 500 : 204;
            var webhook = new ReceivedWebhook(headers, buffer.ToArray(), status, receiver._clock.GetUtcNow());
            receiver._received.Enqueue(webhook);
            if (receiver.BeforeAnswer is { } hook)
                await hook(webhook);
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/webhooks/dodo");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredStatus, DateTimeOffset ArrivedAt)
{
    public string WebhookId => Headers["webhook-id"];

    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public string Type => System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString()!;
}
