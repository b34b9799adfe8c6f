using System.Net.Http.Headers;
using Tally.Payments.Dodo.Webhooks;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// Sends one copy of an event the way Dodo does: POST with Standard Webhooks headers, signed at
/// each attempt (a fresh timestamp), retried per <see cref="DodoSandboxOptions.RetryDelays"/>
/// until a 2xx. The first attempt of a first delivery sends the body as emitted; every later
/// attempt sends the object's latest state, as Dodo's retries do.
/// </summary>
internal sealed class SandboxWebhookSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly StandardWebhooks _signer;
    private readonly DodoSandboxOptions _options;

    public SandboxWebhookSender(DodoSandboxOptions options)
    {
        _options = options;
        _signer = new StandardWebhooks(options.WebhookSecret, options.TimeProvider);
        _http = options.WebhookHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
        _http.Timeout = options.DeliveryTimeout;
    }

    public bool HasTarget => _options.WebhookUrl is not null;

    /// <param name="e">The event.</param>
    /// <param name="copy">Which duplicate this is (0 first).</param>
    /// <param name="redelivery">A manual redelivery: every attempt carries the latest state.</param>
    /// <param name="latestBody">The body with the object's state now.</param>
    /// <param name="ct">Stops the waits and the sends.</param>
    public async Task SendAsync(SandboxEvent e, int copy, bool redelivery, Func<byte[]> latestBody, CancellationToken ct)
    {
        var url = _options.WebhookUrl ?? throw new InvalidOperationException("no webhook URL");
        for (var attempt = 0; attempt <= _options.RetryDelays.Count; attempt++)
        {
            if (attempt > 0 && _options.RetryDelays[attempt - 1] is var delay && delay > TimeSpan.Zero)
                await Task.Delay(delay, _options.TimeProvider, ct);

            var body = attempt == 0 && !redelivery ? e.Body : latestBody();
            var kind = redelivery ? "redelivery" : attempt == 0 ? "first" : "retry";
            var (status, error) = await PostAsync(url, e.WebhookId, body, ct);
            e.Record(new SandboxAttemptView(copy, attempt, kind, _options.TimeProvider.GetUtcNow(), status, error));
            if (status is >= 200 and < 300)
                return;
        }
    }

    private async Task<(int? Status, string? Error)> PostAsync(Uri url, string webhookId, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        foreach (var (name, value) in _signer.SignedHeaders(webhookId, body))
            request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "timed out");
        }
    }

    public void Dispose() => _http.Dispose();
}
