using Shouldly;
using Tally.Payments.Dodo.Tests.Infrastructure;
using Tally.Payments.Providers;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class SandboxSubscriptionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Paying_a_subscription_product_activates_it_for_one_interval_from_now()
    {
        await using var h = await SandboxHarness.StartAsync();
        var paid = await h.PayAsync("pdt_monthly", SandboxHarness.Monthly);

        var events = h.DeliveredEvents();
        events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.active"]);
        var payment = events[0].ShouldBeOfType<PaymentEvent>().Payment;
        var subscription = events[1].ShouldBeOfType<SubscriptionEvent>().Subscription;
        payment.SubscriptionId.ShouldBe(subscription.SubscriptionId);
        payment.Metadata["tally_account"].ShouldBe("acct_1");
        subscription.Status.ShouldBe(SubscriptionState.Active);
        subscription.ProductId.ShouldBe("pdt_monthly");
        subscription.Metadata["tally_account"].ShouldBe("acct_1");
        subscription.PeriodStart.ShouldBe(SandboxHarness.Start);
        subscription.PeriodEnd.ShouldBe(SandboxHarness.Start.AddMonths(1));
        (await h.Client.GetSubscriptionAsync(subscription.SubscriptionId, None))!.ShouldBe(subscription, new SubscriptionComparer());
        paid.Subscription!.PaymentFrequencyInterval.ShouldBe("Month");
    }

    [Fact]
    public async Task Renewing_moves_the_period_forward_by_exactly_one_interval_each_time()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;

        var end = SandboxHarness.Start.AddMonths(1);
        for (var i = 0; i < 3; i++)
        {
            h.Clock.SetUtcNow(end);
            var renewed = await h.ControlAsync($"subscriptions/{id}/renew");
            renewed.Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.renewed"]);
            renewed.Subscription!.PreviousBillingDate.ShouldBe(end);
            renewed.Subscription.NextBillingDate.ShouldBe(end.AddMonths(1));
            renewed.Payment!.SubscriptionId.ShouldBe(id);
            renewed.Payment.TotalAmount.ShouldBe(2000);
            end = end.AddMonths(1);
        }

        var periods = h.DeliveredEvents().OfType<SubscriptionEvent>().Select(e => (e.Subscription.PeriodStart, e.Subscription.PeriodEnd)).ToList();
        periods.Count.ShouldBe(4);
        for (var i = 1; i < periods.Count; i++)
        {
            periods[i].PeriodStart.ShouldBe(periods[i - 1].PeriodEnd);
            periods[i].PeriodEnd.ShouldBe(periods[i].PeriodStart.AddMonths(1));
        }
    }

    [Fact]
    public async Task A_yearly_subscription_renews_by_a_year()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_yearly", SandboxHarness.Yearly)).Subscription!.SubscriptionId;
        var renewed = await h.ControlAsync($"subscriptions/{id}/renew");
        renewed.Subscription!.PreviousBillingDate.ShouldBe(SandboxHarness.Start.AddYears(1));
        renewed.Subscription.NextBillingDate.ShouldBe(SandboxHarness.Start.AddYears(2));
    }

    [Fact]
    public async Task A_failed_renewal_puts_it_on_hold_and_a_later_renewal_recovers_it()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;

        var failed = await h.ControlAsync($"subscriptions/{id}/fail-renewal");
        failed.Events.Select(e => e.Type).ShouldBe(["payment.failed", "subscription.on_hold"]);
        failed.Subscription!.PreviousBillingDate.ShouldBe(SandboxHarness.Start);

        var recovered = await h.ControlAsync($"subscriptions/{id}/renew");
        recovered.Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.active"]);
        recovered.Subscription!.Status.ShouldBe("active");
        recovered.Subscription.PreviousBillingDate.ShouldBe(SandboxHarness.Start.AddMonths(1));

        var holds = h.DeliveredEvents().OfType<SubscriptionEvent>().Where(e => e.Type == "subscription.on_hold").ToList();
        holds.ShouldHaveSingleItem().Subscription.Status.ShouldBe(SubscriptionState.OnHold);
    }

    [Fact]
    public async Task Changing_plan_immediately_switches_the_product_now_and_bills_the_difference()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        await h.Provider.UpsertProductAsync("pdt_team", SandboxHarness.Bigger, payWhatYouWant: false, None);

        await h.Client.ChangePlanAsync(id, "pdt_team", PlanChangeTiming.Immediately, None);

        var subscription = (await h.Client.GetSubscriptionAsync(id, None))!;
        subscription.ProductId.ShouldBe("pdt_team");
        subscription.PeriodStart.ShouldBe(SandboxHarness.Start);
        var events = h.DeliveredEvents().Skip(2).ToList();
        events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.plan_changed"]);
        var charge = events[0].ShouldBeOfType<PaymentEvent>().Payment;
        charge.TotalAmountMinor.ShouldBe(3000);
        charge.SubscriptionId.ShouldBe(id);
        events[1].ShouldBeOfType<SubscriptionEvent>().Subscription.ProductId.ShouldBe("pdt_team");
    }

    [Fact]
    public async Task Changing_plan_at_the_next_billing_date_schedules_it_and_the_renewal_applies_it()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        await h.Provider.UpsertProductAsync("pdt_team", SandboxHarness.Bigger, payWhatYouWant: false, None);

        await h.Client.ChangePlanAsync(id, "pdt_team", PlanChangeTiming.NextBillingDate, None);

        var scheduled = (await h.Client.GetDodoSubscriptionAsync(id, None))!;
        scheduled.ProductId.ShouldBe("pdt_monthly");
        scheduled.ScheduledChange!.ProductId.ShouldBe("pdt_team");
        scheduled.ScheduledChange.EffectiveAt.ShouldBe(SandboxHarness.Start.AddMonths(1));
        h.DeliveredEvents().Last().Type.ShouldBe("subscription.plan_changed");

        var renewed = await h.ControlAsync($"subscriptions/{id}/renew");
        renewed.Subscription!.ProductId.ShouldBe("pdt_team");
        renewed.Subscription.ScheduledChange.ShouldBeNull();
        renewed.Payment!.TotalAmount.ShouldBe(5000);
        renewed.Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.renewed"]);
    }

    [Fact]
    public async Task Cancelling_at_period_end_fires_plan_changed_then_the_renewal_cancels_and_expires_it()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;

        await h.Client.SetCancelAtPeriodEndAsync(id, true, None);
        var changed = h.DeliveredEvents().Last().ShouldBeOfType<SubscriptionEvent>();
        changed.Type.ShouldBe("subscription.plan_changed");
        changed.Subscription.CancelAtPeriodEnd.ShouldBeTrue();
        changed.Subscription.Status.ShouldBe(SubscriptionState.Active);

        var ended = await h.ControlAsync($"subscriptions/{id}/renew");
        ended.Payment.ShouldBeNull();
        var last = h.DeliveredEvents().TakeLast(2).Cast<SubscriptionEvent>().ToList();
        last.Select(e => (e.Type, e.Subscription.Status)).ShouldBe(
            [("subscription.cancelled", SubscriptionState.Cancelled), ("subscription.expired", SubscriptionState.Expired)]);
        last.ShouldAllBe(e => e.Subscription.PeriodEnd == SandboxHarness.Start.AddMonths(1));
        (await h.ControlRawAsync($"subscriptions/{id}/renew")).Status.ShouldBe(409);
    }

    [Fact]
    public async Task Lifting_the_cancellation_before_the_period_ends_renews_as_usual()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        await h.Client.SetCancelAtPeriodEndAsync(id, true, None);
        await h.Client.SetCancelAtPeriodEndAsync(id, false, None);
        (await h.ControlAsync($"subscriptions/{id}/renew")).Events.Select(e => e.Type).ShouldBe(["payment.succeeded", "subscription.renewed"]);
    }

    [Fact]
    public async Task Cancel_and_expire_end_a_subscription_now()
    {
        await using var h = await SandboxHarness.StartAsync();
        var a = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        var b = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        (await h.ControlAsync($"subscriptions/{a}/cancel")).Events.ShouldHaveSingleItem().Type.ShouldBe("subscription.cancelled");
        (await h.ControlAsync($"subscriptions/{b}/expire")).Events.ShouldHaveSingleItem().Type.ShouldBe("subscription.expired");
        (await h.Client.GetSubscriptionAsync(a, None))!.Status.ShouldBe(SubscriptionState.Cancelled);
        (await h.Client.GetSubscriptionAsync(b, None))!.Status.ShouldBe(SubscriptionState.Expired);
    }

    [Fact]
    public async Task Changing_to_an_unknown_or_one_time_product_is_a_provider_error()
    {
        await using var h = await SandboxHarness.StartAsync();
        var id = (await h.PayAsync("pdt_monthly", SandboxHarness.Monthly)).Subscription!.SubscriptionId;
        (await Should.ThrowAsync<PaymentProviderException>(() => h.Client.ChangePlanAsync(id, "pdt_nope", PlanChangeTiming.Immediately, None))).StatusCode.ShouldBe(404);
        await h.Provider.UpsertProductAsync("pdt_credits", SandboxHarness.Credits, payWhatYouWant: false, None);
        (await Should.ThrowAsync<PaymentProviderException>(() => h.Client.ChangePlanAsync(id, "pdt_credits", PlanChangeTiming.Immediately, None))).StatusCode.ShouldBe(422);
    }

    // Records compare their metadata dictionaries by reference; compare the contents instead.
    private sealed class SubscriptionComparer : IEqualityComparer<ProviderSubscription>
    {
        public bool Equals(ProviderSubscription? x, ProviderSubscription? y) =>
            x is not null && y is not null && x with { Metadata = y.Metadata } == y && x.Metadata.OrderBy(k => k.Key).SequenceEqual(y.Metadata.OrderBy(k => k.Key));

        public int GetHashCode(ProviderSubscription obj) => obj.SubscriptionId.GetHashCode(StringComparison.Ordinal);
    }
}
