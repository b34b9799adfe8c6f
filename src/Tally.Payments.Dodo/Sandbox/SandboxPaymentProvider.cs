using Tally.Payments.Providers;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// The provider Tally uses in sandbox mode: <see cref="DodoClient"/> pointed at a sandbox, which
/// first registers the product of each checkout from <see cref="CheckoutRequest.Terms"/> (so the
/// sandbox needs no manual product setup), then calls the sandbox over HTTP like the real Dodo.
/// Works whether the sandbox is mounted in the same app or runs on its own.
/// </summary>
public sealed class SandboxPaymentProvider : IPaymentProvider
{
    private readonly DodoClient _dodo;
    private readonly DodoOptions _options;

    /// <param name="http">Reaches the sandbox (a test server's client works too).</param>
    /// <param name="options">Dodo options whose <see cref="DodoOptions.BaseUrl"/> is the sandbox's base URL.</param>
    public SandboxPaymentProvider(HttpClient http, DodoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _dodo = new DodoClient(http, Microsoft.Extensions.Options.Options.Create(options));
    }

    /// <inheritdoc />
    public string Name => _dodo.Name;

    /// <summary>
    /// Registers (or updates) a product in the sandbox. Checkouts do this themselves; call it for
    /// products reached only by a plan change.
    /// </summary>
    public Task<SandboxProduct> UpsertProductAsync(string productId, ProductTerms terms, bool payWhatYouWant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var request = new SandboxProductRequest(terms.Name, terms.PriceMinor, terms.Currency, productId, terms.Interval?.ToString(), payWhatYouWant);
        return _dodo.SendAsync(HttpMethod.Post, "products", request, DodoJsonContext.Default.SandboxProductRequest,
            DodoJsonContext.Default.SandboxProduct, ct);
    }

    /// <summary>Registers the product from the request's terms, then opens the checkout (see <see cref="DodoClient.CreateCheckoutAsync"/>).</summary>
    public async Task<CheckoutSession> CreateCheckoutAsync(CheckoutRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var productId = string.IsNullOrEmpty(request.ProductId) && request.AmountMinor is not null
            ? _options.CustomProductId ?? throw new InvalidOperationException("A custom amount needs DodoOptions.CustomProductId.")
            : request.ProductId;
        await UpsertProductAsync(productId, request.Terms, payWhatYouWant: request.AmountMinor is not null, ct);
        return await _dodo.CreateCheckoutAsync(request with { ProductId = productId }, ct);
    }

    /// <inheritdoc />
    public Task<string?> FindCheckoutPaymentAsync(string sessionId, CancellationToken ct) => _dodo.FindCheckoutPaymentAsync(sessionId, ct);

    /// <inheritdoc />
    public Task<ProviderPayment?> GetPaymentAsync(string paymentId, CancellationToken ct) => _dodo.GetPaymentAsync(paymentId, ct);

    /// <inheritdoc />
    public Task<ProviderSubscription?> GetSubscriptionAsync(string subscriptionId, CancellationToken ct) => _dodo.GetSubscriptionAsync(subscriptionId, ct);

    /// <inheritdoc />
    public Task ChangePlanAsync(string subscriptionId, string productId, PlanChangeTiming timing, CancellationToken ct) =>
        _dodo.ChangePlanAsync(subscriptionId, productId, timing, ct);

    /// <inheritdoc />
    public Task SetCancelAtPeriodEndAsync(string subscriptionId, bool cancel, CancellationToken ct) =>
        _dodo.SetCancelAtPeriodEndAsync(subscriptionId, cancel, ct);

    /// <inheritdoc />
    public Task<Uri> CustomerPortalAsync(string customerId, Uri? returnUrl, CancellationToken ct) =>
        _dodo.CustomerPortalAsync(customerId, returnUrl, ct);
}
