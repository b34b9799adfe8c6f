using System.Text.Json;
using Shouldly;
using Tally.Payments.Dodo.Tests.Infrastructure;
using Tally.Payments.Providers;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class SandboxDeliveryTests
{
    [Fact]
    public async Task Every_webhook_verifies_with_the_sandbox_secret_and_carries_dodos_headers()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PayAsync("pdt_monthly", SandboxHarness.Monthly);
        var received = h.Receiver.Received;
        received.Count.ShouldBe(2);
        foreach (var r in received)
        {
            r.Headers["webhook-id"].ShouldStartWith("msg_");
            r.Headers["webhook-timestamp"].ShouldBe(SandboxHarness.Start.ToUnixTimeSeconds().ToString());
            r.Headers["webhook-signature"].ShouldStartWith("v1,");
            r.Headers["content-type"].ShouldStartWith("application/json");
            h.Reader.Read(r.Headers, r.Body).Refusal.ShouldBeNull();
        }

        received.Select(r => r.WebhookId).Distinct().Count().ShouldBe(2);
    }

    [Fact]
    public async Task Duplicates_share_one_webhook_id_and_body()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits, """{"duplicates":3}""");
        var received = h.Receiver.Received;
        received.Count.ShouldBe(3);
        received.Select(r => r.WebhookId).Distinct().ShouldHaveSingleItem().ShouldBe(paid.Events[0].WebhookId);
        received.Select(r => r.Text).Distinct().ShouldHaveSingleItem();
        paid.Events[0].Attempts.Select(a => a.Copy).Order().ShouldBe([0, 1, 2]);
    }

    [Fact]
    public async Task Reverse_sends_a_calls_events_last_first()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_monthly", SandboxHarness.Monthly, """{"reverse":true}""");
        paid.Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.active"]);
        h.Receiver.Received.Select(r => r.Type).ShouldBe(["subscription.active", "payment.succeeded"]);
    }

    [Fact]
    public async Task A_lost_webhook_is_recorded_unsent_while_the_api_shows_the_new_state()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits, """{"deliver":false}""");
        h.Receiver.Received.ShouldBeEmpty();
        (await h.Client.GetPaymentAsync(paid.Payment!.PaymentId, CancellationToken.None))!.Status.ShouldBe(PaymentState.Succeeded);

        var recorded = h.Sandbox.ListEvents().Events.ShouldHaveSingleItem();
        recorded.Type.ShouldBe("payment.succeeded");
        recorded.Delivered.ShouldBeFalse();
        recorded.Attempts.ShouldBeEmpty();
    }

    [Fact]
    public async Task Redelivery_carries_the_objects_latest_state()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        var webhookId = paid.Events[0].WebhookId;
        await h.ControlAsync($"payments/{paid.Payment!.PaymentId}/refund", """{"amount":400}""");

        var redelivered = await h.ControlAsync($"events/{webhookId}/redeliver");
        redelivered.Events.ShouldHaveSingleItem().Attempts.Last().Kind.ShouldBe("redelivery");

        var payments = h.DeliveredEvents().OfType<PaymentEvent>().ToList();
        payments.Count.ShouldBe(2);
        payments.Select(e => e.EventId).Distinct().ShouldHaveSingleItem().ShouldBe(webhookId);
        payments[0].Payment.Refunds.ShouldBeEmpty();
        payments[1].Payment.Refunds.ShouldHaveSingleItem().AmountMinor.ShouldBe(400);
        payments[1].Type.ShouldBe("payment.succeeded");
    }

    [Fact]
    public async Task A_lost_webhook_redelivered_later_arrives_once_with_its_id()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits, """{"deliver":false}""");
        await h.ControlAsync($"events/{paid.Events[0].WebhookId}/redeliver", """{"duplicates":2}""");
        h.Receiver.Received.Select(r => r.WebhookId).ShouldBe([paid.Events[0].WebhookId, paid.Events[0].WebhookId]);
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_until_it_is_acknowledged()
    {
        await using var h = await SandboxHarness.StartAsync(retries: 3);
        h.Receiver.FailFirst = 2;
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);

        var e = paid.Events.ShouldHaveSingleItem();
        e.Delivered.ShouldBeTrue();
        e.Attempts.Select(a => (a.Kind, a.StatusCode)).ShouldBe([("first", 500), ("retry", 500), ("retry", 204)]);
        h.Receiver.Received.Select(r => r.WebhookId).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Delivery_gives_up_after_the_configured_retries()
    {
        await using var h = await SandboxHarness.StartAsync(retries: 2);
        h.Receiver.FailFirst = int.MaxValue;
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        paid.Events[0].Delivered.ShouldBeFalse();
        paid.Events[0].Attempts.Count.ShouldBe(3);
        h.Receiver.Received.Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_retry_carries_the_latest_state_not_the_emitted_one()
    {
        await using var h = await SandboxHarness.StartAsync(retries: 1);
        h.Receiver.FailFirst = 1;
        var firstArrived = new TaskCompletionSource<ReceivedWebhook>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refunded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Receiver.BeforeAnswer = async webhook =>
        {
            if (firstArrived.TrySetResult(webhook))
                await refunded.Task; // hold the failing first attempt until the refund is made
        };

        var session = await h.CheckoutAsync("pdt_credits", SandboxHarness.Credits);
        var pay = h.ControlAsync($"checkouts/{session.SessionId}/pay");
        var first = h.Read(await firstArrived.Task).ShouldBeOfType<PaymentEvent>();
        await h.ControlAsync($"payments/{first.Payment.PaymentId}/refund", """{"deliver":false}""");
        refunded.SetResult();
        var paid = await pay;

        paid.Events.ShouldHaveSingleItem().Attempts.Select(a => (a.Kind, a.StatusCode)).ShouldBe([("first", 500), ("retry", 204)]);
        first.Payment.Refunds.ShouldBeEmpty();
        var retried = h.DeliveredEvents().ShouldHaveSingleItem().ShouldBeOfType<PaymentEvent>();
        retried.EventId.ShouldBe(first.EventId);
        retried.Payment.Refunds.ShouldHaveSingleItem().AmountMinor.ShouldBe(999);
    }

    [Fact]
    public async Task Deliveries_asked_not_to_be_waited_for_finish_in_the_background()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits, """{"wait":false}""");
        await h.Sandbox.DrainAsync();
        h.DeliveredEvents().ShouldHaveSingleItem().ShouldBeOfType<PaymentEvent>().Payment.PaymentId.ShouldBe(paid.Payment!.PaymentId);
    }

    [Fact]
    public async Task Refunds_fill_the_payments_refunds_from_then_on()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        var id = paid.Payment!.PaymentId;
        var first = await h.ControlAsync($"payments/{id}/refund", """{"amount":300,"reason":"asked"}""");
        first.Refund!.IsPartial.ShouldBeTrue();
        var rest = await h.ControlAsync($"payments/{id}/refund");
        rest.Refund!.Amount.ShouldBe(699);

        var payment = (await h.Client.GetPaymentAsync(id, CancellationToken.None))!;
        payment.Refunds.Select(r => r.AmountMinor).ShouldBe([300, 699]);
        h.DeliveredEvents().OfType<RefundEvent>().Select(e => e.Refund.AmountMinor).ShouldBe([300, 699]);
        (await h.ControlRawAsync($"payments/{id}/refund", """{"amount":1}""")).Status.ShouldBe(422);
    }

    [Fact]
    public async Task A_dispute_walks_its_statuses_one_event_each()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        var answer = await h.ControlAsync($"payments/{paid.Payment!.PaymentId}/dispute", """{"statuses":["opened","challenged","won"],"amount":500}""");
        answer.Dispute!.DisputeStatus.ShouldBe("dispute_won");
        answer.Dispute.Amount.ShouldBe("500");

        var disputes = h.DeliveredEvents().OfType<DisputeEvent>().ToList();
        disputes.Select(e => (e.Type, e.Dispute.Status)).ShouldBe(
            [("dispute.opened", DisputeState.Opened), ("dispute.challenged", DisputeState.Challenged), ("dispute.won", DisputeState.Won)]);
        disputes.ShouldAllBe(e => e.Dispute.AmountMinor == 500 && e.Dispute.PaymentId == paid.Payment.PaymentId);
        (await h.Client.GetPaymentAsync(paid.Payment.PaymentId, CancellationToken.None))!.Disputes.ShouldHaveSingleItem().Status.ShouldBe(DisputeState.Won);
    }

    [Fact]
    public async Task An_unknown_dispute_status_or_too_many_duplicates_is_refused()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_credits", SandboxHarness.Credits);
        (await h.ControlRawAsync($"payments/{paid.Payment!.PaymentId}/dispute", """{"statuses":["appealed"]}""")).Status.ShouldBe(422);
        (await h.ControlRawAsync($"payments/{paid.Payment.PaymentId}/refund", """{"duplicates":1000}""")).Status.ShouldBe(422);
        (await h.ControlRawAsync($"payments/{paid.Payment.PaymentId}/refund", """{"amount":"x"}""")).Status.ShouldBe(400);
    }

    [Fact]
    public async Task The_events_route_lists_every_event_with_its_attempts()
    {
        await using var h = await SandboxHarness.StartAsync();
        await h.PayAsync("pdt_monthly", SandboxHarness.Monthly);
        var json = await h.Http.GetStringAsync(new Uri(h.Host.BaseUrl, "sandbox/events"));
        var list = JsonSerializer.Deserialize(json, DodoJsonContext.Default.SandboxEventList)!;
        list.Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.active"]);
        list.Events.ShouldAllBe(e => e.Delivered && e.Attempts.Count == 1);
    }
}
