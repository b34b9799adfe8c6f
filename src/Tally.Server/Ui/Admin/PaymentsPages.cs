using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Payments;
using Tally.Payments.Providers;
using Tally.Payments.Webhooks;

namespace Tally.Server.Ui.Admin;

/// <summary>
/// The admin panel's payments (docs/ui.md): payments filtered by account and status, one payment
/// with its refunds and disputes, and the inbound provider webhook log with each payload and a
/// Re-process button that applies it as <c>POST /v1/webhook-events/{provider}/{id}/reprocess</c> does.
/// </summary>
public static class PaymentsPages
{
    public const int PageSize = 50;

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["reprocessed"] = "Re-processed: its effects are applied (nothing is applied twice).",
        ["failed"] = "Re-processing failed: the event stays stored; its detail says why, and a retry applies it.",
        ["unreadable"] = "The stored payload does not parse: nothing was applied.",
    };

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/payments", ListAsync);
        admin.MapGet("/payments/webhook-events", EventsAsync);
        admin.MapGet("/payments/webhook-events/{provider}/{id}", EventAsync);
        admin.MapPost("/payments/webhook-events/{provider}/{id}/reprocess", ReprocessAsync);
        admin.MapGet("/payments/{id}", DetailAsync);
    }

    /// <summary>The payment statuses as stored (the filter's choices).</summary>
    public static IReadOnlyList<string> Statuses { get; } = Enum.GetValues<PaymentStatus>().Select(s => PaymentRecordSql.Name(s)).ToList();

    private static async Task<RazorComponentResult<PaymentsPage>> ListAsync(string? account, string? status, string? cursor, HttpContext http, ILedgerStore store, CancellationToken ct)
    {
        var queries = (IPaymentAdminQueries)store;
        account = OpsFormValues.Text(account);
        var filter = Enum.GetValues<PaymentStatus>().Where(s => PaymentRecordSql.Name(s) == status).Select(s => (PaymentStatus?)s).FirstOrDefault();
        var rows = await queries.SearchPaymentsAsync(account, filter, OpsFormValues.Text(cursor), PageSize + 1, ct);
        var page = rows.Take(PageSize).ToList();
        string? next = null;
        if (rows.Count > PageSize)
        {
            next = OpsPages.Query(("account", account), ("status", filter is null ? null : status), ("cursor", page[^1].Id));
        }

        return UiEndpoints.Page<PaymentsPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Payments = page,
            Account = account,
            Status = filter is null ? null : status,
            Next = next is null ? null : "/admin/payments" + next,
        });
    }

    private static async Task<IResult> DetailAsync(string id, HttpContext http, IPaymentStore payments, ILedgerStore store, CancellationToken ct)
    {
        if (await payments.FindPaymentAsync(id, ct) is not { } payment)
        {
            return OpsPages.NotFound(http, "payments", "payment", id, "/admin/payments");
        }

        return UiEndpoints.Page<PaymentDetailPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Payment = payment,
            Effects = await ((IPaymentAdminQueries)store).ListPaymentEffectsAsync(id, ct),
        });
    }

    private static async Task<IResult> EventsAsync(string? cursor, HttpContext http, IPaymentStore store, CancellationToken ct)
    {
        DateTimeOffset? before = null;
        if (cursor is { Length: > 0 } && long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks)
        {
            before = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        var rows = await store.ListWebhookEventsAsync(before, PageSize + 1, ct);
        var page = rows.Take(PageSize).ToList();
        return UiEndpoints.Page<WebhookEventsPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Events = page,
            Next = rows.Count > PageSize ? "/admin/payments/webhook-events?cursor=" + page[^1].ReceivedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    private static async Task<IResult> EventAsync(string provider, string id, string? done, HttpContext http, IPaymentStore store, CancellationToken ct) =>
        await store.FindWebhookEventAsync(provider, id, ct) is { } stored
            ? UiEndpoints.Page<WebhookEventPage>(new { Email = AdminLogin.EmailOf(http), Event = stored, Notice = OpsPages.Notice(Notices, done) })
            : OpsPages.NotFound(http, "payments", "webhook event", $"{provider}/{id}", "/admin/payments/webhook-events");

    /// <summary>The same steps as the API's re-process: parse the stored payload, apply it (effects keyed on business ids).</summary>
    private static async Task<IResult> ReprocessAsync(string provider, string id, HttpContext http, IPaymentStore store, IWebhookReader reader, WebhookProcessor processor, AdminAudit audit, CancellationToken ct)
    {
        if (await store.FindWebhookEventAsync(provider, id, ct) is not { } stored)
        {
            return OpsPages.NotFound(http, "payments", "webhook event", $"{provider}/{id}", "/admin/payments/webhook-events");
        }

        var target = $"{provider}/{id}";
        var back = $"/admin/payments/webhook-events/{Uri.EscapeDataString(provider)}/{Uri.EscapeDataString(id)}?done=";
        var read = reader.ParseStored(stored.EventId, Encoding.UTF8.GetBytes(stored.Payload));
        if (read.Event is null)
        {
            await audit.RecordAsync(http, "reprocess webhook event", target, StatusCodes.Status409Conflict, "the stored payload does not parse", ct);
            return Results.Redirect(back + "unreadable");
        }

        try
        {
            var result = await processor.ApplyAsync(provider, read.Event, ct);
            await audit.RecordAsync(http, "reprocess webhook event", target, StatusCodes.Status200OK,
                OpsPages.Json(new { status = PaymentRecordSql.Name(result.Status), result.Duplicate }), ct);
            return Results.Redirect(back + "reprocessed");
        }
        catch (PaymentEffectRefusedException e)
        {
            await audit.RecordAsync(http, "reprocess webhook event", target, StatusCodes.Status500InternalServerError, e.Message, ct);
            return Results.Redirect(back + "failed");
        }
    }
}
