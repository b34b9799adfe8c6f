using System.Net.Sockets;
using System.Text;
using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>GET /v1/accounts/{id}/events (docs/api.md, "Server-Sent Events"), on both stores.</summary>
public abstract partial class ApiTests<TFixture>
{
    [Fact]
    public async Task A_stream_starts_with_a_snapshot_then_sends_every_change_once_and_in_order()
    {
        var account = await Admin.FundedAsync(1000);
        await using var stream = await SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events");
        stream.Response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        stream.Response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        stream.Response.Headers.GetValues("X-Accel-Buffering").ShouldBe(["no"]);

        var snapshot = await stream.NextAsync();
        snapshot.Event.ShouldBe("balance.updated");
        snapshot.IsSnapshot.ShouldBeTrue();
        snapshot.Seq.ShouldBe(await SeqAsync(account));
        snapshot.Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(1000);

        // Charges from many tasks (group commit puts several in one transaction), and a hold (a change without an entry).
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 5; i++)
            {
                (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 3 })).Is(201);
            }
        }));
        (await Admin.PostAsync($"/v1/accounts/{account}/holds", new { amount = 10 })).Is(201);
        var final = await SeqAsync(account);

        var events = await stream.UntilAsync(final);
        events.Select(e => e.Seq).ShouldBe(Enumerable.Range((int)snapshot.Seq + 1, (int)(final - snapshot.Seq)).Select(i => (long)i));
        var charges = events.Where(e => !e.IsSnapshot).ToList();
        charges.Count.ShouldBe(40);
        charges.ShouldAllBe(e => e.Json["entry"]!["type"]!.GetValue<string>() == "charge" && e.Json["entry"]!["seq"]!.GetValue<long>() == e.Seq);
        var last = events[^1].Json["balances"]![0]!;
        last["total"]!.GetValue<decimal>().ShouldBe(880);
        last["held"]!.GetValue<decimal>().ShouldBe(10);
        last["available"]!.GetValue<decimal>().ShouldBe(870);
    }

    [Fact]
    public async Task Last_Event_ID_replays_exactly_what_was_missed_and_a_seq_never_sent_gets_a_snapshot()
    {
        var account = await Admin.FundedAsync(100);
        var seen = await SeqAsync(account);
        for (var i = 0; i < 5; i++)
        {
            (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
        }

        // The header, then the query parameter (what a client without headers uses): the five charges, no snapshot.
        foreach (var resume in new Func<Task<SseClient>>[]
        {
            () => SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events", lastEventId: seen.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            () => SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events?lastEventId={seen}"),
        })
        {
            await using var stream = await resume();
            var replayed = await stream.UntilAsync(seen + 5);
            replayed.Select(e => e.Seq).ShouldBe([seen + 1, seen + 2, seen + 3, seen + 4, seen + 5]);
            replayed.ShouldAllBe(e => !e.IsSnapshot);
            replayed[0].Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(95, "balances are as of now");
        }

        // Up to date: nothing is replayed, the next event is the next change.
        await using (var current = await SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events", lastEventId: (seen + 5).ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
            var next = await current.NextAsync();
            next.Seq.ShouldBe(seen + 6);
            next.IsSnapshot.ShouldBeFalse();
        }

        // Ahead of the account, or not a seq at all: a fresh snapshot.
        foreach (var bogus in new[] { "999999999", "abc" })
        {
            await using var stream = await SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events", lastEventId: bogus);
            var first = await stream.NextAsync();
            first.IsSnapshot.ShouldBeTrue();
            first.Seq.ShouldBe(seen + 6);
        }
    }

    [Fact]
    public async Task A_browser_streams_its_own_account_with_access_token_and_nothing_else()
    {
        var mine = await Admin.FundedAsync(10);
        var other = await Admin.FundedAsync(10);
        var token = (await Admin.PostAsync($"/v1/accounts/{mine}/client-tokens", new { ttlSeconds = 600 })).Is(201).Node("token").GetValue<string>();
        var anonymous = Server.Client(null);

        await using (var stream = await SseClient.OpenAsync(anonymous, $"/v1/accounts/{mine}/events?access_token={token}"))
        {
            stream.Response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            (await stream.NextAsync()).IsSnapshot.ShouldBeTrue();
            (await Admin.PostAsync($"/v1/accounts/{mine}/charges", new { amount = 2 })).Is(201);
            (await stream.NextAsync()).Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(8);
        }

        (await anonymous.FetchAsync($"/v1/accounts/{other}/events?access_token={token}")).IsProblem(403, "forbidden");
        (await anonymous.FetchAsync($"/v1/accounts/{mine}/events")).IsProblem(401, "unauthorized");
        (await anonymous.FetchAsync($"/v1/accounts/{mine}/events?access_token=tally_ct_bogus")).IsProblem(401, "unauthorized");
        (await anonymous.FetchAsync($"/v1/accounts/{mine}/balance?access_token={token}")).IsProblem(401, "unauthorized");
        (await Admin.FetchAsync($"/v1/accounts/{Api.NewAccount()}/events")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task A_listener_that_reads_nothing_never_slows_or_blocks_charges_and_others_still_get_everything()
    {
        var account = await Admin.FundedAsync(100_000);
        // A raw connection that asks for the stream and then never reads a byte.
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(Server.BaseAddress.Host, Server.BaseAddress.Port);
        stalled.ReceiveBufferSize = 1024;
        var request = $"GET /v1/accounts/{account}/events HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\nAuthorization: Bearer {Server.AdminKey}\r\nAccept: text/event-stream\r\n\r\n";
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));

        await using var reader = await SseClient.OpenAsync(Admin, $"/v1/accounts/{account}/events");
        var start = (await reader.NextAsync()).Seq;
        var description = new string('x', 1000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = 0; i < 50; i++)
            {
                (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1, description })).Is(201);
            }
        }));

        var events = await reader.UntilAsync(start + 200);
        events.Select(e => e.Seq).ShouldBe(Enumerable.Range(1, 200).Select(i => start + i));
    }

    [Fact]
    public async Task If_None_Match_compares_weakly_and_a_client_token_lives_at_least_its_ttl()
    {
        var account = await Admin.FundedAsync(3);
        var etag = (await Admin.FetchAsync($"/v1/accounts/{account}/balance")).Is(200).Message.Headers.ETag!.Tag;
        foreach (var match in new[] { etag, "W/" + etag, "\"0\", W/" + etag })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{account}/balance");
            request.Headers.TryAddWithoutValidation("If-None-Match", match);
            (await Admin.SendAsync(request)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotModified, match);
        }

        var before = DateTimeOffset.UtcNow;
        var issued = (await Admin.PostAsync($"/v1/accounts/{account}/client-tokens", new { ttlSeconds = 60 })).Is(201);
        issued.Node("expiresAt").GetValue<DateTimeOffset>().ShouldBeGreaterThanOrEqualTo(before.AddSeconds(60).AddMilliseconds(-before.Millisecond));
    }
}
