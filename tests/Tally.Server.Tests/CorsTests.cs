using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>TALLY_CORS_ORIGINS: a page on another origin may call Tally with a client token; other origins get no CORS answer.</summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string Page = "https://app.example.com";
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-cors-").FullName;
    private SharedDatabaseServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = new SharedDatabaseServerFixture($"sqlite:{Path.Combine(_directory, "tally.db")}", [$"--TALLY_CORS_ORIGINS={Page}"]);
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_listed_origin_gets_preflights_and_exposed_headers_and_another_gets_nothing()
    {
        using var client = _server.Client();
        var account = await client.FundedAsync(5);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"/v1/accounts/{account}/charges");
        preflight.Headers.Add("Origin", Page);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");
        using var allowed = await client.SendAsync(preflight);
        allowed.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe([Page]);
        allowed.Headers.GetValues("Access-Control-Allow-Headers").Single().ShouldContain("Idempotency-Key");

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{account}/balance");
        read.Headers.Add("Origin", Page);
        using var answer = await client.SendAsync(read);
        answer.Headers.GetValues("Access-Control-Expose-Headers").Single().ShouldContain("ETag");

        using var foreign = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{account}/balance");
        foreign.Headers.Add("Origin", "https://elsewhere.example.com");
        using var refused = await client.SendAsync(foreign);
        refused.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }
}
