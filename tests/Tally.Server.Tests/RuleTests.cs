using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Rules;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>A host app's own rule (the C# extension point): charges with a reference starting "beta-" cost 1 less.</summary>
public sealed class BetaTesterRule : ILedgerRule
{
    public string Name => "beta-testers";
    public int Priority => 5;

    public RuleDecision? Evaluate(RuleContext context) =>
        context.Operation == RuleOperation.Charge && context.Feature == RuleServer.Image && context.Amount.IsPositive
            ? new RuleDecision(context.Amount - Credits.Min(context.Amount, context.Unit.FromWhole(1)))
            : null;
}

/// <summary>The rules the rule tests' servers run with (as command-line configuration, as an operator writes them).</summary>
public static class RuleServer
{
    public const string Image = "rules.image";
    public const string Tokens = "rules.tokens";

    public static IEnumerable<string> Settings() =>
    [
        "--Rules:0:name=premium-bonus", "--Rules:0:kind=tier_bonus", "--Rules:0:tier=premium", "--Rules:0:percent=10", "--Rules:0:priority=90",
        "--Rules:1:name=first-image", $"--Rules:1:kind=first_use_discount", $"--Rules:1:feature={Image}", "--Rules:1:percent=50", "--Rules:1:priority=80",
        "--Rules:2:name=daily-tokens", "--Rules:2:kind=free_allowance", $"--Rules:2:feature={Tokens}", "--Rules:2:credits=5", "--Rules:2:period=day", "--Rules:2:priority=70",
    ];

    public static void Services(IServiceCollection services) => services.AddSingleton<ILedgerRule, BetaTesterRule>();
}

public sealed class SqliteRulesServerFixture : ServerFixture, IClockedServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-rules-").FullName;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2031, 1, 1, 12, 0, 0, TimeSpan.Zero));

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");

    protected override IEnumerable<string> Settings() => RuleServer.Settings();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        RuleServer.Services(services);
    }
}

public sealed class PostgresRulesServerFixture : ServerFixture, IClockedServer
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2031, 1, 1, 12, 0, 0, TimeSpan.Zero));

    protected override async Task<string> DatabaseAsync() => await (await PgServer.SharedAsync()).CreateDatabaseAsync("server_rules");

    protected override IEnumerable<string> Settings() => RuleServer.Settings();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        RuleServer.Services(services);
    }
}

/// <summary>Rules from configuration over HTTP (docs/rules.md), once per store; group commit is on (the default).</summary>
public abstract class RuleTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture, IClockedServer
{
    private async Task FeaturesAsync(HttpClient admin)
    {
        foreach (var (key, cost) in new[] { (RuleServer.Image, 10m), (RuleServer.Tokens, 0.002m) })
        {
            var created = await admin.PostAsync("/v1/features", new { key, cost });
            created.Code.ShouldBeOneOf(201, 409);
        }
    }

