using System.Net;
using Shouldly;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Tests.Infrastructure;
using Tally.Payments.Providers;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class SandboxCheckoutTests
{
    [Fact]
    public async Task Checkout_page_offers_the_four_buttons_and_paying_redirects_back_with_the_payment()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        session.CheckoutUrl.AbsoluteUri.ShouldBe(new Uri(h.Host.BaseUrl, "checkout/" + session.SessionId).AbsoluteUri);

        var html = await h.Http.GetStringAsync(session.CheckoutUrl);
        html.ShouldContain("1,000 credits");
        html.ShouldContain("9.99 USD");
        foreach (var label in new[] { ">Pay<", ">Fail<", ">Pay then refund<", ">Dispute<" })
            html.ShouldContain(label);

        using var paid = await h.Http.PostAsync(new Uri(session.CheckoutUrl + "/pay"), null);
        paid.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var location = paid.Headers.Location!.AbsoluteUri;
        location.ShouldStartWith("https://app.example/after-checkout?payment_id=pay_");
        location.ShouldEndWith("&status=succeeded");
        var paymentId = location.Split("payment_id=")[1].Split('&')[0];

        var payment = (await h.Client.GetPaymentAsync(paymentId, CancellationToken.None))!;
        payment.Status.ShouldBe(PaymentState.Succeeded);
        payment.TotalAmountMinor.ShouldBe(999);
        payment.ProductId.ShouldBe("pdt_credits");
        payment.Metadata["tally_account"].ShouldBe("acct_1");
        payment.Metadata["tally_payment"].ShouldBe("tp_1");
        (await h.Client.GetCheckoutAsync(session.SessionId, CancellationToken.None))!.PaymentStatus.ShouldBe("succeeded");

        var e = h.DeliveredEvents().ShouldHaveSingleItem().ShouldBeOfType<PaymentEvent>();
        e.Type.ShouldBe("payment.succeeded");
        e.Payment.ShouldBe(payment with { Refunds = e.Payment.Refunds, Disputes = e.Payment.Disputes, Metadata = e.Payment.Metadata });
    }

    [Fact]
    public async Task The_fail_button_sends_payment_failed_and_redirects_with_status_failed()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        using var failed = await h.Http.PostAsync(new Uri(session.CheckoutUrl + "/fail"), null);
        failed.Headers.Location!.AbsoluteUri.ShouldEndWith("&status=failed");
        var e = h.DeliveredEvents().ShouldHaveSingleItem().ShouldBeOfType<PaymentEvent>();
        e.Type.ShouldBe("payment.failed");
        e.Payment.Status.ShouldBe(PaymentState.Failed);
    }

    [Fact]
    public async Task Pay_then_refund_sends_the_payment_then_a_full_refund()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        (await h.Http.PostAsync(new Uri(session.CheckoutUrl + "/pay-refund"), null)).Dispose();
        var events = h.DeliveredEvents();
        events.Select(e => e.Type).ShouldBe(["payment.succeeded", "refund.succeeded"]);
        events[1].ShouldBeOfType<RefundEvent>().Refund.AmountMinor.ShouldBe(999);
    }

    [Fact]
    public async Task The_dispute_button_pays_then_opens_a_dispute_for_the_whole_payment()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        (await h.Http.PostAsync(new Uri(session.CheckoutUrl + "/dispute"), null)).Dispose();
        var events = h.DeliveredEvents();
        events.Select(e => e.Type).ShouldBe(["payment.succeeded", "dispute.opened"]);
        var dispute = events[1].ShouldBeOfType<DisputeEvent>().Dispute;
        dispute.Status.ShouldBe(DisputeState.Opened);
        dispute.AmountMinor.ShouldBe(999);
    }

    [Fact]
    public async Task A_paid_session_cannot_be_paid_again()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        await h.ControlAsync($"checkouts/{session.SessionId}/pay");
        (await h.ControlRawAsync($"checkouts/{session.SessionId}/pay")).Status.ShouldBe(409);
    }

    [Fact]
    public async Task A_custom_amount_is_sold_as_the_pay_what_you_want_product()
    {
        await using var h = await SandboxHarness.StartAsync();
        var session = await h.Provider.CreateCheckoutAsync(new CheckoutRequest("", 12345, new Dictionary<string, string>(), null,
            new ProductTerms("Custom credits", 12345, "USD", null)), CancellationToken.None);
        var paid = await h.ControlAsync($"checkouts/{session.SessionId}/pay");
        paid.Payment!.TotalAmount.ShouldBe(12345);
        paid.Payment.ProductCart![0].ProductId.ShouldBe("pdt_custom");
        h.Sandbox.GetProduct("pdt_custom")!.PayWhatYouWant.ShouldBeTrue();
    }

    [Fact]
    public async Task Unknown_payments_and_subscriptions_read_as_null()
    {
        await using var h = await SandboxHarness.StartAsync();
        (await h.Client.GetPaymentAsync("pay_nope", CancellationToken.None)).ShouldBeNull();
        (await h.Client.GetSubscriptionAsync("sub_nope", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task A_checkout_for_an_unknown_product_throws_a_provider_exception_with_the_status()
    {
        await using var h = await SandboxHarness.StartAsync();
        var e = await Should.ThrowAsync<PaymentProviderException>(() => h.Client.CreateCheckoutAsync(
            new CheckoutRequest("pdt_unknown", null, new Dictionary<string, string>(), null, SandboxHarness.Credits), CancellationToken.None));
        e.StatusCode.ShouldBe(404);
        e.Operation.ShouldBe("POST checkouts");
        e.BodyExcerpt!.ShouldContain("product pdt_unknown not found");
    }

    [Fact]
    public async Task The_api_refuses_a_wrong_api_key()
    {
        await using var h = await SandboxHarness.StartAsync();
        var client = new DodoClient(h.Http, Microsoft.Extensions.Options.Options.Create(new DodoOptions { ApiKey = "wrong", BaseUrl = h.Host.BaseUrl }));
        (await Should.ThrowAsync<PaymentProviderException>(() => client.GetPaymentAsync("pay_1", CancellationToken.None))).StatusCode.ShouldBe(401);
    }

    [Fact]
    public async Task The_customer_portal_link_opens_the_customers_billing_page()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_monthly", SandboxHarness.Monthly);
        var link = await h.Client.CustomerPortalAsync(paid.Payment!.Customer!.CustomerId, new Uri("https://app.example/account"), CancellationToken.None);
        var html = await h.Http.GetStringAsync(link);
        html.ShouldContain("pdt_monthly");
        html.ShouldContain("https://app.example/account");
    }

    [Fact]
    public async Task The_sandbox_works_mounted_at_the_root()
    {
        await using var h = await SandboxHarness.StartAsync(prefix: "");
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        (await h.Client.GetPaymentAsync(paid.Payment!.PaymentId, CancellationToken.None))!.Status.ShouldBe(PaymentState.Succeeded);
    }

    [Fact]
    public async Task Products_can_be_registered_over_http_and_read_back()
    {
        await using var h = await SandboxHarness.StartAsync();
        var product = await h.Provider.UpsertProductAsync("pdt_y", SandboxHarness.Yearly, payWhatYouWant: false, CancellationToken.None);
        product.ShouldBe(new SandboxProduct("pdt_y", "Pro yearly", 20000, "USD", "Year", false));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(h.Host.BaseUrl, "products/pdt_y"));
        request.Headers.Authorization = SandboxHarness.Bearer;
        using var response = await h.Http.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"recurring_interval\":\"Year\"");
    }
}
