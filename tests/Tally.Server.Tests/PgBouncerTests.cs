using Shouldly;
using Tally.Server.Hosting;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>
/// Tally through Debian's pgbouncer in transaction pooling mode (docs/operations.md, "pgbouncer"):
/// TALLY_DATABASE through the pooler with <c>Max Auto Prepare=0</c>, TALLY_DATABASE_LISTEN direct.
/// </summary>
public sealed class PgBouncerTests(PgBouncerServerFixture fixture) : IClassFixture<PgBouncerServerFixture>
{
    [Fact]
    public async Task Concurrent_charges_through_pgbouncer_spend_each_credit_once()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(40);

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })));

        answers.Count(a => a.Code == 201).ShouldBe(40);
        answers.Where(a => a.Code != 201).ShouldAllBe(a => a.Code == 402);
        (await client.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(0);
        var history = (await client.FetchAsync($"/v1/accounts/{account}/entries?limit=100&type=charge")).Is(200).Json["data"]!.AsArray();
        history.Count.ShouldBe(40 + 1); // FundedAsync charged the signup grant down to 40
        fixture.Server.Log.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_idempotent_retry_through_pgbouncer_replays_the_first_answer()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        var key = Guid.NewGuid().ToString("N");

        var first = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);
        var retry = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);

        retry.Text.ShouldBe(first.Text);
        retry.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await client.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(90);
    }

    [Fact]
    public async Task Live_streams_are_woken_through_the_direct_listen_connection()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        await using var stream = await SseClient.OpenAsync(client, $"/v1/accounts/{account}/events");
        var snapshot = await stream.NextAsync();

        (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 3 })).Is(201);

        var next = await stream.NextAsync();
        next.Seq.ShouldBe(snapshot.Seq + 1);
        next.Json["balances"]![0]!["available"]!.GetValue<decimal>().ShouldBe(97);
    }

    [Fact]
    public async Task Through_pgbouncer_with_auto_prepare_on_the_start_fails_naming_what_to_change()
    {
        var problem = await StartFailureAsync(fixture.Bouncer.Through(fixture.Database), $"--TALLY_DATABASE_LISTEN={fixture.Database}");

        problem.ShouldContain("TALLY_DATABASE goes through a connection pooler");
        problem.ShouldContain("Max Auto Prepare=0");
    }

    [Fact]
    public async Task Through_pgbouncer_without_a_direct_listen_connection_the_start_fails_naming_it()
    {
        var problem = await StartFailureAsync(fixture.Bouncer.Through(fixture.Database, "Max Auto Prepare=0"));

        problem.ShouldContain("TALLY_DATABASE_LISTEN is needed");
    }

    [Fact]
    public async Task A_listen_connection_through_pgbouncer_is_refused_at_start()
    {
        var problem = await StartFailureAsync(fixture.Bouncer.Through(fixture.Database, "Max Auto Prepare=0"), $"--TALLY_DATABASE_LISTEN={fixture.Bouncer.Through(fixture.Database, "Max Auto Prepare=0")}");

        problem.ShouldContain("TALLY_DATABASE_LISTEN goes through a connection pooler too");
    }

    /// <summary>Starts a server that must not start; returns the message of its <see cref="SettingsException"/>.</summary>
    internal static async Task<string> StartFailureAsync(string database, params string[] settings)
    {
        var server = new SharedDatabaseServerFixture(database, settings);
        try
        {
            var error = await Should.ThrowAsync<SettingsException>(server.InitializeAsync);
            return error.Message;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
