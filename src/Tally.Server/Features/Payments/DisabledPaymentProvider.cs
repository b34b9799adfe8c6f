using Tally.Payments.Providers;

namespace Tally.Server.Features.Payments;

/// <summary>Selling is off (no DODO_API_KEY and TALLY_PAYMENTS_SANDBOX=false): nothing is sold and every webhook is refused.</summary>
public sealed class DisabledPaymentProvider : IPaymentProvider, IWebhookReader
{
    public const string Reason = "selling is off: set DODO_API_KEY (or TALLY_PAYMENTS_SANDBOX=true for the sandbox)";

    public string Name => WebhookEndpoints.Provider;

    public Task<CheckoutSession> CreateCheckoutAsync(CheckoutRequest request, CancellationToken ct) => throw new InvalidOperationException(Reason);

    public Task<string?> FindCheckoutPaymentAsync(string sessionId, CancellationToken ct) => Task.FromResult<string?>(null);

    public Task<ProviderPayment?> GetPaymentAsync(string paymentId, CancellationToken ct) => Task.FromResult<ProviderPayment?>(null);

    public Task<ProviderSubscription?> GetSubscriptionAsync(string subscriptionId, CancellationToken ct) => Task.FromResult<ProviderSubscription?>(null);

    public Task ChangePlanAsync(string subscriptionId, string productId, PlanChangeTiming timing, CancellationToken ct) => throw new InvalidOperationException(Reason);

    public Task SetCancelAtPeriodEndAsync(string subscriptionId, bool cancel, CancellationToken ct) => throw new InvalidOperationException(Reason);

    public Task<Uri> CustomerPortalAsync(string customerId, Uri? returnUrl, CancellationToken ct) => throw new InvalidOperationException(Reason);

    public WebhookRead Read(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body) => WebhookRead.Refused(Reason);

    public WebhookRead ParseStored(string eventId, ReadOnlySpan<byte> body) => WebhookRead.Refused(Reason);
}
