using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Tally.Ledger.Storage;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>
/// TALLY_DATABASE_READ (docs/operations.md, "Read replica") against a real hot standby. Each test
/// proves where a read went by pausing the standby's replay: what the replica serves stops moving,
/// what the primary serves does not.
/// </summary>
public sealed class ReadReplicaTests(ReplicaServerFixture fixture) : IClassFixture<ReplicaServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task History_trails_the_replica_while_the_balance_stays_read_your_writes()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        var first = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 })).Is(201).Node("entry.id").GetValue<string>();
        await fixture.Clusters.CatchUpAsync();
        (await EntryIdsAsync(client, account)).ShouldContain(first);

        string second;
        await fixture.Clusters.PauseReplayAsync();
        try
        {
            second = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 5 })).Is(201).Node("entry.id").GetValue<string>();

            (await client.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(85, "balances read the primary");
            (await client.FetchAsync($"/v1/accounts/{account}")).Is(200);
            var history = await EntryIdsAsync(client, account);
            history.ShouldContain(first);
            history.ShouldNotContain(second, "history reads the paused replica");
            (await client.SendAsync(HttpMethod.Get, $"/v1/accounts/{account}/entries?format=csv")).Is(200).Text.ShouldNotContain(second, Case.Sensitive, "CSV exports read the replica");
        }
        finally
        {
            await fixture.Clusters.ResumeReplayAsync();
        }

        var deadline = Stopwatch.StartNew();
        while (!(await EntryIdsAsync(client, account)).Contains(second))
        {
            deadline.Elapsed.ShouldBeLessThan(Patience, "the resumed replica never showed the charge");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task An_idempotent_retry_replays_from_the_primary_while_the_replica_lags()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        var key = Guid.NewGuid().ToString("N");
        await fixture.Clusters.PauseReplayAsync();
        try
        {
            var first = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);
            var retry = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);
            retry.Text.ShouldBe(first.Text);
            retry.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
            (await client.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(90);
        }
        finally
        {
            await fixture.Clusters.ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task A_live_stream_replays_from_the_primary_while_the_replica_lags()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        await using var stream = await SseClient.OpenAsync(client, $"/v1/accounts/{account}/events");
        var snapshot = await stream.NextAsync();
        await fixture.Clusters.PauseReplayAsync();
        try
        {
            var charged = (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 7 })).Is(201).Node("entry.id").GetValue<string>();
            var next = await stream.NextAsync();
            next.Seq.ShouldBe(snapshot.Seq + 1);
            next.Json["entry"]!["id"]!.GetValue<string>().ShouldBe(charged);
        }
        finally
        {
            await fixture.Clusters.ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task Account_analytics_and_the_admin_list_read_the_replica()
    {
        using var client = fixture.Server.Client();
        var account = await client.FundedAsync(100);
        (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 30 })).Is(201);
        await fixture.Clusters.CatchUpAsync();
        var directory = (IAccountDirectory)fixture.Server.Services.GetRequiredService<ILedgerStore>();
        await fixture.Clusters.PauseReplayAsync();
        try
        {
            (await client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 20 })).Is(201);
            var unseen = Api.NewAccount("zz-replica");
            (await client.PutAsync($"/v1/accounts/{unseen}")).Is(201);

            (await client.FetchAsync($"/v1/analytics/accounts/{account}")).Is(200).Dec("units.0.activity.consumed").ShouldBe(30, "analytics read the paused replica");
            (await directory.ListAccountIdsAsync("zz-replica", null, 10, CancellationToken.None)).ShouldNotContain(unseen);
            (await client.FetchAsync($"/v1/accounts/{unseen}/balance")).Is(200);
        }
        finally
        {
            await fixture.Clusters.ResumeReplayAsync();
        }

        await fixture.Clusters.CatchUpAsync();
        (await client.FetchAsync($"/v1/analytics/accounts/{account}")).Is(200).Dec("units.0.activity.consumed").ShouldBe(50);
    }

    private static async Task<List<string>> EntryIdsAsync(HttpClient client, string account) =>
        (await client.FetchAsync($"/v1/accounts/{account}/entries?limit=50")).Is(200).Json["data"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToList();
}
