using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Shouldly;
using Tally.Client.AspNetCore;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Client.Tests;

/// <summary>A host app guarding endpoints with RequireCredits, against a real Tally server.</summary>
public sealed class RequireCreditsTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>, IAsyncLifetime
{
    private readonly string _feature = $"image.{Guid.NewGuid():N}";
    private WebApplication? _app;
    private HttpClient _host = null!;

    public async Task InitializeAsync()
    {
        (await server.Client().PostAsync("/v1/features", new { key = _feature, cost = 10 })).Is(201);
        _app = await HostAsync(server.BaseAddress, FailureMode.Closed);
        _host = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    private async Task<WebApplication> HostAsync(Uri tally, FailureMode mode)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddTallyClient(o =>
        {
            o.BaseAddress = tally;
            o.ApiKey = server.AdminKey;
            o.FailureMode = mode;
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.TotalTimeout = TimeSpan.FromSeconds(2);
        });
        var app = builder.Build();
        app.MapPost("/image", () => Results.Ok(new { image = "cat.png" })).RequireCredits(_feature);
        app.MapPost("/broken", () => Results.StatusCode(500)).RequireCredits(_feature);
        app.MapPost("/throws", IResult () => throw new InvalidOperationException("model crashed")).RequireCredits(_feature);
        app.MapPost("/partial", (HttpContext http) =>
        {
            http.SetCreditUsage(3);
            return Results.Ok();
        }).RequireCredits(_feature);
        await app.StartAsync();
        return app;
    }

    private async Task<int> CallAsync(HttpClient host, string path, string account)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-Tally-Account", account);
        using var response = await host.SendAsync(request);
        return (int)response.StatusCode;
    }

    private async Task<(decimal Total, decimal Held)> BalanceAsync(string account)
    {
        var balance = await server.Client().FetchAsync($"/v1/accounts/{account}/balance");
        return (balance.Dec("balances.0.total"), balance.Dec("balances.0.held"));
    }

    [Fact]
    public async Task A_successful_call_is_charged_and_a_failed_one_is_not()
    {
        var account = await server.Client().FundedAsync(25);

        (await CallAsync(_host, "/image", account)).ShouldBe(200);
        (await CallAsync(_host, "/broken", account)).ShouldBe(500);
        (await CallAsync(_host, "/throws", account)).ShouldBe(500);
        (await CallAsync(_host, "/partial", account)).ShouldBe(200);

        (await BalanceAsync(account)).ShouldBe((12m, 0m));
    }

    [Fact]
    public async Task An_account_that_cannot_pay_gets_402_and_the_endpoint_does_not_run()
    {
        var account = await server.Client().FundedAsync(5);

        (await CallAsync(_host, "/image", account)).ShouldBe(402);
        (await BalanceAsync(account)).ShouldBe((5m, 0m));
    }

    [Fact]
    public async Task When_tally_is_down_closed_answers_503_and_open_runs_uncharged()
    {
        var dead = new Uri("http://127.0.0.1:9");
        await using var closed = await HostAsync(dead, FailureMode.Closed);
        await using var open = await HostAsync(dead, FailureMode.Open);

        (await CallAsync(new HttpClient { BaseAddress = new Uri(closed.Urls.First()) }, "/image", "anyone")).ShouldBe(503);
        (await CallAsync(new HttpClient { BaseAddress = new Uri(open.Urls.First()) }, "/image", "anyone")).ShouldBe(200);
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
