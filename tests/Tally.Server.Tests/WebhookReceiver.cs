using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tally.Payments.Dodo.Webhooks;

namespace Tally.Server.Tests;

/// <summary>One request the receiver saw, and whether its signature verified.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, byte[] RawBody, JsonNode Body, bool Verified, int AnsweredStatus);

/// <summary>
/// A host app's webhook endpoint on a loopback port (Kestrel): verifies every request's Standard
/// Webhooks signature against the secrets it knows, dedupes by <c>webhook-id</c>, and can be told
/// to answer 500, to never answer, or to stop listening (connections refused).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private WebApplication? _app;
    private int _failNext;
    private int _hangNext;
    private string? _troubleFor;

    private WebhookReceiver(TimeProvider time) => _time = time;

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>Secrets a signature may match (any one of them).</summary>
    public ConcurrentBag<string> Secrets { get; } = [];

    public ConcurrentQueue<ReceivedWebhook> Requests { get; } = new();

    /// <summary>Each event once, by webhook-id: what a deduplicating host app would have processed.</summary>
    public ConcurrentDictionary<string, JsonNode> Delivered { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers 500 to the next <paramref name="count"/> events of <paramref name="account"/>.</summary>
    public void FailNext(int count, string account)
    {
        _troubleFor = account;
        Interlocked.Exchange(ref _failNext, count);
    }

    /// <summary>Never answers the next <paramref name="count"/> events of <paramref name="account"/>.</summary>
    public void HangNext(int count, string account)
    {
        _troubleFor = account;
        Interlocked.Exchange(ref _hangNext, count);
    }

    public IEnumerable<JsonNode> EventsOf(string account, string? type = null) =>
        Delivered.Values.Where(e => e["data"]?["account"]?.GetValue<string>() == account && (type is null || e["type"]!.GetValue<string>() == type));

    public static async Task<WebhookReceiver> StartAsync(TimeProvider time, int port = 0)
    {
        var receiver = new WebhookReceiver(time);
        await receiver.ListenAsync(port);
        return receiver;
    }

    /// <summary>Starts listening again on the same port (after <see cref="StopAsync"/>).</summary>
    public Task RestartAsync() => ListenAsync(Port);

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/hook", HandleAsync);
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var id = http.Request.Headers[StandardWebhooks.IdHeader].ToString();
        var timestamp = http.Request.Headers[StandardWebhooks.TimestampHeader].ToString();
        var signature = http.Request.Headers[StandardWebhooks.SignatureHeader].ToString();
        var verified = Secrets.Any(secret => new StandardWebhooks(secret, _time).Verify(id, timestamp, signature, body).IsValid);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(body))!;
        var troubled = _troubleFor is { } account && json["data"]?["account"]?.GetValue<string>() == account;
        if (troubled && Interlocked.Decrement(ref _hangNext) >= 0)
        {
            Requests.Enqueue(new ReceivedWebhook(id, timestamp, signature, body, json, verified, 0));
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        var status = troubled && Interlocked.Decrement(ref _failNext) >= 0 ? 500 : verified ? 200 : 401;
        Requests.Enqueue(new ReceivedWebhook(id, timestamp, signature, body, json, verified, status));
        if (status == 200)
        {
            Delivered.TryAdd(id, json);
        }

        http.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
