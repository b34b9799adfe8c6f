using Tally.Ledger.Engine;
using Tally.Ledger.Webhooks;
using Tally.Payments.Dodo.Webhooks;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Webhooks;

/// <summary>
/// <c>/v1/webhook-endpoints</c> (admin): endpoints that receive Tally's events, their secrets
/// (shown once, rotated with both valid for 24 h), and every delivery attempt, replayable.
/// </summary>
public static class OutboundWebhookEndpoints
{
    public const int MaxUrlLength = 2048;
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>How long the previous secret still signs deliveries after a rotation.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    public static void MapOutboundWebhooks(this RouteGroupBuilder v1)
    {
        var endpoints = v1.MapGroup("/webhook-endpoints").WithTags("Webhooks").RequireAuthorization(Policies.Admin);
        endpoints.MapGet("", ListAsync).WithSummary("Endpoints that receive Tally's events (never their secrets)");
        endpoints.MapPost("", CreateAsync).Audited(redacted: true).Accepts<WebhookEndpointRequest>("application/json")
            .WithSummary("Add an endpoint; its signing secret (whsec_…) is in this answer only");
        endpoints.MapGet("/{id}", GetAsync).WithSummary("One endpoint");
        endpoints.MapDelete("/{id}", DeleteAsync).Audited().WithSummary("Remove an endpoint and its delivery history");
        endpoints.MapPost("/{id}/rotate-secret", RotateAsync).Audited(redacted: true)
            .WithSummary("A new signing secret, in this answer only; the previous one stays valid (deliveries carry both signatures) for 24 h");
        endpoints.MapGet("/{id}/deliveries", DeliveriesAsync).WithSummary("Delivery attempts, newest first: ?limit=50&cursor=");
        endpoints.MapPost("/{id}/deliveries/{deliveryId}/replay", ReplayAsync).Audited()
            .WithSummary("Send that attempt's event again now (same webhook-id); answers the attempt that will send it");
    }

    private static async Task<Answer<ListResponse<WebhookEndpointDto>>> ListAsync(IWebhookStore store, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<WebhookEndpointDto>((await store.ListEndpointsAsync(ct)).Select(WebhookEndpointDto.From).ToList()));

    [Refusals(404)]
    private static async Task<Answer<WebhookEndpointDto>> GetAsync(string id, HttpContext http, IWebhookStore store, CancellationToken ct) =>
        await store.FindEndpointAsync(id, ct) is { } endpoint
            ? BytesResult.Json(200, WebhookEndpointDto.From(endpoint))
            : Requests.NotFound(http, "webhook endpoint", id);

