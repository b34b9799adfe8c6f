namespace Tally.Payments.Providers;

/// <summary>
/// What Tally asks of a payment provider. The ledger and the webhook store know only this and
/// <see cref="ProviderEvent"/>; a provider (DodoPayments, a sandbox, Stripe later) maps its own
/// wire format to them. Money is in the currency's minor units throughout.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>Short lowercase name stored beside provider ids ("dodo").</summary>
    string Name { get; }

    /// <summary>Opens a hosted checkout session.</summary>
    Task<CheckoutSession> CreateCheckoutAsync(CheckoutRequest request, CancellationToken ct);

    /// <summary>The payment a checkout session led to, or null while none (or when the session is unknown).</summary>
    Task<string?> FindCheckoutPaymentAsync(string sessionId, CancellationToken ct);

    /// <summary>The payment as the provider knows it now, or null when it does not know the id.</summary>
    Task<ProviderPayment?> GetPaymentAsync(string paymentId, CancellationToken ct);

    /// <summary>The subscription as the provider knows it now, or null when it does not know the id.</summary>
    Task<ProviderSubscription?> GetSubscriptionAsync(string subscriptionId, CancellationToken ct);

    /// <summary>Moves a subscription to another product, now (billing the prorated difference) or at the next billing date.</summary>
    Task ChangePlanAsync(string subscriptionId, string productId, PlanChangeTiming timing, CancellationToken ct);

    /// <summary>Cancels a subscription at the end of its period (or lifts that cancellation).</summary>
    Task SetCancelAtPeriodEndAsync(string subscriptionId, bool cancel, CancellationToken ct);

    /// <summary>A link to the provider's own page where the customer manages billing.</summary>
    Task<Uri> CustomerPortalAsync(string customerId, Uri? returnUrl, CancellationToken ct);
}

/// <summary>Reads a provider's webhook: verifies it, then maps it to a neutral event.</summary>
public interface IWebhookReader
{
    /// <summary>
    /// Verifies the signature headers over the raw body (bytes exactly as received) and parses
    /// the event. Returns a failure reason instead of throwing for a bad signature, stale timestamp
    /// or malformed body.
    /// </summary>
    WebhookRead Read(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body);

    /// <summary>
    /// Parses a body that was verified when it arrived and stored (an admin re-processing a stored
    /// webhook): no signature check. Returns a refusal for a body that does not parse.
    /// </summary>
    WebhookRead ParseStored(string eventId, ReadOnlySpan<byte> body);
}

/// <summary>Either an event or why the webhook was refused (answer 401 and store nothing).</summary>
public sealed record WebhookRead(ProviderEvent? Event, string? Refusal)
{
    public static WebhookRead Refused(string reason) => new(null, reason);

    public static WebhookRead Of(ProviderEvent e) => new(e, null);
}

public enum PlanChangeTiming
{
    /// <summary>Switch now; the provider bills the prorated difference.</summary>
    Immediately,

    /// <summary>Switch at the next billing date.</summary>
    NextBillingDate,
}

/// <summary>
/// A checkout for one product: a fixed-price product, or a pay-what-you-want product with
/// <see cref="AmountMinor"/>. <see cref="Terms"/> describes the product as Tally's catalog has it;
/// a real provider charges what its own product says and ignores them, the sandbox uses them to
/// know the product.
/// </summary>
public sealed record CheckoutRequest(
    string ProductId,
    long? AmountMinor,
    IReadOnlyDictionary<string, string> Metadata,
    Uri? ReturnUrl,
    ProductTerms Terms);

/// <summary>A product's name, price and billing period (null for a one-time product).</summary>
public sealed record ProductTerms(string Name, long PriceMinor, string Currency, BillingInterval? Interval);

public enum BillingInterval
{
    Month,
    Year,
}

public sealed record CheckoutSession(string SessionId, Uri CheckoutUrl, string? PaymentId);
