using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>CREDIT_CLAWBACK_POLICY=debt with CREDIT_AUTO_FREEZE_ON_DEBT: a refund of spent credits is owed, and the account freezes.</summary>
public sealed class DebtPolicyTests(DebtPolicyServerFixture server) : IClassFixture<DebtPolicyServerFixture>
{
    [Fact]
    public async Task A_refund_of_credits_already_spent_drives_the_balance_negative_and_freezes_the_account()
    {
        using var admin = server.Client();
        var account = await admin.FundedAsync(0);
        var package = $"pk-{Guid.NewGuid():N}"[..20];
        (await admin.PostAsync("/v1/packages", new { id = package, name = "pack", credits = 400, price = new { amount = 400 }, dodoProductId = $"prod_{package}" })).Is(201);
        var opened = (await admin.PostAsync("/v1/checkout", new { account, packageId = package })).Is(201);
        var session = opened.Node("checkoutUrl").GetValue<string>().Split('/')[^1];
        var dodoPayment = (await admin.PostAsync($"/sandbox/dodo/sandbox/checkouts/{session}/pay", new { })).Is(200).Node("payment.payment_id").GetValue<string>();
        (await admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 300 })).Is(201);

        (await admin.PostAsync($"/sandbox/dodo/sandbox/payments/{dodoPayment}/refund", new { amount = 200 })).Is(200);
        (await admin.FetchAsync($"/v1/accounts/{account}/balance")).Is(200).Dec("balances.0.total").ShouldBe(-100);
        (await admin.FetchAsync($"/v1/accounts/{account}")).Is(200).Node("frozen").GetValue<bool>().ShouldBeTrue();
        var payment = (await admin.FetchAsync($"/v1/payments/{opened.Node("paymentId").GetValue<string>()}")).Is(200);
        payment.Node("creditsClawedBack").GetValue<long>().ShouldBe(200);
        payment.Node("creditsUnrecovered").GetValue<long>().ShouldBe(0);

        (await server.Ledger.VerifyAsync()).Violations.ShouldBeEmpty();
    }
}

/// <summary>TALLY_PAYMENTS_SANDBOX=false without DODO_API_KEY: nothing can be bought, no sandbox is reachable, every webhook is refused.</summary>
public sealed class PaymentsOffTests(PaymentsOffServerFixture server) : IClassFixture<PaymentsOffServerFixture>
{
    [Fact]
    public async Task Selling_off_means_no_checkout_no_sandbox_and_no_webhook()
    {
        using var admin = server.Client();
        var account = await admin.FundedAsync(0);

        (await admin.PostAsync("/v1/checkout", new { account, customCredits = 100 })).IsProblem(503, "payments_disabled");
        (await admin.PostAsync("/sandbox/dodo/checkouts", new { })).IsProblem(404, "not_found");
        (await server.Client(null).SendAsync(HttpMethod.Post, "/webhooks/dodo", rawBody: "{}")).IsProblem(401, "unauthorized");
        (await admin.FetchAsync("/v1/packages")).Is(200);
    }
}
