using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Tally.TestSupport.Server;

/// <summary>One Server-Sent Event as read off the wire (<c>Comment</c> set for a <c>: …</c> line).</summary>
public sealed record SseEvent(string? Id, string Event, string Data, string? Comment = null)
{
    public JsonNode Json => JsonNode.Parse(Data) ?? throw new InvalidOperationException("no JSON data");

    public long Seq => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);

    public bool IsSnapshot => Comment is null && Json["entry"] is null;
}

/// <summary>
/// A live stream reader for tests: opens <c>GET …/events</c>, parses the event stream per the
/// WHATWG rules (fields, blank-line dispatch, comments) into a queue; <see cref="NextAsync"/> waits
/// for the next event with a generous bound (a test fails rather than hangs).
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reader;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = Task.Run(() => ReadAsync(body));
    }

    public HttpResponseMessage Response => _response;

    /// <summary>True once the server ended the stream.</summary>
    public bool Ended => _reader.IsCompleted;

    public static async Task<SseClient> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        return new SseClient(response, body);
    }

    /// <summary>The next event (comments included when <paramref name="comments"/>), or an exception after 30 s.</summary>
    public async Task<SseEvent> NextAsync(bool comments = false)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            SseEvent next;
            try
            {
                next = await _events.Reader.ReadAsync(timeout.Token);
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException("the stream ended");
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("no event within 30 s");
            }

            if (next.Comment is null || comments)
            {
                return next;
            }
        }
    }

    /// <summary>Events until one with id ≥ <paramref name="seq"/> (inclusive), in arrival order.</summary>
    public async Task<List<SseEvent>> UntilAsync(long seq)
    {
        var events = new List<SseEvent>();
        while (true)
        {
            var next = await NextAsync();
            events.Add(next);
            if (next.Seq >= seq)
            {
                return events;
            }
        }
    }

    /// <summary>Waits (30 s at most) for the server to end the stream.</summary>
    public async Task WaitEndedAsync() => await _reader.WaitAsync(Patience);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // Closed by us.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync(Stream body)
    {
        try
        {
            using var reader = new StreamReader(body, Encoding.UTF8);
            string? id = null;
            string? type = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Count > 0 || type is not null || id is not null)
                    {
                        await _events.Writer.WriteAsync(new SseEvent(id, type ?? "message", string.Join('\n', data)));
                    }

                    id = type = null;
                    data.Clear();
                    continue;
                }

                if (line[0] == ':')
                {
                    await _events.Writer.WriteAsync(new SseEvent(null, "comment", "", line[1..].TrimStart()));
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                value = value.StartsWith(' ') ? value[1..] : value;
                switch (field)
                {
                    case "id": id = value; break;
                    case "event": type = value; break;
                    case "data": data.Add(value); break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // Ended by either side.
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }
}
