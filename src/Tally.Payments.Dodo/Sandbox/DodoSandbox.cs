using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tally.Payments.Dodo.Wire;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// A local, in-memory DodoPayments: products, checkout sessions, payments, subscriptions, refunds
/// and disputes, answering in Dodo's wire format and sending Dodo-signed webhooks. Thread-safe: one
/// lock guards all state; webhooks are sent outside it. Time comes from
/// <see cref="DodoSandboxOptions.TimeProvider"/>, so billing periods move only when a test says so.
/// Mount it in an app with <c>MapDodoSandbox</c>, or run it alone with <see cref="DodoSandboxHost"/>.
/// </summary>
public sealed partial class DodoSandbox : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly DodoSandboxOptions _options;
    private readonly SandboxWebhookSender _sender;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _background = new();

    private readonly Dictionary<string, SandboxProductRecord> _products = [];
    private readonly Dictionary<string, SandboxSession> _sessions = [];
    private readonly Dictionary<string, SandboxPayment> _payments = [];
    private readonly Dictionary<string, SandboxSubscription> _subscriptions = [];
    private readonly Dictionary<string, DodoRefund> _refunds = [];
    private readonly Dictionary<string, SandboxDispute> _disputes = [];
    private readonly Dictionary<string, DodoCustomer> _customers = [];
    private readonly Dictionary<string, SandboxEvent> _eventsById = [];
    private readonly Queue<SandboxEvent> _events = new();

    public DodoSandbox(DodoSandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDuplicates, 1);
        _options = options;
        _sender = new SandboxWebhookSender(options);
    }

    /// <summary>The options it runs with (the webhook secret is here for the receiving side's configuration).</summary>
    public DodoSandboxOptions Options => _options;

    private DateTimeOffset Now => _options.TimeProvider.GetUtcNow();

    /// <summary>Adds or replaces a product (Tally's catalog terms under Dodo's product id).</summary>
    public SandboxProduct UpsertProduct(string productId, ProductTerms terms, bool payWhatYouWant = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(productId);
        ArgumentNullException.ThrowIfNull(terms);
        var product = new SandboxProductRecord(productId, terms.Name, terms.PriceMinor, terms.Currency, terms.Interval, payWhatYouWant);
        lock (_gate)
            _products[productId] = product;
        return product.ToWire();
    }

    /// <summary><c>POST /products</c>: a product from its wire form; a new id unless one is given.</summary>
    public SandboxResult<SandboxProduct> UpsertProduct(SandboxProductRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Name))
            return SandboxResult<SandboxProduct>.Invalid("name is required");
        if (request.Price < 0)
            return SandboxResult<SandboxProduct>.Invalid("price must not be negative");
        if (string.IsNullOrWhiteSpace(request.Currency))
            return SandboxResult<SandboxProduct>.Invalid("currency is required");
        if (!TryInterval(request.RecurringInterval, out var interval))
            return SandboxResult<SandboxProduct>.Invalid("recurring_interval must be Month, Year or null");
        if (interval is not null && request.PayWhatYouWant)
            return SandboxResult<SandboxProduct>.Invalid("pay what you want applies to one-time products only");
        var terms = new ProductTerms(request.Name, request.Price, request.Currency.ToUpperInvariant(), interval);
        return SandboxResult<SandboxProduct>.Ok(UpsertProduct(request.ProductId ?? NewId("pdt"), terms, request.PayWhatYouWant));
    }

    private static bool TryInterval(string? text, out BillingInterval? interval)
    {
        interval = text switch
        {
            "Month" => BillingInterval.Month,
            "Year" => BillingInterval.Year,
            _ => null,
        };
        return text is null || interval is not null;
    }

    /// <summary>A product, or null.</summary>
    public SandboxProduct? GetProduct(string productId)
    {
        lock (_gate)
            return _products.TryGetValue(productId, out var p) ? p.ToWire() : null;
    }

    /// <summary>Every product, by id.</summary>
    public List<SandboxProduct> ListProducts()
    {
        lock (_gate)
            return [.. _products.Values.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => p.ToWire())];
    }

    /// <summary>
    /// <c>POST /checkouts</c>: one product (quantity 1; an <c>amount</c> only for a pay-what-you-want
    /// product). The buyer is the given customer id, the customer with the given email (made if
    /// new), or a new sandbox customer. <paramref name="baseUrl"/> is where the checkout page lives.
    /// </summary>
    public SandboxResult<DodoCheckoutResponse> CreateCheckout(DodoCheckoutRequest request, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (request.ProductCart is not [var item])
            return SandboxResult<DodoCheckoutResponse>.Invalid("the sandbox sells exactly one product per checkout");
        if (item.Quantity != 1)
            return SandboxResult<DodoCheckoutResponse>.Invalid("the sandbox sells quantity 1");

        lock (_gate)
        {
            if (!_products.TryGetValue(item.ProductId, out var product))
                return SandboxResult<DodoCheckoutResponse>.NotFound($"product {item.ProductId}");
            if (item.Amount is not null && !product.PayWhatYouWant)
                return SandboxResult<DodoCheckoutResponse>.Invalid("amount is only for pay-what-you-want products");
            if (item.Amount is <= 0)
                return SandboxResult<DodoCheckoutResponse>.Invalid("amount must be positive");
            if (_sessions.Count >= _options.MaxSessions)
                return SandboxResult<DodoCheckoutResponse>.Refuse(429, "TOO_MANY_SESSIONS", $"the sandbox keeps at most {_options.MaxSessions} checkout sessions");
            if (Customer(request.Customer) is not { } customer)
                return SandboxResult<DodoCheckoutResponse>.NotFound($"customer {request.Customer?.CustomerId}");

            var session = new SandboxSession(NewId("cks"), product.Id, item.Amount ?? product.Price, product.Currency, customer,
                new Dictionary<string, string>(request.Metadata ?? []), request.ReturnUrl, Now);
            _sessions[session.Id] = session;
            return SandboxResult<DodoCheckoutResponse>.Ok(new DodoCheckoutResponse(session.Id, new Uri(baseUrl, "checkout/" + session.Id).AbsoluteUri));
        }
    }

    /// <summary><c>GET /checkouts/{id}</c>, or null.</summary>
    public DodoCheckoutStatus? GetCheckout(string sessionId)
    {
        lock (_gate)
            return _sessions.TryGetValue(sessionId, out var s) ? s.ToDodo() : null;
    }

    /// <summary><c>GET /payments/{id}</c>, or null.</summary>
    public DodoPayment? GetPayment(string paymentId)
    {
        lock (_gate)
            return _payments.TryGetValue(paymentId, out var p) ? p.ToDodo() : null;
    }

    /// <summary><c>GET /subscriptions/{id}</c>, or null.</summary>
    public DodoSubscription? GetSubscription(string subscriptionId)
    {
        lock (_gate)
            return _subscriptions.TryGetValue(subscriptionId, out var s) ? s.ToDodo() : null;
    }

    /// <summary><c>POST /customers/{id}/customer-portal/session</c>: a link to the sandbox's portal page, or null for an unknown customer.</summary>
    public DodoCustomerPortalSession? CustomerPortal(string customerId, string? returnUrl, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        lock (_gate)
        {
            if (!_customers.ContainsKey(customerId))
                return null;
        }

        var link = new Uri(baseUrl, "portal/" + Uri.EscapeDataString(customerId)).AbsoluteUri;
        if (returnUrl is not null)
            link += "?return_url=" + Uri.EscapeDataString(returnUrl);
        return new DodoCustomerPortalSession(link);
    }

    /// <summary>A customer's subscriptions, or null for an unknown customer.</summary>
    public List<DodoSubscription>? SubscriptionsOf(string customerId)
    {
        lock (_gate)
        {
            if (!_customers.ContainsKey(customerId))
                return null;
            return [.. _subscriptions.Values.Where(s => s.Customer.CustomerId == customerId).Select(s => s.ToDodo())];
        }
    }

    /// <summary>The product a checkout session sells and the amount it charges, or null for an unknown session.</summary>
    public (DodoCheckoutStatus Session, SandboxProduct Product, long Amount, string? ReturnUrl)? CheckoutPage(string sessionId)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var s))
                return null;
            return (s.ToDodo(), _products[s.ProductId].ToWire(), s.Amount, s.ReturnUrl);
        }
    }

    /// <summary>Every recorded event, oldest first, with its delivery attempts.</summary>
    public SandboxEventList ListEvents()
    {
        SandboxEvent[] events;
        lock (_gate)
            events = [.. _events];
        return new SandboxEventList([.. events.Select(e => e.View())]);
    }

    /// <summary>
    /// Sends a recorded event again under its webhook-id, carrying the object's state now (a
    /// payment refunded since then arrives with its refunds), as Dodo's manual replay does.
    /// </summary>
    public async Task<SandboxResult<SandboxControlResponse>> RedeliverAsync(string webhookId, SandboxControlRequest delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (DeliveryProblem(delivery) is { } problem)
            return problem;
        SandboxEvent? e;
        lock (_gate)
            _eventsById.TryGetValue(webhookId, out e);
        if (e is null)
            return SandboxResult<SandboxControlResponse>.NotFound($"event {webhookId}");
        if (!_sender.HasTarget)
            return SandboxResult<SandboxControlResponse>.Conflict("the sandbox has no webhook URL");

        var copies = delivery.Duplicates ?? 1;
        var work = Task.WhenAll(Enumerable.Range(0, copies).Select(c => _sender.SendAsync(e, c, redelivery: true, () => LatestBody(e), _stopping.Token)));
        await WaitOrTrackAsync(work, delivery, ct);
        return SandboxResult<SandboxControlResponse>.Ok(new SandboxControlResponse("redeliver", [e.View()]));
    }

    /// <summary>Waits for deliveries started with <c>wait: false</c>.</summary>
    public Task DrainAsync() => Task.WhenAll(_background.Keys);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await DrainAsync();
        }
        catch (OperationCanceledException)
        {
            // Deliveries cut short by the stop: nothing is waiting for them.
        }

        _sender.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Runs one control operation: <paramref name="change"/> mutates state and emits events under
    /// the lock (or refuses), the answer's objects are read after it, then the events are delivered
    /// as <paramref name="delivery"/> asks.
    /// </summary>
    private async Task<SandboxResult<SandboxControlResponse>> RunAsync(string action, SandboxControlRequest delivery,
        Func<Emission, SandboxResult<SandboxControlResponse>?> change, CancellationToken ct)
    {
        if (DeliveryProblem(delivery) is { } problem)
            return problem;

        var emission = new Emission(this);
        SandboxControlResponse answer;
        lock (_gate)
        {
            if (change(emission) is { } refused)
                return refused;
            answer = new SandboxControlResponse(action, [],
                emission.Payment?.ToDodo(), emission.Subscription?.ToDodo(), emission.Refund, emission.Dispute?.ToDodo());
        }

        await DeliverAsync(emission.Events, delivery, ct);
        return SandboxResult<SandboxControlResponse>.Ok(answer with { Events = [.. emission.Events.Select(e => e.View())] });
    }

    private SandboxResult<SandboxControlResponse>? DeliveryProblem(SandboxControlRequest delivery) =>
        delivery.Duplicates is { } n && (n < 1 || n > _options.MaxDuplicates)
            ? SandboxResult<SandboxControlResponse>.Invalid($"duplicates must be between 1 and {_options.MaxDuplicates}")
            : delivery.DelayMs is < 0 or > 86_400_000
            ? SandboxResult<SandboxControlResponse>.Invalid("delay_ms must be between 0 and 86400000")
            : null;

    private async Task DeliverAsync(List<SandboxEvent> events, SandboxControlRequest delivery, CancellationToken ct)
    {
        if (delivery.Deliver == false || events.Count == 0 || !_sender.HasTarget)
            return;
        IReadOnlyList<SandboxEvent> ordered = delivery.Reverse == true ? [.. Enumerable.Reverse(events)] : events;
        var copies = delivery.Duplicates ?? 1;
        await WaitOrTrackAsync(SendInOrderAsync(ordered, copies, TimeSpan.FromMilliseconds(delivery.DelayMs ?? 0)), delivery, ct);
    }

    // Events go one after another, in the order asked, after the delay asked (on the sandbox's
    // clock); the copies of one event go at once.
    private async Task SendInOrderAsync(IReadOnlyList<SandboxEvent> events, int copies, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, _options.TimeProvider, _stopping.Token);
        foreach (var e in events)
            await Task.WhenAll(Enumerable.Range(0, copies).Select(c => _sender.SendAsync(e, c, redelivery: false, () => LatestBody(e), _stopping.Token)));
    }

    // Deliveries run on the sandbox's own token: a caller that goes away does not cut them short.
    private async Task WaitOrTrackAsync(Task work, SandboxControlRequest delivery, CancellationToken ct)
    {
        if (delivery.Wait != false)
        {
            await work.WaitAsync(ct);
            return;
        }

        _background[work] = true;
        _ = work.ContinueWith(t => _background.TryRemove(t, out _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private byte[] LatestBody(SandboxEvent e)
    {
        lock (_gate)
        {
            JsonObject? data = e.Kind switch
            {
                SandboxObjectKind.Payment => _payments.TryGetValue(e.ObjectId, out var p) ? Data(p.ToDodo(), DodoJsonContext.Default.DodoPayment, "Payment") : null,
                SandboxObjectKind.Subscription => _subscriptions.TryGetValue(e.ObjectId, out var s) ? Data(s.ToDodo(), DodoJsonContext.Default.DodoSubscription, "Subscription") : null,
                SandboxObjectKind.Refund => _refunds.TryGetValue(e.ObjectId, out var r) ? Data(r, DodoJsonContext.Default.DodoRefund, "Refund") : null,
                SandboxObjectKind.Dispute => _disputes.TryGetValue(e.ObjectId, out var d) ? Data(d.ToDodo(), DodoJsonContext.Default.DodoDispute, "Dispute") : null,
                _ => null,
            };
            return data is null ? e.Body : Body(e.Type, e.Timestamp, data);
        }
    }

    // Called under the lock: records the event with the object's state now.
    private SandboxEvent Record(string type, SandboxObjectKind kind, string objectId, JsonObject data)
    {
        var now = Now;
        var e = new SandboxEvent(NewId("msg"), type, kind, objectId, now, Body(type, now, data));
        _events.Enqueue(e);
        _eventsById[e.WebhookId] = e;
        while (_events.Count > _options.MaxEvents)
            _eventsById.Remove(_events.Dequeue().WebhookId);
        return e;
    }

    private static JsonObject Data<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string payloadType)
    {
        var data = JsonSerializer.SerializeToNode(value, type)!.AsObject();
        data.Insert(0, "payload_type", payloadType);
        return data;
    }

    private byte[] Body(string type, DateTimeOffset timestamp, JsonObject data)
    {
        var root = new JsonObject
        {
            ["business_id"] = _options.BusinessId,
            ["type"] = type,
            ["timestamp"] = timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["data"] = data.DeepClone(),
        };
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            root.WriteTo(writer);
        return buffer.ToArray();
    }

    // Called under the lock.
    private DodoCustomer? Customer(DodoCheckoutCustomer? given)
    {
        if (given?.CustomerId is { } id)
            return _customers.GetValueOrDefault(id);
        if (given?.Email is { } email && _customers.Values.FirstOrDefault(c => string.Equals(c.Email, email, StringComparison.OrdinalIgnoreCase)) is { } known)
            return known;
        var customerId = NewId("cus");
        var customer = new DodoCustomer(customerId, given?.Email ?? $"{customerId}@sandbox.invalid", given?.Name ?? "Sandbox Buyer");
        _customers[customerId] = customer;
        return customer;
    }

    private static string NewId(string prefix) => prefix + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The events and objects of one control operation, collected under the lock.</summary>
    private sealed class Emission(DodoSandbox sandbox)
    {
        public List<SandboxEvent> Events { get; } = [];

        public SandboxPayment? Payment { get; set; }

        public SandboxSubscription? Subscription { get; set; }

        public DodoRefund? Refund { get; set; }

        public SandboxDispute? Dispute { get; set; }

        public void Emit(string type, SandboxPayment p) =>
            Events.Add(sandbox.Record(type, SandboxObjectKind.Payment, p.Id, Data(p.ToDodo(), DodoJsonContext.Default.DodoPayment, "Payment")));

        public void Emit(string type, SandboxSubscription s) =>
            Events.Add(sandbox.Record(type, SandboxObjectKind.Subscription, s.Id, Data(s.ToDodo(), DodoJsonContext.Default.DodoSubscription, "Subscription")));

        public void Emit(string type, DodoRefund r) =>
            Events.Add(sandbox.Record(type, SandboxObjectKind.Refund, r.RefundId, Data(r, DodoJsonContext.Default.DodoRefund, "Refund")));

        public void Emit(string type, SandboxDispute d) =>
            Events.Add(sandbox.Record(type, SandboxObjectKind.Dispute, d.Id, Data(d.ToDodo(), DodoJsonContext.Default.DodoDispute, "Dispute")));
    }
}
