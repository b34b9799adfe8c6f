using System.Text;
using Shouldly;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Webhooks;
using Tally.TestSupport.Payments;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>Selling credits end to end: Tally's checkout, the built-in DodoPayments sandbox paying it, and its signed webhooks coming back.</summary>
public abstract partial class ApiTests<TFixture>
{
    private const string Sandbox = "/sandbox/dodo";

    private DodoSandbox DodoSandbox => (DodoSandbox)Server.Services.GetService(typeof(DodoSandbox))!;

    private async Task<string> PackageAsync(long credits, long price)
    {
        var id = $"pk-{Guid.NewGuid():N}"[..24];
        (await Admin.PostAsync("/v1/packages", new { id, name = $"{credits} pack", credits, price = new { amount = price }, dodoProductId = $"prod_{id}" })).Is(201);
        return id;
    }

    /// <summary>Opens a checkout for a package and pays it in the sandbox; returns (Tally payment id, Dodo payment id).</summary>
    private async Task<(string Payment, string DodoPayment)> BuyAsync(string account, string package, object? delivery = null)
    {
        var opened = (await Admin.PostAsync("/v1/checkout", new { account, packageId = package })).Is(201);
        var session = opened.Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        var paid = (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", delivery ?? new { })).Is(200);
        var paymentId = opened.Node("paymentId").GetValue<string>();
        return (paymentId, paid.Node("payment.payment_id").GetValue<string>());
    }

    private async Task<decimal> BalanceAsync(string account) => (await Admin.FetchAsync($"/v1/accounts/{account}/balance")).Is(200).Dec("balances.0.total");

    /// <summary>POSTs a body to /webhooks/dodo signed with the sandbox's secret (or <paramref name="secret"/>).</summary>
    private async Task<Answer> DeliverAsync(string webhookId, string body, string? secret = null, Func<IReadOnlyList<KeyValuePair<string, string>>, IEnumerable<KeyValuePair<string, string>>>? tamper = null)
    {
        var signer = new StandardWebhooks(secret ?? DodoSandbox.Options.WebhookSecret, TimeProvider.System);
        var headers = signer.SignedHeaders(webhookId, Encoding.UTF8.GetBytes(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/dodo") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in tamper?.Invoke(headers) ?? headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await Server.Client(null).SendAsync(request);
        return new Answer(response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_purchase_grants_its_credits_once_however_often_and_in_whatever_order_the_webhooks_come()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(500, 499);

        var (payment, dodoPayment) = await BuyAsync(account, package, new { duplicates = 10, reverse = true });

        (await BalanceAsync(account)).ShouldBe(500);
        var read = (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200);
        read.Node("status").GetValue<string>().ShouldBe("succeeded");
        read.Node("dodoPaymentId").GetValue<string>().ShouldBe(dodoPayment);
        read.Node("credits").GetValue<long>().ShouldBe(500);
        read.Node("price.amount").GetValue<long>().ShouldBe(499);
        var grants = (await Admin.FetchAsync($"/v1/accounts/{account}/entries?type=grant")).Is(200).Node("data").AsArray();
        grants.Count(g => g!["reference"]?.GetValue<string>() == $"dodo:{dodoPayment}").ShouldBe(1);
        (await Admin.FetchAsync($"/v1/payments?account={account}")).Is(200).Node("data").AsArray().Count.ShouldBe(1);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_same_webhook_delivered_100_times_at_once_and_100_deliveries_of_one_payment_grant_once()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(300, 299);
        var opened = (await Admin.PostAsync("/v1/checkout", new { account, packageId = package })).Is(201);
        var payment = opened.Node("paymentId").GetValue<string>();
        var dodoPayment = $"pay_{Guid.NewGuid():N}";
        var body = DodoPayloads.PaymentSucceeded(dodoPayment, account, payment, $"prod_{package}", 299);

        var sameId = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => DeliverAsync("msg_same", body)));
        var distinctIds = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => DeliverAsync($"msg_{i}_{Guid.NewGuid():N}", body)));

        sameId.Concat(distinctIds).ShouldAllBe(a => a.Code == 200);
        sameId.Count(a => !a.Node("duplicate").GetValue<bool>()).ShouldBe(1);
        (await DeliverAsync("msg_same", body)).Is(200).Node("duplicate").GetValue<bool>().ShouldBeTrue();
        (await BalanceAsync(account)).ShouldBe(300);
        (await Admin.FetchAsync("/v1/webhook-events/dodo/msg_same")).Is(200).Node("status").GetValue<string>().ShouldBe("applied");
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_retried_payment_succeeded_that_already_lists_its_refund_grants_once_and_claws_back_once()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(1000, 1000);
        var (payment, dodoPayment) = await BuyAsync(account, package);
        var paid = DodoSandbox.ListEvents().Events.Single(e => e.Type == "payment.succeeded" && e.ObjectId == dodoPayment);

        (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{dodoPayment}/refund", new { amount = 250, duplicates = 3 })).Is(200);
        (await Admin.PostAsync($"{Sandbox}/sandbox/events/{paid.WebhookId}/redeliver", new { duplicates = 3 })).Is(200);

        (await BalanceAsync(account)).ShouldBe(750);
        var read = (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200);
        read.Node("status").GetValue<string>().ShouldBe("partially_refunded");
        read.Node("refunded.amount").GetValue<long>().ShouldBe(250);
        read.Node("creditsClawedBack").GetValue<long>().ShouldBe(250);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Partial_refunds_claw_back_the_delta_of_the_cumulative_refunded_amount()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(100, 300);
        var (payment, dodoPayment) = await BuyAsync(account, package);

        // Three refunds of a third each: 33 + 34 + 33 credits, 100 in all (not 3 × 33).
        for (var i = 0; i < 3; i++)
        {
            (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{dodoPayment}/refund", new { amount = 100 })).Is(200);
        }

        (await BalanceAsync(account)).ShouldBe(0);
        var read = (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200);
        read.Node("status").GetValue<string>().ShouldBe("refunded");
        read.Node("creditsClawedBack").GetValue<long>().ShouldBe(100);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_refund_racing_redeliveries_of_its_payment_leaves_one_clawback_and_the_refund_status()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(1000, 1000);
        var (payment, dodoPayment) = await BuyAsync(account, package);
        var paid = DodoSandbox.ListEvents().Events.Single(e => e.Type == "payment.succeeded" && e.ObjectId == dodoPayment);

        var refund = Admin.PostAsync($"{Sandbox}/sandbox/payments/{dodoPayment}/refund", new { amount = 250, duplicates = 5 });
        var redeliveries = Enumerable.Range(0, 5).Select(_ => Admin.PostAsync($"{Sandbox}/sandbox/events/{paid.WebhookId}/redeliver", new { duplicates = 3 })).ToList();
        await Task.WhenAll([refund, .. redeliveries]);
        (await Admin.PostAsync($"{Sandbox}/sandbox/events/{paid.WebhookId}/redeliver", new { })).Is(200);

        (await BalanceAsync(account)).ShouldBe(750);
        var read = (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200);
        read.Node("status").GetValue<string>().ShouldBe("partially_refunded");
        read.Node("creditsClawedBack").GetValue<long>().ShouldBe(250);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_refund_after_the_credits_were_spent_takes_what_is_left_and_records_the_rest()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(400, 400);
        var (payment, dodoPayment) = await BuyAsync(account, package);
        (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 300 })).Is(201);

        (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{dodoPayment}/refund", new { })).Is(200);

        (await BalanceAsync(account)).ShouldBe(0);
        var read = (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200);
        read.Node("status").GetValue<string>().ShouldBe("refunded");
        read.Node("creditsClawedBack").GetValue<long>().ShouldBe(100);
        read.Node("creditsUnrecovered").GetValue<long>().ShouldBe(300);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_dispute_freezes_while_open_and_a_lost_one_claws_back_net_of_refunds()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(1000, 1000);
        var (_, won) = await BuyAsync(account, package);
        var dispute = (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{won}/dispute", new { statuses = new[] { "opened" } })).Is(200).Node("dispute.dispute_id").GetValue<string>();
        (await Admin.FetchAsync($"/v1/accounts/{account}")).Is(200).Node("frozen").GetValue<bool>().ShouldBeTrue();
        (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{won}/dispute", new { statuses = new[] { "challenged", "won" }, dispute_id = dispute })).Is(200);
        (await Admin.FetchAsync($"/v1/accounts/{account}")).Is(200).Node("frozen").GetValue<bool>().ShouldBeFalse();
        (await BalanceAsync(account)).ShouldBe(1000);

        var (lostPayment, lost) = await BuyAsync(account, package);
        (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{lost}/refund", new { amount = 300 })).Is(200);
        (await Admin.PostAsync($"{Sandbox}/sandbox/payments/{lost}/dispute", new { statuses = new[] { "opened", "lost" } })).Is(200);

        (await BalanceAsync(account)).ShouldBe(1000, "the lost dispute took the 700 the refund had not");
        (await Admin.FetchAsync($"/v1/accounts/{account}")).Is(200).Node("frozen").GetValue<bool>().ShouldBeFalse();
        var read = (await Admin.FetchAsync($"/v1/payments/{lostPayment}")).Is(200);
        read.Node("creditsClawedBack").GetValue<long>().ShouldBe(1000);
        read.Node("disputeStatus").GetValue<string>().ShouldBe("lost");
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Forged_stale_wrongly_signed_and_truncated_webhooks_are_401_and_nothing_is_stored()
    {
        var account = await Admin.FundedAsync(0);
        var body = DodoPayloads.PaymentSucceeded($"pay_{Guid.NewGuid():N}", account, "pay_none", "prod_none", 100);
        var id = $"msg_{Guid.NewGuid():N}";

        (await DeliverAsync(id, body, secret: StandardWebhooks.NewSecret())).IsProblem(401, "unauthorized");
        (await DeliverAsync(id, body, tamper: h => h.Select(p => p.Key == "webhook-signature" ? new KeyValuePair<string, string>(p.Key, "v1,AAAA" + p.Value[7..]) : p))).IsProblem(401, "unauthorized");
        (await DeliverAsync(id, body, tamper: h => h.Select(p => p.Key == "webhook-timestamp" ? new KeyValuePair<string, string>(p.Key, (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301).ToString(System.Globalization.CultureInfo.InvariantCulture)) : p))).IsProblem(401, "unauthorized");
        (await DeliverAsync(id, body, tamper: h => h.Where(p => p.Key != "webhook-signature"))).IsProblem(401, "unauthorized");
        var signer = new StandardWebhooks(DodoSandbox.Options.WebhookSecret, TimeProvider.System);
        var headers = signer.SignedHeaders(id, Encoding.UTF8.GetBytes(body));
        using (var truncated = new HttpRequestMessage(HttpMethod.Post, "/webhooks/dodo") { Content = new StringContent(body[..^5], Encoding.UTF8, "application/json") })
        {
            foreach (var (name, value) in headers)
            {
                truncated.Headers.TryAddWithoutValidation(name, value);
            }

            ((int)(await Server.Client(null).SendAsync(truncated)).StatusCode).ShouldBe(401);
        }

        (await Admin.FetchAsync($"/v1/webhook-events/dodo/{id}")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task A_grant_the_ledger_refuses_answers_5xx_claims_nothing_and_the_retry_applies_it()
    {
        var account = await Admin.FundedAsync(999_000);
        var package = await PackageAsync(2000, 1999);
        var opened = (await Admin.PostAsync("/v1/checkout", new { account, packageId = package })).Is(201);
        var body = DodoPayloads.PaymentSucceeded($"pay_{Guid.NewGuid():N}", account, opened.Node("paymentId").GetValue<string>(), $"prod_{package}", 1999);
        var id = $"msg_{Guid.NewGuid():N}";

        (await DeliverAsync(id, body)).IsProblem(500, "effect_failed");
        (await Admin.FetchAsync($"/v1/webhook-events/dodo/{id}")).Is(200).Node("status").GetValue<string>().ShouldBe("failed");
        (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 5000 })).Is(201);
        (await DeliverAsync(id, body)).Is(200).Node("status").GetValue<string>().ShouldBe("applied");
        (await DeliverAsync(id, body)).Is(200).Node("duplicate").GetValue<bool>().ShouldBeTrue();

        (await BalanceAsync(account)).ShouldBe(999_000 - 5000 + 2000);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task The_reconciler_applies_a_payment_whose_webhook_never_came_and_the_late_webhook_adds_nothing()
    {
        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(700, 700);
        var (payment, dodoPayment) = await BuyAsync(account, package, new { deliver = false });
        (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200).Node("status").GetValue<string>().ShouldBe("pending");

        var report = (await Admin.PostAsync("/v1/payments/reconcile")).Is(200);
        report.Node("paymentsApplied").GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
        (await BalanceAsync(account)).ShouldBe(700);

        var late = DodoSandbox.ListEvents().Events.Single(e => e.Type == "payment.succeeded" && e.ObjectId == dodoPayment);
        (await Admin.PostAsync($"{Sandbox}/sandbox/events/{late.WebhookId}/redeliver", new { duplicates = 5 })).Is(200);
        (await Admin.PostAsync("/v1/payments/reconcile")).Is(200);
        (await BalanceAsync(account)).ShouldBe(700);
        (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200).Node("status").GetValue<string>().ShouldBe("succeeded");
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Unknown_event_types_are_stored_and_acknowledged_and_an_admin_can_apply_a_stored_one_again()
    {
        var id = $"msg_{Guid.NewGuid():N}";
        var unknown = """{"business_id":"bus_test","type":"license_key.created","timestamp":"2026-12-02T00:00:00Z","data":{"payload_type":"LicenseKey","id":"lic_1"}}""";
        (await DeliverAsync(id, unknown)).Is(200).Node("status").GetValue<string>().ShouldBe("ignored");
        var stored = (await Admin.FetchAsync($"/v1/webhook-events/dodo/{id}")).Is(200);
        stored.Node("type").GetValue<string>().ShouldBe("license_key.created");
        stored.Node("payload").GetValue<string>().ShouldBe(unknown);
        (await Admin.FetchAsync("/v1/webhook-events?limit=200")).Is(200).Node("data").AsArray().ShouldContain(e => e!["id"]!.GetValue<string>() == id);

        var account = await Admin.FundedAsync(0);
        var package = await PackageAsync(100, 100);
        var (payment, dodoPayment) = await BuyAsync(account, package);
        var paid = DodoSandbox.ListEvents().Events.Single(e => e.Type == "payment.succeeded" && e.ObjectId == dodoPayment);
        (await Admin.PostAsync($"/v1/webhook-events/dodo/{paid.WebhookId}/reprocess")).Is(200).Node("status").GetValue<string>().ShouldBe("applied");
        (await BalanceAsync(account)).ShouldBe(100);
        (await Admin.FetchAsync($"/v1/payments/{payment}")).Is(200).Node("status").GetValue<string>().ShouldBe("succeeded");
        (await Admin.PostAsync("/v1/webhook-events/dodo/nope/reprocess")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task Checkout_prices_on_the_server_and_keeps_to_the_purchase_limits_and_the_token_account()
    {
        var account = await Admin.FundedAsync(0);
        var custom = (await Admin.PostAsync("/v1/checkout", new { account, customCredits = 1000 })).Is(201);
        custom.Node("price.amount").GetValue<long>().ShouldBe(850);
        (await Admin.PostAsync("/v1/checkout", new { account, customCredits = 1000, price = 1 })).IsProblem(400, "malformed_request");
        (await Admin.PostAsync("/v1/checkout", new { account, customCredits = 9 })).IsProblem(400, "validation_failed").Node("errors.customCredits").ShouldNotBeNull();
        (await Admin.PostAsync("/v1/checkout", new { account, customCredits = 10_001 })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync("/v1/checkout", new { account })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync("/v1/checkout", new { account, packageId = "no-such-pack" })).IsProblem(404, "not_found");

        var token = (await Admin.PostAsync($"/v1/accounts/{account}/client-tokens", new { })).Is(201).Node("token").GetValue<string>();
        var browser = Server.Client(token);
        (await browser.PostAsync("/v1/checkout", new { account, customCredits = 100 })).Is(201);
        (await browser.PostAsync("/v1/checkout", new { account = "someone-else", customCredits = 100 })).IsProblem(403, "forbidden");

        var session = custom.Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        (await Admin.PostAsync($"{Sandbox}/sandbox/checkouts/{session}/pay", new { })).Is(200);
        (await BalanceAsync(account)).ShouldBe(1000);
    }
}
