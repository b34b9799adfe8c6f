using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Tally.Payments.Dodo.Wire;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo;

/// <summary>
/// DodoPayments' REST API as an <see cref="IPaymentProvider"/>: a typed <see cref="HttpClient"/>
/// that sends <c>Authorization: Bearer &lt;key&gt;</c> on each request. A non-2xx answer throws
/// <see cref="PaymentProviderException"/>, except 404 on the two reads, which return null.
/// Retries and timeouts belong to the handler pipeline (see <c>AddDodoPayments</c>).
/// </summary>
public sealed class DodoClient : IPaymentProvider
{
    private readonly HttpClient _http;
    private readonly DodoOptions _options;
    private readonly Uri _baseUrl;

    public DodoClient(HttpClient http, IOptions<DodoOptions> options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        _baseUrl = _options.ResolveBaseUrl();
    }

    /// <inheritdoc />
    public string Name => "dodo";

    /// <summary>
    /// <c>POST /checkouts</c> for one unit of the product. With an amount and no product id, the
    /// product is <see cref="DodoOptions.CustomProductId"/> (pay what you want). The metadata comes
    /// back on the payment and subscription. Not retried: a second session would be a second sale.
    /// </summary>
    public async Task<CheckoutSession> CreateCheckoutAsync(CheckoutRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var productId = string.IsNullOrEmpty(request.ProductId) && request.AmountMinor is not null
            ? _options.CustomProductId ?? throw new InvalidOperationException("A custom amount needs DodoOptions.CustomProductId.")
            : request.ProductId;
        var body = new DodoCheckoutRequest(
            [new DodoProductCartItem(productId, 1, request.AmountMinor)],
            new Dictionary<string, string>(request.Metadata),
            request.ReturnUrl?.AbsoluteUri);
        var answer = await SendAsync(HttpMethod.Post, "checkouts", body, DodoJsonContext.Default.DodoCheckoutRequest,
            DodoJsonContext.Default.DodoCheckoutResponse, ct);
        var url = answer.CheckoutUrl ?? throw new PaymentProviderException("dodo", "POST checkouts", 200, "no checkout_url in the answer");
        return new CheckoutSession(answer.SessionId, new Uri(url), answer.PaymentId);
    }

    /// <summary><c>GET /checkouts/{id}</c>: the session and, once paid, its payment; null when Dodo does not know it.</summary>
    public Task<DodoCheckoutStatus?> GetCheckoutAsync(string sessionId, CancellationToken ct) =>
        GetOrNullAsync($"checkouts/{Escape(sessionId)}", DodoJsonContext.Default.DodoCheckoutStatus, ct);

    /// <inheritdoc />
    public async Task<string?> FindCheckoutPaymentAsync(string sessionId, CancellationToken ct) =>
        (await GetCheckoutAsync(sessionId, ct))?.PaymentId;

    /// <summary><c>GET /payments/{id}</c> as Dodo has it.</summary>
    public Task<DodoPayment?> GetDodoPaymentAsync(string paymentId, CancellationToken ct) =>
        GetOrNullAsync($"payments/{Escape(paymentId)}", DodoJsonContext.Default.DodoPayment, ct);

    /// <summary><c>GET /subscriptions/{id}</c> as Dodo has it.</summary>
    public Task<DodoSubscription?> GetDodoSubscriptionAsync(string subscriptionId, CancellationToken ct) =>
        GetOrNullAsync($"subscriptions/{Escape(subscriptionId)}", DodoJsonContext.Default.DodoSubscription, ct);

    /// <inheritdoc />
    public async Task<ProviderPayment?> GetPaymentAsync(string paymentId, CancellationToken ct) =>
        await GetDodoPaymentAsync(paymentId, ct) is { } p ? DodoMapping.ToPayment(p) : null;

    /// <summary>
    /// <c>GET /subscriptions/{id}</c> mapped; null when Dodo does not know it. A status Tally does not
    /// know throws <see cref="PaymentProviderException"/> (the reconciler must not guess a state).
    /// </summary>
    public async Task<ProviderSubscription?> GetSubscriptionAsync(string subscriptionId, CancellationToken ct)
    {
        if (await GetDodoSubscriptionAsync(subscriptionId, ct) is not { } s)
            return null;
        return DodoMapping.ToSubscription(s)
            ?? throw new PaymentProviderException("dodo", "GET subscriptions", 200, $"unknown subscription status '{s.Status}'");
    }

