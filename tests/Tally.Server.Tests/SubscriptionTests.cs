using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>Subscriptions through the sandbox on a clock the test moves: periods, renewals, rollover, plan changes.</summary>
public abstract class SubscriptionTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture, IClockedServer
{
    private const string Sandbox = "/sandbox/dodo";

    private HttpClient Admin { get; } = server.Client();

    private async Task<(string Plan, string Product)> PlanAsync(long credits, int rolloverPercent, long? rolloverCap, long price = 999)
    {
        var id = $"plan-{Guid.NewGuid():N}"[..20];
        var product = $"prod_{id}";
        (await Admin.PostAsync("/v1/plans", new { id, name = id, price = new { amount = price }, interval = "month", creditsPerPeriod = credits, rolloverPercent, rolloverCap, dodoProductId = product })).Is(201);
        return (id, product);
    }

    /// <summary>Checks out a plan and pays it in the sandbox; returns the subscription id.</summary>
    private async Task<string> SubscribeAsync(string account, string plan, object? delivery = null)
    {
        var session = (await Admin.PostAsync("/v1/checkout", new { account, planId = plan })).Is(201).Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        return (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", delivery ?? new { })).Is(200).Node("subscription.subscription_id").GetValue<string>();
    }

    private async Task<decimal> BalanceAsync(string account) => (await Admin.FetchAsync($"/v1/accounts/{account}/balance")).Is(200).Dec("balances.0.total");

    private async Task<Answer> SubscriptionAsync(string account) =>
        (await Admin.FetchAsync($"/v1/subscriptions?account={account}")).Is(200);

    [Theory]
    [InlineData(50, 300L, 200)]
    [InlineData(50, 150L, 150)]
    [InlineData(0, null, 0)]
    public async Task A_renewal_grants_the_next_period_once_and_rolls_over_a_capped_share_beside_a_purchased_pack(int percent, long? cap, long rolledOver)
    {
        var account = await Admin.FundedAsync(0);
        var (plan, _) = await PlanAsync(1000, rolloverPercent: percent, rolloverCap: cap);
        var pack = $"pk-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/packages", new { id = pack, name = "pack", credits = 500, price = new { amount = 500 }, dodoProductId = $"prod_{pack}" })).Is(201);
        var packSession = (await Admin.PostAsync("/v1/checkout", new { account, packageId = pack })).Is(201).Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{packSession}/pay", new { })).Is(200);

        var subscription = await SubscribeAsync(account, plan, new { duplicates = 3, reverse = true });
        (await BalanceAsync(account)).ShouldBe(1500);
        var listed = (await SubscriptionAsync(account)).Node("data.0");
        listed["status"]!.GetValue<string>().ShouldBe("active");
        listed["creditsThisPeriod"]!.GetValue<long>().ShouldBe(1000);

