using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Payments.Dodo.Webhooks;
using Tally.Payments.Providers;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class DodoWebhookReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _secret = StandardWebhooks.NewSecret();
    private readonly FakeTimeProvider _clock = new(Now);

    [Fact]
    public void A_payment_maps_with_its_customer_product_metadata_refunds_and_disputes()
    {
        var e = Read("payment.succeeded", """
            {"payload_type":"Payment","payment_id":"pay_1","business_id":"bus_1","total_amount":999,"currency":"USD",
             "status":"succeeded","customer":{"customer_id":"cus_1","email":"a@b.c","name":"A"},
             "metadata":{"tally_account":"acct_1"},"subscription_id":null,
             "product_cart":[{"product_id":"pdt_1","quantity":1}],
             "refunds":[{"refund_id":"ref_1","payment_id":"pay_1","business_id":"bus_1","status":"succeeded","amount":300,"currency":"USD","is_partial":true,"created_at":"2026-04-01T11:00:00Z"}],
             "disputes":[{"dispute_id":"dsp_1","payment_id":"pay_1","business_id":"bus_1","amount":"999","currency":"USD","dispute_status":"dispute_opened","dispute_stage":"dispute","created_at":"2026-04-01T11:30:00Z"}],
             "created_at":"2026-04-01T10:00:00.000Z","some_new_field":{"x":1}}
            """).ShouldBeOfType<PaymentEvent>();

        e.EventId.ShouldBe("msg_1");
        e.Type.ShouldBe("payment.succeeded");
        e.OccurredAt.ShouldBe(Now);
        var p = e.Payment;
        p.PaymentId.ShouldBe("pay_1");
        p.Status.ShouldBe(PaymentState.Succeeded);
        p.TotalAmountMinor.ShouldBe(999);
        p.Currency.ShouldBe("USD");
        p.CustomerId.ShouldBe("cus_1");
        p.SubscriptionId.ShouldBeNull();
        p.ProductId.ShouldBe("pdt_1");
        p.Metadata["tally_account"].ShouldBe("acct_1");
        p.Refunds.ShouldHaveSingleItem().ShouldBe(new ProviderRefund("ref_1", "pay_1", RefundState.Succeeded, 300, "USD", new DateTimeOffset(2026, 4, 1, 11, 0, 0, TimeSpan.Zero)));
        p.Disputes.ShouldHaveSingleItem().Status.ShouldBe(DisputeState.Opened);
        p.CreatedAt.ShouldBe(new DateTimeOffset(2026, 4, 1, 10, 0, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("succeeded", PaymentState.Succeeded)]
    [InlineData("failed", PaymentState.Failed)]
    [InlineData("cancelled", PaymentState.Cancelled)]
    [InlineData("processing", PaymentState.Processing)]
    [InlineData("requires_customer_action", PaymentState.Pending)]
    [InlineData("something_dodo_adds_later", PaymentState.Pending)]
    public void Payment_statuses_map_and_unknown_ones_count_as_pending(string status, PaymentState expected)
    {
        var e = Read("payment.succeeded", $$"""{"payload_type":"Payment","payment_id":"pay_1","total_amount":1,"currency":"USD","status":"{{status}}","created_at":"2026-04-01T10:00:00Z"}""");
        e.ShouldBeOfType<PaymentEvent>().Payment.Status.ShouldBe(expected);
    }

    [Fact]
    public void A_subscription_maps_its_billing_dates_to_the_period()
    {
        var e = Read("subscription.renewed", """
            {"payload_type":"Subscription","subscription_id":"sub_1","product_id":"pdt_m","quantity":1,"status":"active",
             "customer":{"customer_id":"cus_1","email":"a@b.c","name":"A"},"metadata":{"k":"v"},
             "previous_billing_date":"2026-03-01T00:00:00Z","next_billing_date":"2026-04-01T00:00:00Z",
             "cancel_at_next_billing_date":true,"payment_frequency_interval":"Month","created_at":"2026-01-01T00:00:00Z"}
            """).ShouldBeOfType<SubscriptionEvent>();

        e.Subscription.ShouldBe(e.Subscription with
        {
            SubscriptionId = "sub_1",
            ProductId = "pdt_m",
            Status = SubscriptionState.Active,
            CustomerId = "cus_1",
            PeriodStart = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
            PeriodEnd = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero),
            CancelAtPeriodEnd = true,
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        e.Subscription.Metadata["k"].ShouldBe("v");
    }

    [Theory]
    [InlineData("pending", SubscriptionState.Pending)]
    [InlineData("active", SubscriptionState.Active)]
    [InlineData("on_hold", SubscriptionState.OnHold)]
    [InlineData("paused", SubscriptionState.Paused)]
    [InlineData("past_due", SubscriptionState.PastDue)]
    [InlineData("cancelled", SubscriptionState.Cancelled)]
    [InlineData("failed", SubscriptionState.Failed)]
    [InlineData("expired", SubscriptionState.Expired)]
    public void Subscription_statuses_map(string status, SubscriptionState expected) =>
        Read("subscription.updated", Subscription(status)).ShouldBeOfType<SubscriptionEvent>().Subscription.Status.ShouldBe(expected);

    [Fact]
    public void A_subscription_in_an_unknown_status_is_stored_as_another_event_not_guessed()
    {
        var e = Read("subscription.updated", Subscription("hibernating"));
        e.ShouldBeOfType<OtherEvent>().Type.ShouldBe("subscription.updated");
    }

    [Fact]
    public void A_refund_maps_with_its_amount()
    {
        var e = Read("refund.succeeded", """
            {"payload_type":"Refund","refund_id":"ref_1","payment_id":"pay_1","business_id":"bus_1","status":"succeeded",
             "amount":250,"currency":"USD","is_partial":true,"reason":null,"created_at":"2026-04-01T10:00:00Z",
             "customer":{"customer_id":"cus_1","email":"a@b.c","name":"A"},"metadata":{}}
            """).ShouldBeOfType<RefundEvent>();
        e.Refund.ShouldBe(new ProviderRefund("ref_1", "pay_1", RefundState.Succeeded, 250, "USD", new DateTimeOffset(2026, 4, 1, 10, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("review", RefundState.Pending)]
    [InlineData("pending", RefundState.Pending)]
    [InlineData("failed", RefundState.Failed)]
    [InlineData("brand_new", RefundState.Pending)]
    public void Refund_statuses_map_and_unknown_ones_count_as_pending(string status, RefundState expected) =>
        Read("refund.failed", $$"""{"payload_type":"Refund","refund_id":"r","payment_id":"p","status":"{{status}}","amount":1,"created_at":"2026-04-01T10:00:00Z"}""")
            .ShouldBeOfType<RefundEvent>().Refund.Status.ShouldBe(expected);

    [Fact]
    public void A_refund_without_an_amount_is_refused_rather_than_clawing_back_a_guess() =>
        ReadRaw("refund.succeeded", """{"payload_type":"Refund","refund_id":"r","payment_id":"p","status":"succeeded","created_at":"2026-04-01T10:00:00Z"}""")
            .Refusal.ShouldBe("malformed payload");

    [Theory]
    [InlineData("dispute_opened", DisputeState.Opened)]
    [InlineData("dispute_challenged", DisputeState.Challenged)]
    [InlineData("dispute_won", DisputeState.Won)]
    [InlineData("dispute_lost", DisputeState.Lost)]
    [InlineData("dispute_accepted", DisputeState.Accepted)]
    [InlineData("dispute_expired", DisputeState.Expired)]
    [InlineData("dispute_cancelled", DisputeState.Cancelled)]
    public void Dispute_statuses_map(string status, DisputeState expected) =>
        Read("dispute.opened", Dispute(status, "999")).ShouldBeOfType<DisputeEvent>().Dispute.Status.ShouldBe(expected);

    [Theory]
    [InlineData("999", "USD", 999)]
    [InlineData("10.50", "USD", 1050)]
    [InlineData("10.5", "USD", 1050)]
    [InlineData("10.500", "USD", 1050)]
    [InlineData("12", "USD", 12)]
    [InlineData("500", "JPY", 500)]
    [InlineData("1.234", "KWD", 1234)]
    [InlineData("92233720368547758", "USD", 92233720368547758)]
    public void A_dispute_amount_string_becomes_exact_minor_units(string amount, string currency, long expected) =>
        Read("dispute.opened", Dispute("dispute_opened", amount, currency)).ShouldBeOfType<DisputeEvent>().Dispute.AmountMinor.ShouldBe(expected);

    [Theory]
    [InlineData("10.505")]
    [InlineData("1e3")]
    [InlineData("-5")]
    [InlineData("")]
    [InlineData("ten")]
    [InlineData("99999999999999999999")]
    public void A_dispute_amount_that_is_not_exact_minor_units_is_refused(string amount) =>
        ReadRaw("dispute.opened", Dispute("dispute_opened", amount)).Refusal.ShouldBe("malformed payload");

    [Fact]
    public void A_dispute_in_an_unknown_status_is_stored_as_another_event() =>
        Read("dispute.appealed", Dispute("dispute_appealed", "1")).ShouldBeOfType<OtherEvent>();

    [Theory]
    [InlineData("license_key.created", "LicenseKey")]
    [InlineData("payout.created", "Payout")]
    [InlineData("credit.added", "CreditLedgerEntry")]
    [InlineData("something.new", "SomethingNew")]
    public void Other_payload_types_become_other_events(string type, string payloadType)
    {
        var e = Read(type, $$"""{"payload_type":"{{payloadType}}","id":"x","amount":"whatever"}""");
        e.ShouldBe(new OtherEvent("msg_1", type, Now));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"business_id\":\"b\",\"type\":\"payment.succeeded\"")]
    [InlineData("[]")]
    [InlineData("null")]
    public void Malformed_json_under_a_valid_signature_is_refused(string body) =>
        ReadBody(body).Refusal.ShouldBe("malformed payload");

    [Theory]
    [InlineData("""{"payload_type":"Payment","total_amount":1,"currency":"USD","created_at":"2026-04-01T10:00:00Z"}""")]
    [InlineData("""{"payload_type":"Payment","payment_id":"p","total_amount":"1","currency":"USD","created_at":"2026-04-01T10:00:00Z"}""")]
    [InlineData("""{"payload_type":"Payment","payment_id":"p","total_amount":1.5,"currency":"USD","created_at":"2026-04-01T10:00:00Z"}""")]
    [InlineData("""{"payload_type":"Payment","payment_id":"p","total_amount":1,"currency":"USD","created_at":"2026-04-01T10:00:00Z","metadata":{"n":1}}""")]
    [InlineData("""{"payload_type":"Subscription","subscription_id":"s","product_id":"p","status":"active","created_at":"2026-04-01T10:00:00Z"}""")]
    public void A_payload_missing_a_required_field_or_with_a_wrong_type_is_refused(string data) =>
        ReadRaw("payment.succeeded", data).Refusal.ShouldBe("malformed payload");

    [Fact]
    public void A_bad_signature_is_refused_before_parsing()
    {
        var body = Encoding.UTF8.GetBytes(Envelope("payment.succeeded", "{}"));
        var headers = Headers(body);
        headers["webhook-signature"] = "v1," + Convert.ToBase64String(new byte[32]);
        new DodoWebhookReader(_secret, _clock).Read(headers, body).Refusal.ShouldBe("no matching signature");
    }

    [Fact]
    public void A_missing_header_is_refused() =>
        new DodoWebhookReader(_secret, _clock).Read(new Dictionary<string, string>(), "{}"u8).Refusal.ShouldBe("missing webhook-id header");

    private ProviderEvent Read(string type, string data)
    {
        var read = ReadRaw(type, data);
        read.Refusal.ShouldBeNull();
        return read.Event!;
    }

    private WebhookRead ReadRaw(string type, string data) => ReadBody(Envelope(type, data));

    private WebhookRead ReadBody(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        return new DodoWebhookReader(_secret, _clock).Read(Headers(body), body);
    }

    private Dictionary<string, string> Headers(byte[] body) =>
        new StandardWebhooks(_secret, _clock).SignedHeaders("msg_1", body).ToDictionary(h => h.Key, h => h.Value);

    private static string Envelope(string type, string data) =>
        $$"""{"business_id":"bus_1","type":"{{type}}","timestamp":"2026-04-01T12:00:00.000Z","data":{{data}}}""";

    private static string Subscription(string status) =>
        $$"""{"payload_type":"Subscription","subscription_id":"sub_1","product_id":"p","status":"{{status}}","previous_billing_date":"2026-03-01T00:00:00Z","next_billing_date":"2026-04-01T00:00:00Z","created_at":"2026-01-01T00:00:00Z"}""";

    private static string Dispute(string status, string amount, string currency = "USD") =>
        $$"""{"payload_type":"Dispute","dispute_id":"dsp_1","payment_id":"pay_1","business_id":"bus_1","amount":"{{amount}}","currency":"{{currency}}","dispute_status":"{{status}}","dispute_stage":"dispute","created_at":"2026-04-01T10:00:00Z"}""";
}
