using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Payments.Catalog;
using Tally.Payments.Checkout;
using Tally.Payments.Providers;

namespace Tally.Payments.Webhooks;

/// <summary>
/// Applies subscription states. The written policy:
/// <list type="bullet">
/// <item>A period is granted once per (subscription, period start), when the subscription is
/// active in it — whichever of <c>subscription.active</c>, <c>.renewed</c> or a later state comes
/// first; the renewal's <c>payment.succeeded</c> grants nothing. Period credits expire at the
/// period's end.</item>
/// <item>At a renewal, up to the plan's rollover percentage of what the previous period's lots
/// had left when it ended (capped by the plan's cap) is granted again as a rollover lot expiring
/// with the new period; the rest expires with its lots. Only this subscription's lots are
/// counted or touched — purchased packs never.</item>
/// <item>A state whose period starts before the stored one is stale: stored, acknowledged, not
/// applied. The period start never moves backwards.</item>
/// <item>A plan change within a period to a plan with more credits grants the difference
/// pro-rated to the time left, expiring with the period (once per period and plan); a change to
/// fewer credits takes effect at the renewal. A period is never granted twice.</item>
/// <item>On hold, past due, paused, cancelled, failed or expired: no further grants; credits
/// already granted stay usable until their period ends.</item>
/// </list>
/// </summary>
public sealed class SubscriptionHandler(IPaymentStore store, PaymentEffects effects, TimeProvider time)
{
    public static string PeriodReference(string provider, string subscriptionId, DateTimeOffset start) =>
        $"{provider}:{subscriptionId}:{start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";

    /// <summary>The period's rollover lot; it starts with <see cref="PeriodReference"/>, like the period's upgrade lots, so the period's totals count them all.</summary>
    public static string RolloverReference(string provider, string subscriptionId, DateTimeOffset start) =>
        PeriodReference(provider, subscriptionId, start) + ":rollover";

    public async Task<(WebhookEventStatus, string?)> ApplyAsync(string provider, SubscriptionEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);

        // Periods are compared and keyed at the stores' precision (whole microseconds), so a state
        // read back from the database equals the one that wrote it.
        var s = e.Subscription with { PeriodStart = Microseconds(e.Subscription.PeriodStart), PeriodEnd = Microseconds(e.Subscription.PeriodEnd) };
        var existing = await store.FindSubscriptionAsync(provider, s.SubscriptionId, ct);
        var plans = await store.ReadPlansAsync(ct);
        var plan = plans.FirstOrDefault(p => p.ProviderProductId == s.ProductId);
        var account = existing?.Account ?? (s.Metadata.TryGetValue(CheckoutService.AccountKey, out var named) ? named : null);
        if (account is null || plan is null)
        {
            return (WebhookEventStatus.Ignored, $"subscription {s.SubscriptionId}: {(account is null ? "no tally_account in its metadata" : $"no plan sells product {s.ProductId}")}");
        }

        if (existing is not null && s.PeriodStart < existing.PeriodStart)
        {
            return (WebhookEventStatus.Ignored, $"stale: period {s.PeriodStart:O} starts before the applied {existing.PeriodStart:O}");
        }

        var now = time.GetUtcNow();
        var previousPlan = existing is null ? null : plans.FirstOrDefault(p => p.Id == existing.PlanId);
        string detail;
        if (s.Status == SubscriptionState.Active && s.PeriodEnd <= now)
        {
            // A state read late (a reconciler, a webhook delayed past the period): the period is
            // over, its credits could only arrive expired.
            detail = $"period from {s.PeriodStart:O} is over: nothing to grant";
        }
        else if (s.Status == SubscriptionState.Active)
        {
            var renewedFrom = existing is not null && existing.PeriodStart < s.PeriodStart ? existing : null;
            var granted = await GrantPeriodAsync(provider, account, s, plan, renewedFrom, previousPlan, ct);
            detail = granted;
            if (existing is not null && existing.PeriodStart == s.PeriodStart && previousPlan is not null && previousPlan.Id != plan.Id)
            {
                detail += "; " + await ChangePlanAsync(provider, account, s, previousPlan, plan, e.OccurredAt, ct);
            }
        }
        else
        {
            detail = $"subscription {s.SubscriptionId} is {s.Status}: no grant";
        }

