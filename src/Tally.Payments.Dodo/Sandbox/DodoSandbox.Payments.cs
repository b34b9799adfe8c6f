using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo.Sandbox;

// Paying, failing, refunding and disputing: what the checkout page's buttons and the
// /sandbox/checkouts and /sandbox/payments control routes do.
public sealed partial class DodoSandbox
{
    /// <summary>The dispute statuses a dispute can be walked through, by their short names.</summary>
    public static readonly IReadOnlyList<string> DisputeSteps = ["opened", "challenged", "won", "lost", "accepted", "expired", "cancelled"];

    /// <summary>
    /// Pays a checkout session. A one-time product: a succeeded payment → <c>payment.succeeded</c>.
    /// A subscription product: a succeeded payment carrying the new subscription's id and the
    /// subscription active for [now, now + one interval) → <c>payment.succeeded</c>, then
    /// <c>subscription.active</c>. Refused (409) once the session is paid.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> PayAsync(string sessionId, SandboxControlRequest delivery, CancellationToken ct) =>
        RunAsync("pay", delivery, emission =>
        {
            if (Session(sessionId) is not { } session)
                return SandboxResult<SandboxControlResponse>.NotFound($"checkout session {sessionId}");
            if (session.Payment is { Status: "succeeded" })
                return SandboxResult<SandboxControlResponse>.Conflict("the session is already paid");
            var product = _products[session.ProductId];

            SandboxSubscription? subscription = null;
            if (product.Interval is not null)
            {
                var now = Now;
                subscription = new SandboxSubscription
                {
                    Id = NewId("sub"),
                    Customer = session.Customer,
                    Metadata = new Dictionary<string, string>(session.Metadata),
                    CreatedAt = now,
                    Product = product,
                    Status = "active",
                    PreviousBillingDate = now,
                    NextBillingDate = product.PeriodEnd(now),
                };
                _subscriptions[subscription.Id] = subscription;
            }

            var payment = NewPayment(session.Amount, session.Currency, session.Customer, session.Metadata, product.Id, "succeeded",
                session.Id, subscription?.Id);
            session.Payment = payment;
            emission.Payment = payment;
            emission.Emit("payment.succeeded", payment);
            if (subscription is not null)
            {
                emission.Subscription = subscription;
                emission.Emit("subscription.active", subscription);
            }

            return null;
        }, ct);

    /// <summary>Fails a checkout session's payment (card declined) → <c>payment.failed</c>. The session can still be paid after.</summary>
    public Task<SandboxResult<SandboxControlResponse>> FailAsync(string sessionId, SandboxControlRequest delivery, CancellationToken ct) =>
        RunAsync("fail", delivery, emission =>
        {
            if (Session(sessionId) is not { } session)
                return SandboxResult<SandboxControlResponse>.NotFound($"checkout session {sessionId}");
            if (session.Payment is { Status: "succeeded" })
                return SandboxResult<SandboxControlResponse>.Conflict("the session is already paid");
            var payment = NewPayment(session.Amount, session.Currency, session.Customer, session.Metadata, session.ProductId, "failed",
                session.Id, subscriptionId: null, errorCode: "CARD_DECLINED", errorMessage: "The sandbox declined the card.");
            session.Payment = payment;
            emission.Payment = payment;
            emission.Emit("payment.failed", payment);
            return null;
        }, ct);