    /// <summary>
    /// <c>POST /subscriptions/{id}/change-plan</c>: now with <c>difference_immediately</c> (Dodo bills
    /// the difference), or at the next billing date with <c>do_not_bill</c> (Dodo sets <c>scheduled_change</c>).
    /// </summary>
    public Task ChangePlanAsync(string subscriptionId, string productId, PlanChangeTiming timing, CancellationToken ct)
    {
        var body = timing switch
        {
            PlanChangeTiming.Immediately => new DodoChangePlanRequest(productId, 1, "difference_immediately", "immediately"),
            PlanChangeTiming.NextBillingDate => new DodoChangePlanRequest(productId, 1, "do_not_bill", "next_billing_date"),
            _ => throw new ArgumentOutOfRangeException(nameof(timing), timing, null),
        };
        return SendAsync(HttpMethod.Post, $"subscriptions/{Escape(subscriptionId)}/change-plan", body,
            DodoJsonContext.Default.DodoChangePlanRequest, ct);
    }

    /// <summary><c>PATCH /subscriptions/{id}</c> with <c>cancel_at_next_billing_date</c>.</summary>
    public Task SetCancelAtPeriodEndAsync(string subscriptionId, bool cancel, CancellationToken ct) =>
        SendAsync(HttpMethod.Patch, $"subscriptions/{Escape(subscriptionId)}", new DodoSubscriptionPatch(cancel),
            DodoJsonContext.Default.DodoSubscriptionPatch, ct);

    /// <summary><c>POST /customers/{id}/customer-portal/session?return_url=</c>: a link valid for 24 hours.</summary>
    public async Task<Uri> CustomerPortalAsync(string customerId, Uri? returnUrl, CancellationToken ct)
    {
        var path = $"customers/{Escape(customerId)}/customer-portal/session";
        if (returnUrl is not null)
            path += "?return_url=" + Uri.EscapeDataString(returnUrl.AbsoluteUri);
        var answer = await PostEmptyAsync(path, DodoJsonContext.Default.DodoCustomerPortalSession, ct);
        return new Uri(answer.Link);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, JsonTypeInfo<T> answerType, CancellationToken ct)
        where T : class
    {
        using var request = NewRequest(HttpMethod.Get, path);
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        return await ReadAsync(response, Operation(HttpMethod.Get, path), answerType, ct);
    }

    private async Task SendAsync<TBody>(HttpMethod method, string path, TBody body, JsonTypeInfo<TBody> bodyType, CancellationToken ct)
    {
        using var request = NewRequest(method, path);
        request.Content = JsonContent(body, bodyType);
        using var response = await _http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, Operation(method, path), ct);
    }

    internal async Task<TAnswer> SendAsync<TBody, TAnswer>(HttpMethod method, string path, TBody body,
        JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TAnswer> answerType, CancellationToken ct)
    {
        using var request = NewRequest(method, path);
        request.Content = JsonContent(body, bodyType);
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, Operation(method, path), answerType, ct);
    }

    private async Task<TAnswer> PostEmptyAsync<TAnswer>(string path, JsonTypeInfo<TAnswer> answerType, CancellationToken ct)
    {
        using var request = NewRequest(HttpMethod.Post, path);
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, Operation(HttpMethod.Post, path), answerType, ct);
    }

    private static ByteArrayContent JsonContent<T>(T body, JsonTypeInfo<T> type) =>
        new(JsonSerializer.SerializeToUtf8Bytes(body, type)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string operation, JsonTypeInfo<T> type, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, operation, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        try
        {
            return JsonSerializer.Deserialize(bytes, type)
                ?? throw new PaymentProviderException("dodo", operation, (int)response.StatusCode, "null answer");
        }
        catch (JsonException e)
        {
            throw new PaymentProviderException($"dodo {operation} answered a body that does not parse: {e.Message}", e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
            return;
        var text = await response.Content.ReadAsStringAsync(ct);
        throw new PaymentProviderException("dodo", operation, (int)response.StatusCode, text);
    }

    // The operation named without ids or query, for messages and logs: "POST checkouts".
    private static string Operation(HttpMethod method, string path) => method.Method + " " + path.Split('/', '?')[0];

    private static string Escape(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Uri.EscapeDataString(id);
    }
}