    [Refusals(400)]
    private static async Task<CreatedAnswer<WebhookEndpointSecretDto>> CreateAsync(HttpContext http, IWebhookStore store, UrlGuard guard, HttpIdempotency idempotency, TimeProvider time, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<WebhookEndpointRequest>(http, async body =>
        {
            var request = body.Value;
            var errors = await CheckAsync(request, guard, ct);
            if (errors.Count > 0)
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), errors));
            }

            var endpoint = NewEndpoint(request, time.GetUtcNow());
            await store.CreateEndpointAsync(endpoint, ct);
            var created = WithSecret(endpoint, endpoint.Secret);
            return BytesResult.JsonWithSecret(201, created, created with { Secret = null });
        });

    /// <summary>The field errors of an endpoint request (none when it may be created): the API's and the admin panel's one rule, SSRF guard included.</summary>
    internal static async Task<Dictionary<string, string[]>> CheckAsync(WebhookEndpointRequest request, UrlGuard guard, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Url) || request.Url.Length > MaxUrlLength)
        {
            errors["url"] = [$"must be an https:// URL of at most {MaxUrlLength} characters"];
        }
        else if (await guard.CheckAsync(request.Url, ct) is { } refusal)
        {
            errors["url"] = [refusal];
        }

        if (request.Events is not { Length: > 0 } events
            || events.Any(e => e is null || (e != WebhookEndpointRecord.AllEvents && !WebhookEventTypes.All.Contains(e))))
        {
            errors["events"] = [$"must list \"*\" or event types: {string.Join(", ", WebhookEventTypes.All)}"];
        }

        if (request.Description is { } description && FieldRules.Text(description, FieldRules.MaxTextLength) is { } problem)
        {
            errors["description"] = [problem];
        }

        return errors;
    }

    /// <summary>A new endpoint for a checked request, with a new signing secret.</summary>
    internal static WebhookEndpointRecord NewEndpoint(WebhookEndpointRequest request, DateTimeOffset now) => new(
        "we_" + Tally.Ledger.Model.LedgerIds.New(now).ToString("N"), request.Url!, request.Events!.Distinct(StringComparer.Ordinal).ToList(),
        request.Description, StandardWebhooks.NewSecret(), null, null, now, now);

    [Refusals(404)]
    private static async Task<EmptyAnswer> DeleteAsync(string id, HttpContext http, IWebhookStore store, HttpIdempotency idempotency, CancellationToken ct) =>
        await idempotency.RunAsync(http, [], async () =>
            await store.DeleteEndpointAsync(id, ct) ? BytesResult.NoContent() : Requests.NotFound(http, "webhook endpoint", id));

    [Refusals(404)]
    private static async Task<Answer<WebhookEndpointSecretDto>> RotateAsync(string id, HttpContext http, IWebhookStore store, HttpIdempotency idempotency, TimeProvider time, CancellationToken ct) =>
        await idempotency.RunAsync(http, [], async () =>
        {
            var now = time.GetUtcNow();
            var secret = StandardWebhooks.NewSecret();
            if (!await store.RotateSecretAsync(id, secret, now + RotationOverlap, now, ct) || await store.FindEndpointAsync(id, ct) is not { } endpoint)
            {
                return Requests.NotFound(http, "webhook endpoint", id);
            }

            var rotated = WithSecret(endpoint, secret);
            return BytesResult.JsonWithSecret(200, rotated, rotated with { Secret = null });
        });

    [Refusals(400, 404)]
    private static async Task<Answer<DeliveryListResponse>> DeliveriesAsync(string id, HttpContext http, IWebhookStore store, CancellationToken ct)
    {
        var (limit, limitProblem) = Requests.Limit(http.Request.Query, DefaultLimit, MaxLimit);
        if (limitProblem is not null)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "limit", limitProblem));
        }

        var cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        if (cursor is not null && !cursor.StartsWith("dlv_", StringComparison.Ordinal))
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "cursor", "is not a cursor this endpoint gave"));
        }

        if (await store.FindEndpointAsync(id, ct) is null)
        {
            return Requests.NotFound(http, "webhook endpoint", id);
        }

        var page = await store.ListDeliveriesAsync(id, cursor, limit + 1, ct);
        var data = page.Take(limit).Select(DeliveryDto.From).ToList();
        return BytesResult.Json(200, new DeliveryListResponse(data, page.Count > limit ? data[^1].Id : null));
    }

    [Refusals(404)]
    private static async Task<Answer<DeliveryDto>> ReplayAsync(string id, string deliveryId, HttpContext http, IWebhookStore store, WebhookSettings settings, WebhookSignal signal, HttpIdempotency idempotency, TimeProvider time, CancellationToken ct) =>
        await idempotency.RunAsync(http, [], async () =>
        {
            var now = time.GetUtcNow();
            if (await store.ReplayAsync(id, deliveryId, now, now + settings.Schedule.Horizon, ct) is not { } attempt)
            {
                return Requests.NotFound(http, "delivery attempt", deliveryId);
            }

            signal.Wake();
            return BytesResult.Json(200, DeliveryDto.From(attempt));
        });

    private static WebhookEndpointSecretDto WithSecret(WebhookEndpointRecord e, string? secret) =>
        new(e.Id, e.Url, e.Events, e.Description, secret, e.PreviousSecretExpiresAt, e.CreatedAt);
}

/// <summary>Registers outbound webhooks: the SSRF guard, the sender, the relay and the delivery worker.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddTallyWebhooks(this IServiceCollection services, WebhookSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(sp => (IWebhookStore)sp.GetRequiredService<Tally.Ledger.Storage.ILedgerStore>());
        services.AddSingleton(new UrlGuard(settings.AllowPrivateUrls));
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<EventRenderer>();
        services.AddSingleton(sp => new WebhookSender(sp.GetRequiredService<UrlGuard>(), settings.Timeout, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<DeliveryWorker>();
        if (settings.Workers)
        {
            services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
            services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        }

        return services;
    }
}