        await store.SaveSubscriptionAsync(new SubscriptionRecord(
            provider, s.SubscriptionId, account, plan.Id, s.Status, s.PeriodStart, s.PeriodEnd, s.CancelAtPeriodEnd, existing?.CreatedAt ?? now, now), ct);
        return (WebhookEventStatus.Applied, detail);
    }

    private static DateTimeOffset Microseconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    private async Task<string> GrantPeriodAsync(string provider, string account, ProviderSubscription s, SubscriptionPlan plan, SubscriptionRecord? renewedFrom, SubscriptionPlan? previousPlan, CancellationToken ct)
    {
        var reference = PeriodReference(provider, s.SubscriptionId, s.PeriodStart);
        var commands = new List<LedgerCommand>
        {
            new Grant(account, new Credits(plan.CreditsPerPeriod), Source: LotSource.Subscription, ExpiresAt: s.PeriodEnd,
                Reference: reference, Description: $"{plan.Name}: credits for the period from {s.PeriodStart:yyyy-MM-dd}"),
        };
        long rollover = 0;
        if (renewedFrom is not null && (previousPlan ?? plan).RolloverPercent > 0)
        {
            var terms = previousPlan ?? plan;
            var left = (await store.ReadLotTotalsAsync(account, PeriodReference(provider, s.SubscriptionId, renewedFrom.PeriodStart), ct)).Left;
            rollover = left * terms.RolloverPercent / 100;
            if (terms.RolloverCap is { } cap)
            {
                rollover = Math.Min(rollover, cap);
            }

            if (rollover > 0)
            {
                commands.Add(new Grant(account, new Credits(rollover), Source: LotSource.Subscription, ExpiresAt: s.PeriodEnd,
                    Reference: RolloverReference(provider, s.SubscriptionId, s.PeriodStart),
                    Description: $"{terms.RolloverPercent} % of the {left} credits left at the end of the last period"));
            }
        }

        var outcome = await effects.RunAsync(PaymentEffects.Key(provider, $"{s.SubscriptionId}:{s.PeriodStart.UtcTicks}", "period"), provider, commands, ct);
        return outcome.Replayed
            ? $"period from {s.PeriodStart:O} granted before"
            : $"granted {plan.CreditsPerPeriod} credits for the period from {s.PeriodStart:O}" + (rollover > 0 ? $" and rolled over {rollover}" : "");
    }

    private async Task<string> ChangePlanAsync(string provider, string account, ProviderSubscription s, SubscriptionPlan from, SubscriptionPlan to, DateTimeOffset at, CancellationToken ct)
    {
        if (to.CreditsPerPeriod <= from.CreditsPerPeriod)
        {
            return $"plan {from.Id} → {to.Id}: fewer credits take effect at the renewal";
        }

        var total = (s.PeriodEnd - s.PeriodStart).Ticks;
        var left = Math.Clamp((s.PeriodEnd - Microseconds(at)).Ticks, 0, total);
        var difference = total <= 0 ? 0 : (long)((Int128)(to.CreditsPerPeriod - from.CreditsPerPeriod) * left / total);
        if (difference <= 0)
        {
            return $"plan {from.Id} → {to.Id}: no time left in the period";
        }

        var grant = new Grant(account, new Credits(difference), Source: LotSource.Subscription, ExpiresAt: s.PeriodEnd,
            Reference: PeriodReference(provider, s.SubscriptionId, s.PeriodStart) + $":upgrade:{to.Id}",
            Description: $"Upgrade {from.Name} → {to.Name}: the difference for the rest of the period");
        await effects.RunAsync(PaymentEffects.Key(provider, $"{s.SubscriptionId}:{s.PeriodStart.UtcTicks}:{to.Id}", "upgrade"), provider, [grant], ct);
        return $"plan {from.Id} → {to.Id}: granted the pro-rated difference of {difference} credits";
    }
}
