using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>Time-dependent behaviour of the server, on a clock the test moves (no sleeping).</summary>
public sealed class ClockTests(FakeClockServerFixture server) : IClassFixture<FakeClockServerFixture>
{
    [Fact]
    public async Task A_client_token_stops_working_the_second_it_expires()
    {
        using var admin = server.Client();
        var id = await admin.FundedAsync(1);
        var issued = (await admin.PostAsync($"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 60 })).Is(201);
        using var browser = server.Client(issued.Node("token").GetValue<string>());
        var expiresAt = issued.Node("expiresAt").GetValue<DateTimeOffset>();

        // Whole seconds, rounded up: at least the 60 s asked for, less than a second more.
        (expiresAt - server.Clock.GetUtcNow()).ShouldBeInRange(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(61));
        server.Clock.Advance(expiresAt - server.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        (await browser.FetchAsync($"/v1/accounts/{id}")).Is(200);

        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        (await browser.FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
    }

    [Fact]
    public async Task A_hold_past_its_ttl_gives_its_credits_back_without_a_sweep()
    {
        using var admin = server.Client();
        var id = await admin.FundedAsync(10);
        var hold = (await admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 4, ttlSeconds = 30 })).Is(201).Node("id").GetValue<string>();
        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.available").ShouldBe(6);

        server.Clock.Advance(TimeSpan.FromSeconds(30));

        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.available").ShouldBe(10);
        (await admin.PostAsync($"/v1/holds/{hold}/capture")).IsProblem(409, "invalid_state");
    }
}