    /// <summary>
    /// Refunds a succeeded payment, all that is left of it or <see cref="SandboxRefundRequest.Amount"/>
    /// → <c>refund.succeeded</c>; from then on the payment lists the refund.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> RefundAsync(string paymentId, SandboxRefundRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync("refund", request, emission =>
        {
            if (!_payments.TryGetValue(paymentId, out var payment))
                return SandboxResult<SandboxControlResponse>.NotFound($"payment {paymentId}");
            if (payment.Status != "succeeded")
                return SandboxResult<SandboxControlResponse>.Conflict("only a succeeded payment can be refunded");
            var amount = request.Amount ?? payment.Refundable;
            if (amount < 1 || amount > payment.Refundable)
                return SandboxResult<SandboxControlResponse>.Invalid($"amount must be between 1 and {payment.Refundable}");

            var refund = new DodoRefund(NewId("ref"), payment.Id, "succeeded", Now, amount, payment.Currency,
                IsPartial: amount < payment.Total, Reason: request.Reason, BusinessId: _options.BusinessId,
                Customer: payment.Customer, Metadata: new Dictionary<string, string>(payment.Metadata));
            _refunds[refund.RefundId] = refund;
            payment.Refunds.Add(refund);
            payment.UpdatedAt = Now;
            emission.Payment = payment;
            emission.Refund = refund;
            emission.Emit("refund.succeeded", refund);
            return null;
        }, ct);
    }

    /// <summary>
    /// Opens a dispute on a succeeded payment and walks it through <see cref="SandboxDisputeRequest.Statuses"/>
    /// (default: opened), one <c>dispute.&lt;status&gt;</c> event per step carrying the dispute as it was at that step.
    /// </summary>
    public Task<SandboxResult<SandboxControlResponse>> DisputeAsync(string paymentId, SandboxDisputeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync("dispute", request, emission =>
        {
            var steps = (request.Statuses is { Count: > 0 } given ? given : ["opened"])
                .Select(s => s.StartsWith("dispute_", StringComparison.Ordinal) ? s["dispute_".Length..] : s).ToList();
            if (steps.FirstOrDefault(s => !DisputeSteps.Contains(s)) is { } unknown)
                return SandboxResult<SandboxControlResponse>.Invalid($"unknown dispute status '{unknown}'; use {string.Join(", ", DisputeSteps)}");
            if (!_payments.TryGetValue(paymentId, out var payment))
                return SandboxResult<SandboxControlResponse>.NotFound($"payment {paymentId}");
            if (payment.Status != "succeeded")
                return SandboxResult<SandboxControlResponse>.Conflict("only a succeeded payment can be disputed");
            SandboxDispute dispute;
            if (request.DisputeId is { } continued)
            {
                // The next steps of a dispute already opened (Dodo keeps one id through its life).
                if (payment.Disputes.FirstOrDefault(d => d.Id == continued) is not { } existing)
                    return SandboxResult<SandboxControlResponse>.NotFound($"dispute {continued} of payment {paymentId}");
                dispute = existing;
            }
            else
            {
                var amount = request.Amount ?? payment.Total;
                if (amount < 1 || amount > payment.Total)
                    return SandboxResult<SandboxControlResponse>.Invalid($"amount must be between 1 and {payment.Total}");

                dispute = new SandboxDispute
                {
                    Id = NewId("dsp"),
                    BusinessId = _options.BusinessId,
                    PaymentId = payment.Id,
                    Amount = amount,
                    Currency = payment.Currency,
                    CreatedAt = Now,
                    Status = "dispute_" + steps[0],
                };
                _disputes[dispute.Id] = dispute;
                payment.Disputes.Add(dispute);
            }

            foreach (var step in steps)
            {
                dispute.Status = "dispute_" + step;
                emission.Emit("dispute." + step, dispute);
            }

            emission.Payment = payment;
            emission.Dispute = dispute;
            return null;
        }, ct);
    }

    // Called under the lock.
    private SandboxSession? Session(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    // Called under the lock.
    private SandboxPayment NewPayment(long amount, string currency, DodoCustomer customer, Dictionary<string, string> metadata,
        string productId, string status, string? sessionId, string? subscriptionId, int retryAttempt = 0,
        string? errorCode = null, string? errorMessage = null)
    {
        var payment = new SandboxPayment
        {
            Id = NewId("pay"),
            BusinessId = _options.BusinessId,
            Total = amount,
            Currency = currency,
            Status = status,
            Customer = customer,
            Metadata = new Dictionary<string, string>(metadata),
            ProductId = productId,
            CreatedAt = Now,
            SessionId = sessionId,
            SubscriptionId = subscriptionId,
            RetryAttempt = retryAttempt,
            ErrorCode = errorCode,
            ErrorMessage = errorMessage,
        };
        _payments[payment.Id] = payment;
        return payment;
    }
}