        (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 600 })).Is(201);
        (await SubscriptionAsync(account)).Node("data.0.creditsUsedThisPeriod").GetValue<long>().ShouldBe(600, "period credits expire first, so they are spent first");

        server.Clock.Advance(TimeSpan.FromDays(32));
        (await Admin.PostAsync($"{Sandbox}/sandbox/subscriptions/{subscription}/renew", new { duplicates = 3 })).Is(200);

        // 400 were left when the period ended: the plan's share of them, capped, rolls over; the
        // rest expired. The purchased pack is untouched.
        (await BalanceAsync(account)).ShouldBe(500 + 1000 + rolledOver);
        var renewed = (await SubscriptionAsync(account)).Node("data.0");
        renewed["creditsThisPeriod"]!.GetValue<long>().ShouldBe(1000 + rolledOver);
        renewed["creditsUsedThisPeriod"]!.GetValue<long>().ShouldBe(0);
        var report = await server.Ledger.VerifyAsync();
        report.Violations.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_renewal_whose_events_come_before_the_activation_grants_each_period_once()
    {
        var account = await Admin.FundedAsync(0);
        var (plan, _) = await PlanAsync(1000, rolloverPercent: 0, rolloverCap: null);
        var subscription = await SubscribeAsync(account, plan, new { deliver = false });
        (await Admin.PostAsync($"{Sandbox}/sandbox/subscriptions/{subscription}/renew", new { deliver = false })).Is(200);

        var events = (await Admin.FetchAsync($"{Sandbox}/sandbox/events")).Is(200).Node("events").AsArray()
            .Where(e => e!["object_id"]!.GetValue<string>() == subscription).Select(e => e!["webhook_id"]!.GetValue<string>()).Reverse().ToList();
        foreach (var id in events)
        {
            (await Admin.PostAsync($"{Sandbox}/sandbox/events/{id}/redeliver", new { })).Is(200);
        }

        // Every redelivery carries the latest state (the renewed period): it is granted once.
        (await BalanceAsync(account)).ShouldBe(1000);
        (await Admin.FetchAsync($"/v1/accounts/{account}/entries?type=grant")).Node("data").AsArray()
            .Count(g => g!["reference"]?.GetValue<string>().StartsWith($"dodo:{subscription}:", StringComparison.Ordinal) == true).ShouldBe(1);
    }

    [Fact]
    public async Task An_upgrade_grants_the_pro_rated_difference_once_and_a_downgrade_waits_for_the_renewal()
    {
        var account = await Admin.FundedAsync(0);
        var (basic, _) = await PlanAsync(1000, rolloverPercent: 0, rolloverCap: null);
        var (pro, proProduct) = await PlanAsync(5000, rolloverPercent: 0, rolloverCap: null, price: 2999);
        var subscription = await SubscribeAsync(account, basic);
        var period = (await SubscriptionAsync(account)).Node("data.0");
        var start = period["currentPeriodStart"]!.GetValue<DateTimeOffset>();
        var end = period["currentPeriodEnd"]!.GetValue<DateTimeOffset>();
        (await Admin.PostAsync($"{Sandbox}/products", new { name = "pro", price = 2999, currency = "USD", product_id = proProduct, recurring_interval = "Month" })).Is(200);

        server.Clock.Advance((end - start) / 4);
        (await Admin.PostAsync($"{Sandbox}/subscriptions/{subscription}/change-plan", new { product_id = proProduct, quantity = 1, proration_billing_mode = "difference_immediately", effective_at = "immediately" })).Code.ShouldBeLessThan(300);

        var now = server.Clock.GetUtcNow();
        var left = end - now.AddTicks(-(now.UtcTicks % 10));
        var difference = (long)((Int128)4000 * left.Ticks / (end - start).Ticks);
        (await BalanceAsync(account)).ShouldBe(1000 + difference);
        (await SubscriptionAsync(account)).Node("data.0.planId").GetValue<string>().ShouldBe(pro);

        var basicProduct = $"prod_{basic}";
        (await Admin.PostAsync($"{Sandbox}/subscriptions/{subscription}/change-plan", new { product_id = basicProduct, quantity = 1, proration_billing_mode = "do_not_bill", effective_at = "immediately" })).Code.ShouldBeLessThan(300);
        (await BalanceAsync(account)).ShouldBe(1000 + difference, "fewer credits take effect at the renewal");
    }

    [Fact]
    public async Task A_delayed_webhook_grants_when_it_arrives_on_the_sandbox_clock()
    {
        var account = await Admin.FundedAsync(0);
        var pack = $"pk-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/packages", new { id = pack, name = "pack", credits = 50, price = new { amount = 50 }, dodoProductId = $"prod_{pack}" })).Is(201);
        var session = (await Admin.PostAsync("/v1/checkout", new { account, packageId = pack })).Is(201).Node("checkoutUrl").GetValue<string>().Split('/')[^1];

        (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", new { delay_ms = 60_000, wait = false })).Is(200);
        (await BalanceAsync(account)).ShouldBe(0);

        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await ((Tally.Payments.Dodo.Sandbox.DodoSandbox)server.Services.GetService(typeof(Tally.Payments.Dodo.Sandbox.DodoSandbox))!).DrainAsync();
        (await BalanceAsync(account)).ShouldBe(50);
    }

    [Fact]
    public async Task The_reconciler_activates_a_subscription_whose_activation_webhook_was_lost()
    {
        var account = await Admin.FundedAsync(0);
        var (plan, _) = await PlanAsync(800, rolloverPercent: 0, rolloverCap: null);
        var session = (await Admin.PostAsync("/v1/checkout", new { account, planId = plan })).Is(201).Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        var paid = (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", new { deliver = false })).Is(200);
        var payment = paid.Node("events").AsArray().Single(e => e!["type"]!.GetValue<string>() == "payment.succeeded")!["webhook_id"]!.GetValue<string>();
        (await Admin.PostAsync($"{Sandbox}/sandbox/events/{payment}/redeliver", new { })).Is(200);
        (await BalanceAsync(account)).ShouldBe(0, "a subscription's payment grants nothing by itself");

        (await Admin.PostAsync("/v1/payments/reconcile")).Is(200).Node("subscriptionsApplied").GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);

        (await BalanceAsync(account)).ShouldBe(800);
        (await SubscriptionAsync(account)).Node("data.0.status").GetValue<string>().ShouldBe("active");
    }

    [Fact]
    public async Task A_webhook_redelivered_days_later_after_idempotency_keys_were_forgotten_still_grants_once()
    {
        var account = await Admin.FundedAsync(0);
        var pack = $"pk-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/packages", new { id = pack, name = "pack", credits = 70, price = new { amount = 70 }, dodoProductId = $"prod_{pack}" })).Is(201);
        var session = (await Admin.PostAsync("/v1/checkout", new { account, packageId = pack })).Is(201).Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        var paid = (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", new { })).Is(200);
        var webhook = paid.Node("events").AsArray().Single(e => e!["type"]!.GetValue<string>() == "payment.succeeded")!["webhook_id"]!.GetValue<string>();

        // Dodo retries for about 27 hours; keys of ordinary requests are forgotten after 24.
        server.Clock.Advance(TimeSpan.FromDays(3));
        await server.Ledger.ExpireAsync();
        (await Admin.PostAsync($"/v1/webhook-events/dodo/{webhook}/reprocess")).Is(200);
        (await Admin.PostAsync($"{Sandbox}/sandbox/events/{webhook}/redeliver", new { })).Is(200);

        (await BalanceAsync(account)).ShouldBe(70);
    }
}

public sealed class SqliteSubscriptionTests(FakeClockServerFixture server) : SubscriptionTests<FakeClockServerFixture>(server);

public sealed class PostgresSubscriptionTests(PostgresFakeClockServerFixture server) : SubscriptionTests<PostgresFakeClockServerFixture>(server);
