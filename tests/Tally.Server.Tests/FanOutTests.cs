using Npgsql;
using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>Live streams across instances: two servers over one PostgreSQL, wake-ups through LISTEN/NOTIFY.</summary>
public sealed class FanOutTests(PostgresPairFixture pair) : IClassFixture<PostgresPairFixture>
{
    [Fact]
    public async Task A_charge_on_one_instance_reaches_listeners_on_both()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client();
        var account = await a.FundedAsync(100);
        await using var onA = await SseClient.OpenAsync(a, $"/v1/accounts/{account}/events");
        await using var onB = await SseClient.OpenAsync(b, $"/v1/accounts/{account}/events");
        var start = (await onB.NextAsync()).Seq;
        (await onA.NextAsync()).Seq.ShouldBe(start);

        (await a.PostAsync($"/v1/accounts/{account}/charges", new { amount = 7 })).Is(201);
        (await b.PostAsync($"/v1/accounts/{account}/charges", new { amount = 3 })).Is(201);

        foreach (var stream in new[] { onA, onB })
        {
            var events = await stream.UntilAsync(start + 2);
            events.Select(e => e.Seq).ShouldBe([start + 1, start + 2]);
            events[^1].Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(90);
        }
    }

    [Fact]
    public async Task Killing_the_LISTEN_connections_mid_stream_loses_nothing_and_repeats_nothing()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client();
        var account = await a.FundedAsync(10_000);
        await using var onB = await SseClient.OpenAsync(b, $"/v1/accounts/{account}/events");
        var start = (await onB.NextAsync()).Seq;

        // Charges on A while both instances' LISTEN sessions are terminated, three times over.
        var charges = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                (await a.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
            }
        });
        var killed = 0;
        for (var round = 1; round <= 3; round++)
        {
            while (await SeqAsync(a, account) < start + (20 * round) && !charges.IsCompleted)
            {
                await Task.Delay(5);
            }

            killed += await TerminateListenersAsync();
        }

        await charges;
        killed.ShouldBeGreaterThan(0);
        var events = await onB.UntilAsync(start + 60);
        events.Select(e => e.Seq).ShouldBe(Enumerable.Range(1, 60).Select(i => start + i));
        events[^1].Json["balances"]![0]!["total"]!.GetValue<decimal>().ShouldBe(9940);

        // And the feed is back: a later change arrives without any reconnect by the client.
        (await a.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).Is(201);
        (await onB.NextAsync()).Seq.ShouldBe(start + 61);
    }

    private static async Task<long> SeqAsync(HttpClient client, string account) =>
        (long)(await client.FetchAsync($"/v1/accounts/{account}/balance")).Is(200).Dec("seq");

    /// <summary>pg_terminate_backend on every instance's listening session; returns how many it ended.</summary>
    private async Task<int> TerminateListenersAsync()
    {
        await using var connection = new NpgsqlConnection(pair.Database);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tally-changes' AND datname = current_database()) t", connection);
        return (int)(long)(await kill.ExecuteScalarAsync())!;
    }
}