    [Fact]
    public async Task The_rules_in_force_are_listed_in_evaluation_order()
    {
        using var admin = server.Client();
        var rules = (await admin.FetchAsync("/v1/rules")).Is(200).Node("data").AsArray();

        rules.Select(r => r!["name"]!.GetValue<string>()).ShouldBe(["premium-bonus", "first-image", "daily-tokens", "beta-testers"]);
        rules[1]!["kind"]!.GetValue<string>().ShouldBe("first_use_discount");
        rules[1]!["percent"]!.GetValue<decimal>().ShouldBe(50);
        rules[2]!["period"]!.GetValue<string>().ShouldBe("day");
        rules[3]!["kind"]!.GetValue<string>().ShouldBe("custom");
        rules[3]!["configured"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task The_first_image_is_half_price_once_under_64_concurrent_charges_and_each_entry_says_which_rules_applied()
    {
        using var admin = server.Client();
        await FeaturesAsync(admin);
        var id = await admin.FundedAsync(1_000);

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = RuleServer.Image }, idempotencyKey: $"{id}-{i}")));

        var amounts = answers.Select(a => a.Is(201).Dec("entry.amount")).ToList();
        amounts.Count(a => a == -4).ShouldBe(1); // 10 → 5 (first use) → 4 (the host app's rule)
        amounts.Count(a => a == -9).ShouldBe(63);
        var first = answers.Single(a => a.Dec("entry.amount") == -4);
        var rules = first.Node("entry.rules").AsArray();
        rules.Count.ShouldBe(2);
        rules[0]!["rule"]!.GetValue<string>().ShouldBe("first-image");
        rules[0]!["kind"]!.GetValue<string>().ShouldBe("first_use_discount");
        rules[0]!["amountBefore"]!.GetValue<decimal>().ShouldBe(10);
        rules[0]!["amountAfter"]!.GetValue<decimal>().ShouldBe(5);
        rules[1]!["rule"]!.GetValue<string>().ShouldBe("beta-testers");
        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(1_000 - 4 - (63 * 9));

        // A replay answers the same bytes; the journal as stored says the same.
        var index = Array.IndexOf(answers, first);
        var replay = (await admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = RuleServer.Image }, idempotencyKey: $"{id}-{index}")).Is(201);
        replay.Text.ShouldBe(first.Text);
        var entryId = first.Node("entry.id").GetValue<string>();
        var history = (await admin.FetchAsync($"/v1/accounts/{id}/entries?limit=500")).Is(200).Node("data").AsArray();
        history.Single(e => e!["id"]!.GetValue<string>() == entryId)!["rules"]!.ToJsonString().ShouldBe(rules.ToJsonString());
        var report = await server.Ledger.VerifyAsync();
        report.Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_charge_check_prices_with_the_rules_as_they_apply_now_and_takes_nothing()
    {
        using var admin = server.Client();
        await FeaturesAsync(admin);
        var id = await admin.FundedAsync(100);
        async Task<Answer> CheckAsync() => (await admin.FetchAsync($"/v1/accounts/{id}/charges/check?feature={RuleServer.Image}")).Is(200);

        var first = await CheckAsync();
        first.Dec("required").ShouldBe(4); // 10 → 5 (first use) → 4 (the host app's rule)
        first.Node("rules").AsArray().Select(r => r!["rule"]!.GetValue<string>()).ShouldBe(["first-image", "beta-testers"]);
        first.Node("allowed").GetValue<bool>().ShouldBeTrue();
        (await CheckAsync()).Text.ShouldBe(first.Text); // a check uses no marker

        (await admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = RuleServer.Image })).Is(201).Dec("entry.amount").ShouldBe(-4);
        var after = await CheckAsync();
        after.Dec("required").ShouldBe(9); // the first use is spent
        after.Node("rules").AsArray().Select(r => r!["rule"]!.GetValue<string>()).ShouldBe(["beta-testers"]);
        (await admin.FetchAsync($"/v1/accounts/{id}/charges/check?amount=3")).Is(200).Node("rules").AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_free_daily_allowance_writes_zero_entries_then_charges_and_resets_at_midnight_UTC()
    {
        using var admin = server.Client();
        await FeaturesAsync(admin);
        var id = await admin.FundedAsync(100);
        async Task<decimal> TokensAsync(int quantity) =>
            (await admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = RuleServer.Tokens, quantity })).Is(201).Dec("entry.amount");

        (await TokensAsync(2_000)).ShouldBe(0); // 4 credits, all free
        (await TokensAsync(1_000)).ShouldBe(-1); // 2 credits, 1 free
        (await TokensAsync(1_000)).ShouldBe(-2);
        server.Clock.Advance(TimeSpan.FromDays(1));
        (await TokensAsync(2_500)).ShouldBe(0);
        (await admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(97);
    }

    [Fact]
    public async Task A_premium_purchase_gets_its_bonus_and_an_admin_grant_does_not()
    {
        using var admin = server.Client();
        var id = Api.NewAccount();
        (await admin.PutAsync($"/v1/accounts/{id}", new { tier = "premium" })).Is(201);
        var bought = (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 95, source = "purchase" })).Is(201);
        bought.Dec("entry.amount").ShouldBe(104);
        bought.Node("entry.rules.0.rule").GetValue<string>().ShouldBe("premium-bonus");
        var given = (await admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 95 })).Is(201);
        given.Dec("entry.amount").ShouldBe(95);
        given.Node("entry.rules").AsArray().ShouldBeEmpty();
    }
}

