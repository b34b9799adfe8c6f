using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Prometheus;
using Tally.Ledger;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Events;

/// <summary>
/// One live stream (docs/api.md, "Server-Sent Events"): the first events the endpoint read, then,
/// each time its <see cref="Follower"/> is woken, the account's journal after the last event sent,
/// one <c>balance.updated</c> per entry (id = seq), or a fresh snapshot when too far behind.
/// Written by hand rather than with <c>TypedResults.ServerSentEvents</c>, which cannot write the
/// <c>: ping</c> comment the contract asks for. A client that takes no bytes for
/// <c>TALLY_SSE_WRITE_TIMEOUT_SECONDS</c> is disconnected (it resumes by Last-Event-ID); nothing
/// queues up for it meanwhile, and writers never wait for it.
/// </summary>
internal sealed partial class EventStream(
    ILogger logger,
    string account,
    AccountChanges first,
    long? lastEventId,
    Follower follower,
    ChangeHub hub,
    CreditLedger ledger,
    int replayLimit,
    TimeSpan writeTimeout,
    StreamEnd end) : IResult
{
    private static readonly Gauge Open = Metrics.CreateGauge("tally_sse_streams", "Live streams (SSE) open on this instance.");

    private static readonly Counter Dropped = Metrics.CreateCounter(
        "tally_sse_dropped_total", "Live streams closed because their client stopped taking bytes.");

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Live stream of {Account} ended by a failed read ({Error}: {Detail}); its client resumes by Last-Event-ID")]
    private static partial void StreamFailed(ILogger logger, string account, string error, string detail);

    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var _ = Open.TrackInProgress();
        try
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = EventStreamAnswer<BalanceEventDto>.ContentType;
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            using var expired = end.ExpiresAt is { } at
                ? new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(0, (at - end.Time.GetUtcNow()).Ticks)), end.Time)
                : new CancellationTokenSource();
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, end.Stopping, expired.Token);
            var ct = ended.Token;
            var writer = response.BodyWriter;
            var last = Write(writer, first, lastEventId);
            if (!await FlushAsync(httpContext, writer, ct))
            {
                return;
            }

            while (true)
            {
                await follower.WaitAsync(ct);
                if (follower.TakePing())
                {
                    writer.Write(Ping);
                }

                if (follower.TakeResync() || follower.Wanted > last)
                {
                    var changes = await ledger.ReadChangesAsync(account, last, replayLimit, ct);
                    if (changes is null)
                    {
                        return;
                    }

                    last = Write(writer, changes, last);
                }

                if (!await FlushAsync(httpContext, writer, ct))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, its client token expired, or the server is stopping: the
            // response simply ends (a client resumes by Last-Event-ID, with a fresh token if need be).
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database failed under a read: end the stream cleanly; the client resumes by
            // Last-Event-ID (from this or another instance) once it is back.
            StreamFailed(logger, account, e.GetType().Name, e.Message);
        }
        finally
        {
            hub.Unfollow(follower);
            follower.Dispose();
        }
    }

    /// <summary>
    /// Writes what <paramref name="changes"/> holds after <paramref name="last"/> (null: nothing
    /// sent yet) and returns the seq the client has now: every entry, then — when the account's seq
    /// moved past the last entry (a hold, a freeze) — an event without one; a snapshot instead when
    /// entries are missing (too far behind, or a seq the account never had).
    /// </summary>
    private static long Write(PipeWriter writer, AccountChanges changes, long? last)
    {
        var view = changes.View;
        var balances = view.Balances.Select(BalanceDto.From).ToList();
        if (last is null || !changes.Complete)
        {
            Event(writer, new BalanceEventDto(view.Id, view.Seq, view.Frozen, balances, null));
            return view.Seq;
        }

        var sent = last.Value;
        foreach (var entry in changes.Entries)
        {
            Event(writer, new BalanceEventDto(view.Id, entry.Seq, view.Frozen, balances, EntryDto.From(entry)));
            sent = entry.Seq;
        }

        if (view.Seq > sent)
        {
            Event(writer, new BalanceEventDto(view.Id, view.Seq, view.Frozen, balances, null));
            sent = view.Seq;
        }

        return sent;
    }

    private static void Event(PipeWriter writer, BalanceEventDto data)
    {
        writer.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {data.Seq}\nevent: balance.updated\ndata: ")));
        using (var json = new Utf8JsonWriter(writer))
        {
            JsonSerializer.Serialize(json, data, TallyJson.Options);
        }

        writer.Write("\n\n"u8);
    }

    /// <summary>Sends what was written; false (and the connection aborted) when the client took nothing for the write timeout.</summary>
    private async Task<bool> FlushAsync(HttpContext httpContext, PipeWriter writer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(writeTimeout);
        try
        {
            var result = await writer.FlushAsync(timeout.Token);
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Dropped.Inc();
            httpContext.Abort();
            return false;
        }
    }
}

/// <summary>
/// What ends a stream besides its client: the server stopping, and the expiry of the client token
/// that opened it (a stream never outlives its credential), on <paramref name="Time"/>'s clock.
/// </summary>
internal sealed record StreamEnd(DateTimeOffset? ExpiresAt, TimeProvider Time, CancellationToken Stopping);
