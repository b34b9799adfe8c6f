using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Tally.Payments;
using Tally.Payments.Providers;
using Tally.Payments.Webhooks;
using Tally.Server.Auth;
using Tally.Server.Hosting;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Payments;

/// <summary>
/// <c>POST /webhooks/dodo</c>: verified (401 and nothing stored on any doubt), stored once by its
/// <c>webhook-id</c>, applied with its ledger effects keyed on the provider's business ids;
/// 200 once stored and applied (or acknowledged), 5xx when the effect failed so DodoPayments
/// retries. Admins list stored webhooks and re-apply one (idempotent).
/// </summary>
public static class WebhookEndpoints
{
    public const string Provider = "dodo";

    public static void MapDodoWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/dodo", ReceiveAsync).WithTags("Payments").AllowAnonymous()
            .WithSummary("DodoPayments webhooks (Standard Webhooks signature)");
    }

    public static void MapWebhookEvents(this RouteGroupBuilder v1)
    {
        var events = v1.MapGroup("/webhook-events").WithTags("Payments").RequireAuthorization(Policies.Admin);
        events.MapGet("", ListAsync)
            .WithSummary("Stored provider webhooks, newest first: ?limit=50&cursor=");
        events.MapGet("/{provider}/{id}", GetAsync)
            .WithSummary("One stored webhook with its payload");
        events.MapPost("/{provider}/{id}/reprocess", ReprocessAsync).Audited()
            .WithSummary("Apply a stored webhook again (its effects are keyed on business ids: nothing is applied twice)");
    }

    [Refusals(401, 413, 500)]
    private static async Task<Answer<WebhookAck>> ReceiveAsync(HttpContext http, IWebhookReader reader, WebhookProcessor processor, IOptions<TallyOptions> options, CancellationToken ct)
    {
        var (raw, tooLarge) = await JsonBodyReader.ReadBytesAsync(http, options.Value.MaxBatchBodyBytes, ct);
        if (raw is not { } body)
        {
            return tooLarge!;
        }

        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var read = reader.Read(headers, body);
        if (read.Event is null)
        {
            return Problems.Result(http, StatusCodes.Status401Unauthorized, "unauthorized", $"webhook refused: {read.Refusal}");
        }

        return await ApplyAsync(http, () => processor.HandleAsync(Provider, read.Event, Encoding.UTF8.GetString(body), ct));
    }

    [Refusals(400)]
    private static async Task<Answer<WebhookEventListResponse>> ListAsync(HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        var query = http.Request.Query;
        var (limit, limitProblem) = Requests.Limit(query, PaymentEndpoints.DefaultLimit, PaymentEndpoints.MaxLimit);
        if (limitProblem is not null)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "limit", limitProblem));
        }

        DateTimeOffset? before = null;
        if (query["cursor"].ToString() is { Length: > 0 } cursor)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), "cursor", "is not a cursor this endpoint gave"));
            }

            before = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        var rows = await store.ListWebhookEventsAsync(before, limit + 1, ct);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? page[^1].ReceivedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) : null;
        return BytesResult.Json(200, new WebhookEventListResponse(page.Select(w => WebhookEventDto.From(w, payload: false)).ToList(), next));
    }

    [Refusals(404)]
    private static async Task<Answer<WebhookEventDto>> GetAsync(string provider, string id, HttpContext http, IPaymentStore store, CancellationToken ct) =>
        await store.FindWebhookEventAsync(provider, id, ct) is { } stored
            ? BytesResult.Json(200, WebhookEventDto.From(stored, payload: true))
            : Requests.NotFound(http, "webhook event", $"{provider}/{id}");

    [Refusals(404, 500)]
    private static async Task<Answer<WebhookAck>> ReprocessAsync(string provider, string id, HttpContext http, IPaymentStore store, IWebhookReader reader, WebhookProcessor processor, CancellationToken ct)
    {
        if (await store.FindWebhookEventAsync(provider, id, ct) is not { } stored)
        {
            return Requests.NotFound(http, "webhook event", $"{provider}/{id}");
        }

        var read = reader.ParseStored(stored.EventId, Encoding.UTF8.GetBytes(stored.Payload));
        return read.Event is null
            ? Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"the stored payload does not parse: {read.Refusal}")
            : await ApplyAsync(http, () => processor.ApplyAsync(provider, read.Event, ct));
    }

    private static async Task<BytesResult> ApplyAsync(HttpContext http, Func<Task<WebhookResult>> apply)
    {
        try
        {
            var result = await apply();
            return BytesResult.Json(200, new WebhookAck(Tally.Ledger.Relational.PaymentRecordSql.Name(result.Status), result.Duplicate));
        }
        catch (PaymentEffectRefusedException e)
        {
            return Problems.Result(http, StatusCodes.Status500InternalServerError, "effect_failed", $"stored, not applied; a retry applies it: {e.Message}");
        }
    }
}
