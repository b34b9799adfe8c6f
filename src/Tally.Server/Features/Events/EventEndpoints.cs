using System.Globalization;
using Microsoft.Extensions.Options;
using Tally.Ledger;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Hosting;
using Tally.Server.Http;

namespace Tally.Server.Features.Events;

/// <summary>GET /v1/accounts/{id}/events: the account's live balance as Server-Sent Events.</summary>
public static class EventEndpoints
{
    public static void MapEvents(this RouteGroupBuilder v1)
    {
        v1.MapGet("/accounts/{externalId}/events", StreamAsync).WithTags("Accounts")
            .RequireAuthorization(Policies.Read).AllowClientTokens().AllowAccessTokenInQuery()
            .WithSummary("Live balance (text/event-stream): a snapshot, then balance.updated per committed change (id = seq); Last-Event-ID or ?lastEventId= resumes; ?access_token= authenticates browsers");
    }

    [Refusals(404)]
    private static async Task<EventStreamAnswer<BalanceEventDto>> StreamAsync(
        string externalId, HttpContext http, CreditLedger ledger, ChangeHub hub, IOptions<TallyOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory logs, TimeProvider time, CancellationToken ct)
    {
        var settings = options.Value;
        // Followed before the first read, so a change committed in between wakes the stream.
        var follower = hub.Follow(externalId);
        if (follower is null)
        {
            http.Response.Headers.RetryAfter = "5";
            return Problems.Result(http, StatusCodes.Status503ServiceUnavailable, "unavailable", "this instance serves its maximum of live streams (TALLY_SSE_MAX_STREAMS); try again or another instance");
        }

        try
        {
            var last = LastEventId(http);
            var first = await ledger.ReadChangesAsync(externalId, last ?? long.MaxValue, settings.SseReplayLimit, ct);
            if (first is null)
            {
                hub.Unfollow(follower);
                follower.Dispose();
                return Requests.NotFound(http, "account", externalId);
            }

            return EventStreamAnswer<BalanceEventDto>.Of(new EventStream(
                logs.CreateLogger(typeof(EventStream).FullName!), externalId, first, last, follower, hub, ledger, settings.SseReplayLimit, TimeSpan.FromSeconds(settings.SseWriteTimeoutSeconds),
                new StreamEnd(TallyClaims.ExpiresAt(http.User), time, lifetime.ApplicationStopping)));
        }
        catch
        {
            hub.Unfollow(follower);
            follower.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The seq the client saw last (<c>Last-Event-ID</c>, else <c>?lastEventId=</c>); null when
    /// absent or not a seq we could have sent (the stream then starts with a snapshot).
    /// </summary>
    private static long? LastEventId(HttpContext http)
    {
        var value = http.Request.Headers["Last-Event-ID"].ToString();
        if (value.Length == 0)
        {
            value = http.Request.Query["lastEventId"].ToString();
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;
    }
}
