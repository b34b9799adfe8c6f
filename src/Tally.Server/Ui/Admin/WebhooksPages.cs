using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger.Webhooks;
using Tally.Server.Features.Webhooks;

namespace Tally.Server.Ui.Admin;

/// <summary>The endpoint form: where to send, which events (<c>*</c> = all), a description.</summary>
public sealed class WebhookEndpointForm
{
    public string? Url { get; set; }

    public string[]? Events { get; set; }

    public string? Description { get; set; }
}

/// <summary>
/// The admin panel's outbound webhooks (docs/ui.md): endpoints created with the rule and SSRF guard
/// of <c>POST /v1/webhook-endpoints</c> (the <c>whsec_</c> secret rendered once in the answer),
/// deleted, and their delivery attempts listed with a Replay button, as the API does.
/// </summary>
public static class WebhooksPages
{
    public const int PageSize = 50;

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["deleted"] = "Endpoint deleted, with its delivery history.",
        ["replayed"] = "Replay queued: a new attempt sends the event again (same webhook-id).",
    };

    /// <summary>The event choices of the form: all, then each type.</summary>
    public static IReadOnlyList<string> EventChoices { get; } = [WebhookEndpointRecord.AllEvents, .. WebhookEventTypes.All];

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/webhooks", async (string? done, HttpContext http, IWebhookStore store, CancellationToken ct) =>
            await ListPageAsync(http, store, new WebhookEndpointForm { Events = [WebhookEndpointRecord.AllEvents] }, null, OpsPages.Notice(Notices, done), ct));
        admin.MapPost("/webhooks", CreateAsync);
        admin.MapGet("/webhooks/{id}", DetailAsync);
        admin.MapPost("/webhooks/{id}/delete", DeleteAsync);
        admin.MapPost("/webhooks/{id}/deliveries/{deliveryId}/replay", ReplayAsync);
    }

    private static async Task<RazorComponentResult<WebhooksPage>> ListPageAsync(HttpContext http, IWebhookStore store, WebhookEndpointForm form, Dictionary<string, string[]>? errors, string? notice, CancellationToken ct) =>
        UiEndpoints.Page<WebhooksPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Notice = notice,
            Endpoints = await store.ListEndpointsAsync(ct),
            Form = form,
            Errors = (IReadOnlyDictionary<string, string[]>?)errors,
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> CreateAsync([FromForm] WebhookEndpointForm form, HttpContext http, IWebhookStore store, UrlGuard guard, AdminAudit audit, TimeProvider time, CancellationToken ct)
    {
        var request = new WebhookEndpointRequest(OpsFormValues.Text(form.Url), form.Events, OpsFormValues.Text(form.Description));
        var errors = await OutboundWebhookEndpoints.CheckAsync(request, guard, ct);
        if (errors.Count > 0)
        {
            return await ListPageAsync(http, store, form, errors, null, ct);
        }

        var endpoint = OutboundWebhookEndpoints.NewEndpoint(request, time.GetUtcNow());
        await store.CreateEndpointAsync(endpoint, ct);
        await audit.RecordAsync(http, "create webhook endpoint", endpoint.Id, StatusCodes.Status201Created, OpsPages.Json(WebhookEndpointDto.From(endpoint)), ct);

        // The signing secret is shown here once: rendered into this answer, never redirected to.
        http.Response.Headers.CacheControl = "no-store";
        return UiEndpoints.Page<WebhookCreatedPage>(new { Email = AdminLogin.EmailOf(http), Endpoint = endpoint }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> DetailAsync(string id, string? cursor, string? done, HttpContext http, IWebhookStore store, CancellationToken ct)
    {
        if (await store.FindEndpointAsync(id, ct) is not { } endpoint)
        {
            return OpsPages.NotFound(http, "webhooks", "webhook endpoint", id, "/admin/webhooks");
        }

        var before = cursor is { Length: > 0 } c && c.StartsWith("dlv_", StringComparison.Ordinal) ? c : null;
        var rows = await store.ListDeliveriesAsync(id, before, PageSize + 1, ct);
        var page = rows.Take(PageSize).ToList();
        return UiEndpoints.Page<WebhookEndpointPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Notice = OpsPages.Notice(Notices, done),
            Endpoint = WebhookEndpointDto.From(endpoint),
            Deliveries = page.Select(DeliveryDto.From).ToList(),
            Next = rows.Count > PageSize ? $"/admin/webhooks/{Uri.EscapeDataString(id)}?cursor={Uri.EscapeDataString(page[^1].Id)}" : null,
        });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, IWebhookStore store, AdminAudit audit, CancellationToken ct)
    {
        if (!await store.DeleteEndpointAsync(id, ct))
        {
            return OpsPages.NotFound(http, "webhooks", "webhook endpoint", id, "/admin/webhooks");
        }

        await audit.RecordAsync(http, "delete webhook endpoint", id, StatusCodes.Status204NoContent, null, ct);
        return Results.Redirect("/admin/webhooks?done=deleted");
    }

    private static async Task<IResult> ReplayAsync(string id, string deliveryId, HttpContext http, IWebhookStore store, WebhookSettings settings, WebhookSignal signal, AdminAudit audit, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await store.ReplayAsync(id, deliveryId, now, now + settings.Schedule.Horizon, ct) is not { } attempt)
        {
            return OpsPages.NotFound(http, "webhooks", "delivery attempt", deliveryId, $"/admin/webhooks/{Uri.EscapeDataString(id)}");
        }

        signal.Wake();
        await audit.RecordAsync(http, "replay webhook delivery", $"{id}/{deliveryId}", StatusCodes.Status200OK, OpsPages.Json(new { attempt = attempt.Id, attempt.EventId }), ct);
        return Results.Redirect($"/admin/webhooks/{Uri.EscapeDataString(id)}?done=replayed");
    }
}
