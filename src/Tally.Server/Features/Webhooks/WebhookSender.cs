using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Tally.Ledger.Webhooks;
using Tally.Payments.Dodo.Webhooks;

namespace Tally.Server.Features.Webhooks;

/// <summary>How one attempt went: a 2xx is delivered; anything else carries a short error.</summary>
public sealed record SendResult(bool Succeeded, int? ResponseStatus, string? Error);

/// <summary>
/// Sends one delivery attempt: POST of the event's stored body with Standard Webhooks headers
/// (<c>webhook-id</c> = the event id, the same on every attempt; <c>webhook-timestamp</c>; and
/// <c>webhook-signature</c> — during a secret rotation one signature per valid secret, space-
/// separated), through the SSRF guard, no redirects, hanging up after the timeout.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public WebhookSender(UrlGuard guard, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(guard);
        _time = time;
        _timeout = timeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = timeout,
            ConnectCallback = guard.ConnectAsync,
            // New connections now and then, so a changed DNS answer is checked by the guard again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 64,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Tally-Webhooks", "1"));
    }

    /// <summary>The <c>webhook-signature</c> value: <c>v1,…</c> for each secret, space-separated.</summary>
    public static string Signatures(IEnumerable<string> secrets, string id, long timestamp, byte[] body, TimeProvider time) =>
        string.Join(' ', secrets.Select(secret => new StandardWebhooks(secret, time).Sign(id, timestamp, body)));

    public async Task<SendResult> SendAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var now = _time.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(StandardWebhooks.IdHeader, delivery.EventId);
        request.Headers.TryAddWithoutValidation(StandardWebhooks.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(StandardWebhooks.SignatureHeader, Signatures(delivery.Endpoint.SecretsAt(now), delivery.EventId, timestamp, body, _time));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? new SendResult(true, status, null)
                : status is >= 300 and < 400 ? new SendResult(false, status, $"HTTP {status}: redirects are not followed")
                : new SendResult(false, status, $"HTTP {status}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SendResult(false, null, $"no answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e) when (Find<BlockedAddressException>(e) is { } blocked)
        {
            return new SendResult(false, null, $"refused by the SSRF guard: {blocked.Message}");
        }
        catch (HttpRequestException e)
        {
            return new SendResult(false, null, Truncate(e.Message));
        }
    }

    private static T? Find<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];

    public void Dispose() => _client.Dispose();
}

/// <summary>An in-process wake-up: the relay rings it after creating deliveries, a replay after making one due.</summary>
public sealed class WebhookSignal
{
    private readonly System.Threading.Channels.Channel<bool> _channel = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    public void Wake() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or <paramref name="timeout"/> (real time: polling is not on the injected clock).</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            await _channel.Reader.WaitToReadAsync(wait.Token);
            _channel.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // polled
        }
    }
}