public sealed class SqliteRuleTests(SqliteRulesServerFixture server) : RuleTests<SqliteRulesServerFixture>(server);

public sealed class PostgresRuleTests(PostgresRulesServerFixture server) : RuleTests<PostgresRulesServerFixture>(server);

/// <summary>A bad rule stops startup naming its configuration path.</summary>
public sealed class RuleSettingsTests
{
    [Theory]
    [InlineData("Rules:1:percent", "percent", "150")]
    [InlineData("Rules:1:kind", "kind", "cashback")]
    [InlineData("Rules:1:period", "period", "fortnight")]
    [InlineData("Rules:1:name", "name", "a")]
    public void A_bad_rule_stops_startup_naming_it(string expected, string field, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Rules:0:name"] = "a", ["Rules:0:kind"] = "first_use_discount", ["Rules:0:feature"] = "image", ["Rules:0:percent"] = "50",
            ["Rules:1:name"] = "b", ["Rules:1:kind"] = "free_allowance", ["Rules:1:feature"] = "tokens", ["Rules:1:credits"] = "5", ["Rules:1:period"] = "day",
        };
        settings[$"Rules:1:{field}"] = value;
        if (field == "percent")
        {
            settings["Rules:1:kind"] = "first_use_discount";
            settings["Rules:1:feature"] = "video";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Should.Throw<SettingsException>(() => TallyOptions.Load(configuration)).Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("video", "Rules:1:tiers:1:above must be more than the tier before it")]
    [InlineData("image", "Rules:1:feature 'image' already has a volume_discount rule (Rules:0)")]
    public void A_bad_volume_discount_stops_startup_naming_it(string feature, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Rules:0:name"] = "a", ["Rules:0:kind"] = "volume_discount", ["Rules:0:feature"] = "image", ["Rules:0:period"] = "month",
            ["Rules:0:tiers:0:above"] = "100", ["Rules:0:tiers:0:percent"] = "5",
            ["Rules:1:name"] = "b", ["Rules:1:kind"] = "volume_discount", ["Rules:1:feature"] = feature, ["Rules:1:period"] = "week",
            ["Rules:1:tiers:0:above"] = "100", ["Rules:1:tiers:0:percent"] = "5",
            ["Rules:1:tiers:1:above"] = feature == "video" ? "50" : "200", ["Rules:1:tiers:1:percent"] = "10",
        };

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Should.Throw<SettingsException>(() => TallyOptions.Load(configuration)).Message.ShouldContain(expected);
    }

    [Fact]
    public async Task The_host_exits_2_on_a_bad_rule() =>
        (await TallyHost.RunAsync(["--Rules:0:name=x", "--Rules:0:kind=tier_bonus", "--Rules:0:percent=10", "--urls", "http://127.0.0.1:0"])).ShouldBe(2);

    [Fact]
    public void The_sample_configuration_s_rules_are_valid()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "Tally.slnx")))
        {
            directory = directory.Parent.ShouldNotBeNull();
        }

        var sample = Path.Combine(directory.FullName, "src", "Tally.Server", "appsettings.Sample.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(sample).Build();
        TallyOptions.Load(configuration).Rules.Select(r => r.Kind).ShouldBe([RuleKinds.TierBonus, RuleKinds.MaxBalance, RuleKinds.FirstUseDiscount, RuleKinds.FreeAllowance, RuleKinds.VolumeDiscount]);
        TallyOptions.Load(configuration).Rules[^1].Tiers.ShouldNotBeNull().Select(t => (t.Above, t.Percent)).ShouldBe([(500m, 10m), (1_000m, 20m)]);
    }
}
