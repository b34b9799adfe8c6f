using Microsoft.Extensions.Logging;
using Tally.Ledger;
using Tally.Payments.Checkout;
using Tally.Payments.Pricing;
using Tally.Payments.Providers;

namespace Tally.Payments.Webhooks;

/// <summary>How a webhook was handled; every one of these is answered 2xx.</summary>
public sealed record WebhookResult(WebhookEventStatus Status, string? Detail, bool Duplicate);

/// <summary>
/// Applies provider webhooks. Each is stored once by its delivery id first; a delivery already
/// applied or ignored is acknowledged and does nothing, while one that was only stored (or whose
/// effect failed) is applied again — safe, because every effect is keyed on the provider's business
/// ids (<see cref="PaymentEffects"/>), never on the delivery. Payloads are the object's latest
/// state: a <c>payment.succeeded</c> that already lists refunds and disputes applies those too,
/// under the same keys their own events use.
/// </summary>
public sealed partial class WebhookProcessor(
    IPaymentStore store,
    PaymentEffects effects,
    SubscriptionHandler subscriptions,
    CreditLedger ledger,
    PaymentSettings settings,
    TimeProvider time,
    ILogger<WebhookProcessor> logger)
{
    /// <summary>Stores the webhook (once) and applies it unless it was applied before. Throws when its effect failed (answer 5xx).</summary>
    public async Task<WebhookResult> HandleAsync(string provider, ProviderEvent e, string payload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        // A duplicate of a delivery being applied now on this instance waits for it and shares
        // its answer: its effects are keyed and it would change nothing, but it would cost the
        // database a dozen statements, which in a replay storm is most of the work.
        var flight = (provider, e.EventId);
        var mine = new TaskCompletionSource<WebhookResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _inFlight.GetOrAdd(flight, mine.Task);
        if (running != mine.Task)
        {
            return await running.WaitAsync(ct) with { Duplicate = true };
        }

        try
        {
            var result = await StoreAndApplyAsync(provider, e, payload, ct);
            mine.SetResult(result);
            return result;
        }
        catch (Exception failure)
        {
            mine.SetException(failure);
            _ = mine.Task.Exception; // observed here: waiters, if any, rethrow it themselves
            throw;
        }
        finally
        {
            _inFlight.TryRemove(flight, out _);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), Task<WebhookResult>> _inFlight = new();

    private async Task<WebhookResult> StoreAndApplyAsync(string provider, ProviderEvent e, string payload, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stored = await store.StoreWebhookEventAsync(new WebhookEventRecord(provider, e.EventId, e.Type, WebhookEventStatus.Received, null, payload, 0, now, now), ct);
        if (stored.Status is WebhookEventStatus.Applied or WebhookEventStatus.Ignored)
        {
            return new WebhookResult(stored.Status, stored.Detail, Duplicate: true);
        }

        return await ApplyAsync(provider, e, ct);
    }

    /// <summary>Applies a stored webhook (again); idempotent. Throws when its effect failed.</summary>
    public async Task<WebhookResult> ApplyAsync(string provider, ProviderEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            var (status, detail) = e switch
            {
                PaymentEvent p => await PaymentAsync(provider, p.Payment, ct),
                RefundEvent r => await RefundAsync(provider, r.Refund, null, ct),
                DisputeEvent d => await DisputeAsync(provider, d.Dispute, null, ct),
                SubscriptionEvent s => await subscriptions.ApplyAsync(provider, s, ct),
                _ => (WebhookEventStatus.Ignored, $"{e.Type} has no effect on credits"),
            };
            await store.MarkWebhookEventAsync(provider, e.EventId, status, detail, time.GetUtcNow(), ct);
            Handled(logger, provider, e.Type, e.EventId, status, detail);
            return new WebhookResult(status, detail, Duplicate: false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            EffectFailed(logger, failure, provider, e.Type, e.EventId);
            try
            {
                await store.MarkWebhookEventAsync(provider, e.EventId, WebhookEventStatus.Failed, failure.Message, time.GetUtcNow(), CancellationToken.None);
            }
            catch (Exception markFailure) when (markFailure is not OperationCanceledException)
            {
                // The store is likely down too; the provider's retry finds the event still unapplied.
            }

            throw;
        }
    }

    private async Task<(WebhookEventStatus, string?)> PaymentAsync(string provider, ProviderPayment p, CancellationToken ct)
    {
        var payment = await FindAsync(provider, p, ct);
        if (payment is null)
        {
            return (WebhookEventStatus.Ignored, "no Tally payment, and no known account and product, matches it");
        }

        switch (p.Status)
        {
            case PaymentState.Succeeded:
                if (p.SubscriptionId is null && payment.Kind != PaymentKind.Plan && payment.Credits > 0)
                {
                    await effects.GrantAsync(payment, p.PaymentId, ct);
                }

                payment = await SaveAsync(payment with
                {
                    Status = payment.Status is PaymentStatus.Pending or PaymentStatus.Failed or PaymentStatus.Cancelled ? PaymentStatus.Succeeded : payment.Status,
                    ProviderPaymentId = p.PaymentId,
                    ProviderSubscriptionId = p.SubscriptionId ?? payment.ProviderSubscriptionId,
                }, ct);
                foreach (var refund in p.Refunds.Where(r => r.Status == RefundState.Succeeded))
                {
                    await RefundAsync(provider, refund, payment, ct);
                }

                foreach (var dispute in p.Disputes)
                {
                    await DisputeAsync(provider, dispute, payment, ct);
                }

                return (WebhookEventStatus.Applied, $"payment {payment.Id} succeeded");
            case PaymentState.Failed or PaymentState.Cancelled when payment.Status == PaymentStatus.Pending:
                await SaveAsync(payment with
                {
                    Status = p.Status == PaymentState.Failed ? PaymentStatus.Failed : PaymentStatus.Cancelled,
                    ProviderPaymentId = p.PaymentId,
                }, ct);
                return (WebhookEventStatus.Applied, $"payment {payment.Id} {p.Status.ToString().ToLowerInvariant()}");
            default:
                return (WebhookEventStatus.Ignored, $"payment {payment.Id} is {payment.Status}; a {p.Status} state changes nothing");
        }
    }

    private async Task<(WebhookEventStatus, string?)> RefundAsync(string provider, ProviderRefund refund, PaymentRecord? payment, CancellationToken ct)
    {
        if (refund.Status != RefundState.Succeeded)
        {
            return (WebhookEventStatus.Ignored, $"refund {refund.RefundId} is {refund.Status}");
        }

        payment ??= await store.FindPaymentByProviderIdAsync(provider, refund.PaymentId, ct);
        if (payment is null or { Status: PaymentStatus.Pending })
        {
            // Nothing was granted yet to take back: the payment's own payment.succeeded, whose
            // payload lists this refund, applies it after the grant.
            return (WebhookEventStatus.Received, $"payment {refund.PaymentId} has not succeeded here yet; its payment.succeeded applies this refund");
        }

        var key = PaymentEffects.Key(provider, refund.RefundId, "refund");
        if (await store.HasEffectAsync(key, ct))
        {
            return (WebhookEventStatus.Applied, $"refund {refund.RefundId} was applied before");
        }

        // Partial refunds claw back the delta of the cumulative refunded amount, so their credits
        // add up to credits × total refunded ÷ paid, rounded down once, not once per refund.
        var before = (await store.FindPaymentAsync(payment.Id, ct) ?? payment).RefundedAmount;
        var credits = payment.Kind == PaymentKind.Plan
            ? 0
            : PaymentEffects.Proportion(payment, before + refund.AmountMinor) - PaymentEffects.Proportion(payment, before);
        var (recovered, unrecovered) = await effects.ClawBackAsync(payment, key, credits, $"refund {refund.RefundId}", refund.RefundId, unfreezeFirst: false, ct);
        await store.RecordEffectAsync(new PaymentEffect(key, payment.Id, PaymentEffectKind.Refund, refund.AmountMinor, recovered, unrecovered, time.GetUtcNow()), ct);
        // Recording the effect also sets the payment's refund status from its totals.
        return (WebhookEventStatus.Applied, $"refund {refund.RefundId}: {recovered} credits clawed back, {unrecovered} unrecovered");
    }

    private async Task<(WebhookEventStatus, string?)> DisputeAsync(string provider, ProviderDispute dispute, PaymentRecord? payment, CancellationToken ct)
    {
        payment ??= await store.FindPaymentByProviderIdAsync(provider, dispute.PaymentId, ct);
        if (payment is null or { Status: PaymentStatus.Pending })
        {
            return (WebhookEventStatus.Received, $"payment {dispute.PaymentId} has not succeeded here yet; its payment.succeeded applies this dispute");
        }

        var restrictKey = PaymentEffects.Key(provider, dispute.DisputeId, "restrict");
        var restoreKey = PaymentEffects.Key(provider, dispute.DisputeId, "restore");
        var restrictedOnce = await store.HasEffectAsync(restrictKey, ct);
        var restricted = restrictedOnce && !await store.HasEffectAsync(restoreKey, ct);
        string detail;
        switch (dispute.Status)
        {
            case DisputeState.Opened or DisputeState.Challenged:
                if (settings.FreezeOnDispute && !restrictedOnce
                    && await ledger.GetAccountAsync(payment.Account, ct) is { Frozen: false })
                {
                    await effects.SetFrozenAsync(payment, restrictKey, frozen: true, $"dispute {dispute.DisputeId} opened", ct);
                    await store.RecordEffectAsync(new PaymentEffect(restrictKey, payment.Id, PaymentEffectKind.Restrict, 0, 0, 0, time.GetUtcNow()), ct);
                }

                detail = $"dispute {dispute.DisputeId} open";
                break;
            case DisputeState.Won or DisputeState.Cancelled:
                if (restricted)
                {
                    await effects.SetFrozenAsync(payment, restoreKey, frozen: false, $"dispute {dispute.DisputeId} {dispute.Status.ToString().ToLowerInvariant()}", ct);
                    await store.RecordEffectAsync(new PaymentEffect(restoreKey, payment.Id, PaymentEffectKind.Restore, 0, 0, 0, time.GetUtcNow()), ct);
                }

                detail = $"dispute {dispute.DisputeId} {dispute.Status.ToString().ToLowerInvariant()}: nothing clawed back";
                break;
            default:
                // Lost, accepted or expired: the money is gone. Claw back its share of credits, net
                // of what refunds of this payment already took; lift the dispute's own freeze first
                // (a debt clawback may freeze again).
                var lostKey = PaymentEffects.Key(provider, dispute.DisputeId, "lost");
                var credits = payment.Kind == PaymentKind.Plan ? 0 : Math.Max(0, PaymentEffects.Proportion(payment, dispute.AmountMinor) - payment.ClawedBack);
                var (recovered, unrecovered) = await effects.ClawBackAsync(payment, lostKey, credits, $"dispute {dispute.DisputeId} lost", dispute.DisputeId, unfreezeFirst: restricted, ct);
                await store.RecordEffectAsync(new PaymentEffect(lostKey, payment.Id, PaymentEffectKind.DisputeLost, 0, recovered, unrecovered, time.GetUtcNow()), ct);
                if (restricted)
                {
                    await store.RecordEffectAsync(new PaymentEffect(restoreKey, payment.Id, PaymentEffectKind.Restore, 0, 0, 0, time.GetUtcNow()), ct);
                }

                detail = $"dispute {dispute.DisputeId} lost: {recovered} credits clawed back, {unrecovered} unrecovered";
                break;
        }

        var current = await store.FindPaymentAsync(payment.Id, ct) ?? payment;
        await SaveAsync(current with { DisputeStatus = dispute.Status.ToString().ToLowerInvariant() }, ct);
        return (WebhookEventStatus.Applied, detail);
    }

    /// <summary>
    /// The payment a provider payment belongs to: the one Tally's checkout recorded (metadata
    /// <c>tally_payment</c>), the one already linked to its id, or — for a payment made outside
    /// Tally's checkout — a new record when its metadata names a known account and its product is
    /// a known package or plan.
    /// </summary>
    private async Task<PaymentRecord?> FindAsync(string provider, ProviderPayment p, CancellationToken ct)
    {
        if (p.Metadata.TryGetValue(CheckoutService.PaymentKey, out var id) && await store.FindPaymentAsync(id, ct) is { } ours
            && ours.Provider == provider && (ours.ProviderPaymentId is null || ours.ProviderPaymentId == p.PaymentId))
        {
            return ours;
        }

        if (await store.FindPaymentByProviderIdAsync(provider, p.PaymentId, ct) is { } linked)
        {
            return linked;
        }

        if (!p.Metadata.TryGetValue(CheckoutService.AccountKey, out var account) || p.ProductId is null
            || await ledger.GetAccountAsync(account, ct) is null)
        {
            return null;
        }

        var package = (await store.ReadPackagesAsync(ct)).FirstOrDefault(x => x.ProviderProductId == p.ProductId);
        var plan = package is null ? (await store.ReadPlansAsync(ct)).FirstOrDefault(x => x.ProviderProductId == p.ProductId) : null;
        if (package is null && plan is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        return await store.CreatePaymentOnceAsync(new PaymentRecord(
            CheckoutService.NewId(), account, package is null ? PaymentKind.Plan : PaymentKind.Package, package?.Id, plan?.Id,
            package?.TotalCredits ?? 0, new Money(p.TotalAmountMinor, p.Currency), PaymentStatus.Pending, provider, p.PaymentId, p.SubscriptionId,
            null, 0, 0, 0, null, now, now), ct);
    }

    private async Task<PaymentRecord> SaveAsync(PaymentRecord payment, CancellationToken ct)
    {
        var saved = payment with { UpdatedAt = time.GetUtcNow() };
        await store.UpdatePaymentAsync(saved, ct);
        return saved;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Webhook {Provider} {Type} {EventId}: {Status} ({Detail})")]
    private static partial void Handled(ILogger logger, string provider, string type, string eventId, WebhookEventStatus status, string? detail);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Webhook {Provider} {Type} {EventId}: its effect failed; answered 5xx for a retry")]
    private static partial void EffectFailed(ILogger logger, Exception exception, string provider, string type, string eventId);
}
