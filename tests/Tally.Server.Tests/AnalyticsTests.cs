using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Tally.Ledger.Analytics;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>/v1/analytics over both stores: JSON and CSV, scopes, and the 400s of bad ranges. The folder runs when a test folds.</summary>
public abstract class AnalyticsTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture, IClockedServer
{
    private Task<FoldReport> FoldAsync() =>
        RollupFolder.FoldAllAsync(server.Services.GetRequiredService<IAnalyticsStore>(), server.Clock, retentionDays: 90);

    private string Today => server.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_accounts_analytics_split_purchased_from_granted_and_are_current_before_and_after_a_fold()
    {
        using var admin = server.Client();
        var id = Api.NewAccount();
        (await admin.PutAsync($"/v1/accounts/{id}")).Is(201); // the signup grant: 100 granted
        (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 50, source = "purchase" })).Is(201);
        (await admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 30 })).Is(201);

        foreach (var folded in new[] { false, true })
        {
            if (folded)
            {
                await FoldAsync();
            }

            var report = (await admin.FetchAsync($"/v1/analytics/accounts/{id}")).Is(200);
            report.Node("account").GetValue<string>().ShouldBe(id);
            report.Dec("units.0.balance").ShouldBe(120);
            report.Dec("units.0.activity.purchased").ShouldBe(50);
            report.Dec("units.0.activity.granted").ShouldBe(100);
            report.Dec("units.0.activity.consumed").ShouldBe(30);
            report.Dec("units.0.activity.consumedByFeature.(none)").ShouldBe(30);
            report.Dec("units.0.activity.expired").ShouldBe(0);
        }

        var csv = await admin.SendAsync(HttpMethod.Get, $"/v1/analytics/accounts/{id}?format=csv");
        csv.Code.ShouldBe(200);
        csv.Message.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        csv.Text.ShouldStartWith("unit,metric,key,value\r\n");
        csv.Text.ShouldContain("credits,balance,,120\r\n");
        csv.Text.ShouldContain("credits,purchased,,50\r\n");
        (await admin.FetchAsync($"/v1/analytics/accounts/{Api.NewAccount()}")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task The_platform_day_counts_what_was_issued_and_consumed_once_however_often_it_is_folded()
    {
        using var admin = server.Client();
        await FoldAsync();
        var before = (await admin.FetchAsync($"/v1/analytics/platform?from={Today}&to={Today}")).Is(200);
        var id = Api.NewAccount();
        (await admin.PutAsync($"/v1/accounts/{id}")).Is(201);
        (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 25, source = "purchase" })).Is(201);
        (await admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 7 })).Is(201);

        await FoldAsync();
        await FoldAsync();
        var after = (await admin.FetchAsync($"/v1/analytics/platform?from={Today}&to={Today}")).Is(200);

        after.Node("days").AsArray().Count.ShouldBe(1);
        Delta(before, after, "days.0.units.0.purchased").ShouldBe(25);
        Delta(before, after, "days.0.units.0.granted").ShouldBe(100);
        Delta(before, after, "days.0.units.0.consumed").ShouldBe(7);
        Delta(before, after, "totals.0.consumed").ShouldBe(7);
        var csv = await admin.SendAsync(HttpMethod.Get, $"/v1/analytics/platform?from={Today}&to={Today}&format=csv");
        csv.Text.ShouldStartWith("day,scope,metric,key,value\r\n");
        csv.Text.ShouldContain($"{Today},credits,consumed,,");
    }

    [Fact]
    public async Task Top_spenders_rank_accounts_by_consumption_with_the_biggest_first()
    {
        using var admin = server.Client();
        var big = await admin.FundedAsync(900_000);
        (await admin.PostAsync($"/v1/accounts/{big}/charges", new { amount = 899_000 })).Is(201);
        var small = await admin.FundedAsync(800_000);
        (await admin.PostAsync($"/v1/accounts/{small}/charges", new { amount = 799_000 })).Is(201);
        await FoldAsync();

        var top = (await admin.FetchAsync($"/v1/analytics/top-spenders?from={Today}&to={Today}&limit=2")).Is(200);

        top.Node("spenders.0.account").GetValue<string>().ShouldBe(big);
        top.Dec("spenders.0.consumed").ShouldBeGreaterThanOrEqualTo(899_000);
        top.Node("spenders.1.account").GetValue<string>().ShouldBe(small);
        top.Node("spenders").AsArray().Count.ShouldBe(2);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/analytics/top-spenders?from={Today}&to={Today}&limit=1");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await admin.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith($"rank,account,unit,consumed,entries\r\n1,{big},credits,");
    }

    [Fact]
    public async Task Liability_splits_outstanding_credits_paid_from_granted_and_counts_breakage()
    {
        using var admin = server.Client();
        var before = (await admin.FetchAsync($"/v1/analytics/liability?from={Today}&to={Today}")).Is(200);
        var id = Api.NewAccount();
        (await admin.PutAsync($"/v1/accounts/{id}")).Is(201);
        (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 60, source = "purchase" })).Is(201);
        (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 5, source = "promo", expiresAt = server.Clock.GetUtcNow().AddMinutes(1) })).Is(201);
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Is(200);
        (await admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201); // the expiry is written with the next change
        await FoldAsync();

        var after = (await admin.FetchAsync($"/v1/analytics/liability?from={Today}&to={Today}")).Is(200);

        Delta(before, after, "units.0.paid").ShouldBe(60);
        Delta(before, after, "units.0.granted").ShouldBe(99); // the signup grant less the charge
        Delta(before, after, "breakage.0.granted").ShouldBe(5);
        Delta(before, after, "breakage.0.paid").ShouldBe(0);
    }

    [Theory]
    [InlineData("/v1/analytics/platform?from=2026-13-01", "from")]
    [InlineData("/v1/analytics/platform?from=01/02/2026", "from")]
    [InlineData("/v1/analytics/platform?from=2026-03-02&to=2026-03-01", "from")]
    [InlineData("/v1/analytics/platform?from=2025-01-01&to=2026-03-01", "to")]
    [InlineData("/v1/analytics/top-spenders?limit=0", "limit")]
    [InlineData("/v1/analytics/top-spenders?limit=1001", "limit")]
    [InlineData("/v1/analytics/top-spenders?limit=ten", "limit")]
    [InlineData("/v1/analytics/liability?to=yesterday", "to")]
    public async Task Bad_query_parameters_are_a_400_naming_the_field(string path, string field)
    {
        using var admin = server.Client();
        var problem = (await admin.FetchAsync(path)).IsProblem(400, "validation_failed");
        problem.Node($"errors.{field}").AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_read_key_sees_one_account_but_not_the_platform()
    {
        using var admin = server.Client();
        var secret = (await admin.PostAsync("/v1/api-keys", new { name = "reader", scopes = new[] { "read" } })).Is(201).Node("secret").GetValue<string>();
        using var reader = server.Client(secret);
        var id = await admin.FundedAsync(5);

        (await reader.FetchAsync($"/v1/analytics/accounts/{id}")).Is(200);
        (await reader.FetchAsync("/v1/analytics/platform")).IsProblem(403, "forbidden");
        (await reader.FetchAsync("/v1/analytics/top-spenders")).IsProblem(403, "forbidden");
        (await reader.FetchAsync("/v1/analytics/liability")).IsProblem(403, "forbidden");
    }

    /// <summary>How much a figure grew between two answers; a figure not there yet (no such unit or day before) counts as 0.</summary>
    private static decimal Delta(Answer before, Answer after, string path)
    {
        decimal Read(Answer a)
        {
            try
            {
                return a.Dec(path);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
            {
                return 0;
            }
        }

        return Read(after) - Read(before);
    }
}

public sealed class SqliteAnalyticsTests(FakeClockServerFixture server) : AnalyticsTests<FakeClockServerFixture>(server);

public sealed class PostgresAnalyticsTests(PostgresFakeClockServerFixture server) : AnalyticsTests<PostgresFakeClockServerFixture>(server);
