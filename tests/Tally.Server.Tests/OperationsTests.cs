using Microsoft.Extensions.Configuration;
using Shouldly;
using Tally.Server.Hosting;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

/// <summary>Rate limits (on a server configured with them) and start-up configuration.</summary>
public sealed class OperationsTests(RateLimitedServerFixture server) : IClassFixture<RateLimitedServerFixture>
{
    [Fact]
    public async Task Deductions_per_account_are_limited_with_retry_after()
    {
        var admin = server.Client();
        var id = await admin.FundedAsync(100);

        var answers = new List<Answer>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 }));
        }

        answers.Take(3).ShouldAllBe(a => a.Code == 201);
        var limited = answers[3].IsProblem(429, "rate_limited");
        int.Parse(limited.Message.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(97);
        (await admin.PostAsync($"/v1/accounts/{Api.NewAccount()}/charges", new { amount = 1 })).Is(201);
    }

    [Fact]
    public async Task Batch_operations_transfers_and_negative_adjustments_count_as_deductions()
    {
        using var client = server.Client(await OwnAdminKeyAsync());
        var payer = await client.FundedAsync(100);
        var payee = await client.FundedAsync(0);

        (await client.PostAsync("/v1/batch", new { mode = "independent", operations = new[] { new { op = "charge", account = payer, amount = 1 }, new { op = "charge", account = payer, amount = 1 } } })).Is(200);
        (await client.PostAsync("/v1/transfers", new { from = payer, to = payee, amount = 1 })).Is(201);
        (await client.PostAsync($"/v1/accounts/{payer}/adjustments", new { amount = -1, reason = "fourth deduction" })).IsProblem(429, "rate_limited");
        (await client.PostAsync($"/v1/accounts/{payer}/adjustments", new { amount = 1, reason = "credits in are no deduction" })).Is(201);

        var other = await client.FundedAsync(100);
        var four = Enumerable.Range(0, 4).Select(_ => new { op = "charge", account = other, amount = 1 }).ToArray();
        (await client.PostAsync("/v1/batch", new { mode = "atomic", operations = four })).IsProblem(429, "rate_limited");
        (await client.FetchAsync($"/v1/accounts/{other}/balance")).Dec("balances.0.total").ShouldBe(100);
        (await client.FetchAsync($"/v1/accounts/{payer}/balance")).Dec("balances.0.total").ShouldBe(98);
    }

    [Fact]
    public async Task A_keyed_retry_refused_by_the_limit_still_gets_its_first_answer()
    {
        using var client = server.Client(await OwnAdminKeyAsync());
        var id = await client.FundedAsync(100);
        var first = new List<Answer>();
        for (var i = 0; i < 3; i++)
        {
            first.Add((await client.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", new { amount = 1 }, $"{id}-{i}")).Is(201));
        }

        var retry = (await client.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", new { amount = 1 }, $"{id}-2")).Is(201);
        retry.Text.ShouldBe(first[2].Text);
        retry.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await client.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", new { amount = 1 }, $"{id}-3")).IsProblem(429, "rate_limited");
        (await client.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(97);
    }

    /// <summary>An admin key of the test's own, so its requests do not count against another test's per-key window.</summary>
    private async Task<string> OwnAdminKeyAsync() =>
        (await server.Client().PostAsync("/v1/api-keys", new { name = "own", scopes = new[] { "admin" } })).Is(201).Node("secret").GetValue<string>();

    [Fact]
    public async Task Requests_per_key_are_limited()
    {
        var key = (await server.Client().PostAsync("/v1/api-keys", new { name = "chatty", scopes = new[] { "read" } })).Is(201).Node("secret").GetValue<string>();
        var chatty = server.Client(key);

        var codes = new List<int>();
        for (var i = 0; i < 45; i++)
        {
            codes.Add((await chatty.FetchAsync("/v1/units")).Code);
        }

        codes.Take(40).ShouldAllBe(c => c == 200);
        codes.Skip(40).ShouldAllBe(c => c == 429);
    }

    [Theory]
    [InlineData("CREDIT_INITIAL_AMOUNT", "lots")]
    [InlineData("CREDIT_MAX_BALANCE", "0")]
    [InlineData("CREDIT_RATE_LIMIT_WINDOW", "-5")]
    [InlineData("TALLY_DATABASE", "mysql://nope")]
    [InlineData("TALLY_BOOTSTRAP_API_KEY", "tally_sk_short")]
    [InlineData("TALLY_AUTO_CREATE_ACCOUNTS", "maybe")]
    [InlineData("TALLY_PUBLIC_URL", "not a url")]
    [InlineData("CREDIT_INITIAL_AMOUNT", "2000000")]
    [InlineData("TALLY_GROUP_COMMIT", "sometimes")]
    [InlineData("TALLY_GROUP_COMMIT_LANES", "0")]
    [InlineData("TALLY_GROUP_COMMIT_MAX_BATCH", "100000")]
    [InlineData("CREDIT_SUSPICIOUS_THRESHOLD", "0")]
    [InlineData("CREDIT_ENABLE_FRAUD_DETECTION", "maybe")]
    [InlineData("CREDIT_SUSPICIOUS_FAILED_PAYMENTS", "0")]
    [InlineData("TALLY_FRAUD_SCAN_MS", "1")]
    public void A_bad_setting_stops_startup_naming_it(string name, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [name] = value }).Build();

        Should.Throw<SettingsException>(() => TallyOptions.Load(configuration)).Message.ShouldContain(name);
    }

    [Fact]
    public async Task The_host_exits_2_on_a_bad_setting()
    {
        (await TallyHost.RunAsync(["--CREDIT_MAX_PER_OPERATION=nope", "--urls", "http://127.0.0.1:0"])).ShouldBe(2);
    }

    [Fact]
    public void Group_commit_settings_reach_the_ledger()
    {
        var settings = TallyOptions.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TALLY_GROUP_COMMIT"] = "false",
            ["TALLY_GROUP_COMMIT_LANES"] = "3",
            ["TALLY_GROUP_COMMIT_MAX_BATCH"] = "16",
        }).Build());

        settings.Ledger.GroupCommit.ShouldBeFalse();
        settings.Ledger.GroupCommitLanes.ShouldBe(3);
        settings.Ledger.GroupCommitMaxBatch.ShouldBe(16);
    }

    [Fact]
    public void Settings_have_their_documented_defaults()
    {
        var settings = TallyOptions.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CREDIT_RATE_LIMIT_MAX_DEDUCTIONS"] = "100",
        }).Build());

        settings.Ledger.InitialAmount.ShouldBe(100);
        settings.Ledger.MaxPerOperation.ShouldBe(1_000_000);
        settings.MaxDeductions.ShouldBe(100);
        settings.DeductionWindow.ShouldBe(TimeSpan.FromHours(1));
        settings.KeyRateLimit.ShouldBeNull();
        settings.SweepInterval.ShouldBe(TimeSpan.FromMinutes(1));
    }
}
