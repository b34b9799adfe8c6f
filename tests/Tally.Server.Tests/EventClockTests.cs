using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>Live streams against a server whose clock only moves when the test says: pings, and a clean stop.</summary>
public sealed class EventClockTests(FakeClockServerFixture server) : IClassFixture<FakeClockServerFixture>
{
    [Fact]
    public async Task Every_stream_gets_a_ping_comment_every_15_seconds()
    {
        using var admin = server.Client();
        var account = await admin.FundedAsync(5);
        await using var stream = await SseClient.OpenAsync(admin, $"/v1/accounts/{account}/events");
        (await stream.NextAsync()).IsSnapshot.ShouldBeTrue();

        server.Clock.Advance(TimeSpan.FromSeconds(15));
        var ping = await stream.NextAsync(comments: true);
        ping.Comment.ShouldBe("ping");

        // Still live after it.
        (await admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
        (await stream.NextAsync()).Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(4);
    }

    [Fact]
    public async Task A_stream_opened_with_a_client_token_ends_when_the_token_expires()
    {
        using var admin = server.Client();
        var account = await admin.FundedAsync(5);
        var token = (await admin.PostAsync($"/v1/accounts/{account}/client-tokens", new { ttlSeconds = 60 })).Is(201).Node("token").GetValue<string>();
        await using var stream = await SseClient.OpenAsync(server.Client(null), $"/v1/accounts/{account}/events?access_token={token}");
        (await stream.NextAsync()).IsSnapshot.ShouldBeTrue();

        server.Clock.Advance(TimeSpan.FromSeconds(30));
        (await admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
        (await stream.NextAsync()).IsSnapshot.ShouldBeFalse("still live before the expiry");

        server.Clock.Advance(TimeSpan.FromSeconds(31));
        await stream.WaitEndedAsync();
        stream.Ended.ShouldBeTrue();
        (await server.Client(null).FetchAsync($"/v1/accounts/{account}/events?access_token={token}")).IsProblem(401, "unauthorized");
    }

    [Fact]
    public async Task Stopping_the_server_ends_its_streams_cleanly()
    {
        var directory = Directory.CreateTempSubdirectory("tally-sse-stop-").FullName;
        var own = new SharedDatabaseServerFixture($"sqlite:{Path.Combine(directory, "tally.db")}");
        await own.InitializeAsync();
        try
        {
            using var admin = own.Client();
            var account = await admin.FundedAsync(5);
            await using var stream = await SseClient.OpenAsync(admin, $"/v1/accounts/{account}/events");
            (await stream.NextAsync()).IsSnapshot.ShouldBeTrue();

            var stopping = own.DisposeAsync();
            await stream.WaitEndedAsync();
            await stopping;
            stream.Ended.ShouldBeTrue();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
