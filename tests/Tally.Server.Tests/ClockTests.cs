using Shouldly;
using Tally.Testing.Server;
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
        var token = (await admin.PostAsync($"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 60 })).Is(201).Node("token").GetValue<string>();
        using var browser = server.Client(token);

        server.Clock.Advance(TimeSpan.FromSeconds(59));
        (await browser.FetchAsync($"/v1/accounts/{id}")).Is(200);

        server.Clock.Advance(TimeSpan.FromSeconds(1));
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
