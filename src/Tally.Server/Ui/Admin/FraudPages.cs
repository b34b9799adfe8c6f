using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger;
using Tally.Ledger.Fraud;
using Tally.Server.Features.Fraud;

namespace Tally.Server.Ui.Admin;

/// <summary>The clear form: why (required), and whether to unfreeze the account too.</summary>
public sealed class ClearFlagForm
{
    public string? Reason { get; set; }

    public string? Unfreeze { get; set; }
}

/// <summary>
/// The admin panel's fraud flags (docs/ui.md, docs/fraud.md): open or cleared, with their evidence
/// shown readably, cleared with a mandatory reason as <c>POST /v1/fraud-flags/{id}/clear</c> does
/// (the account stays frozen unless unfreeze is ticked), attributed to the admin and audited.
/// </summary>
public static class FraudPages
{
    public const int PageSize = 50;

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["cleared"] = "Flag cleared.",
        ["unfrozen"] = "Flag cleared and the account unfrozen.",
        ["frozen"] = "Flag cleared, but the account could not be unfrozen: see the account.",
    };

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/fraud", ListAsync);
        admin.MapGet("/fraud/{id}", async (string id, string? done, HttpContext http, IFraudStore store, CancellationToken ct) =>
            await store.FindFlagAsync(id, ct) is { } flag
                ? FlagPage(http, flag, new ClearFlagForm(), null, OpsPages.Notice(Notices, done))
                : (IResult)OpsPages.NotFound(http, "fraud", "fraud flag", id, "/admin/fraud"));
        admin.MapPost("/fraud/{id}/clear", ClearAsync);
    }

    private static async Task<RazorComponentResult<FraudPage>> ListAsync(string? status, string? account, string? cursor, HttpContext http, IFraudStore store, CancellationToken ct)
    {
        status = status is "cleared" or "all" ? status : "open";
        FraudFlagStatus? filter = status switch { "open" => FraudFlagStatus.Open, "cleared" => FraudFlagStatus.Cleared, _ => null };
        account = OpsFormValues.Text(account);
        if (account is not null && Tally.Ledger.Engine.FieldRules.AccountId(account) is not null)
        {
            account = null;
        }

        var before = cursor is { Length: > 0 } c && c.StartsWith("flag_", StringComparison.Ordinal) ? c : null;
        var rows = await store.ListFlagsAsync(filter, account, before, PageSize + 1, ct);
        var page = rows.Take(PageSize).ToList();
        return UiEndpoints.Page<FraudPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Flags = page,
            Status = status,
            Account = account,
            Next = rows.Count > PageSize ? "/admin/fraud" + OpsPages.Query(("status", status), ("account", account), ("cursor", page[^1].Id)) : null,
        });
    }

    private static RazorComponentResult<FraudFlagPage> FlagPage(HttpContext http, FraudFlag flag, ClearFlagForm form, Dictionary<string, string[]>? errors, string? notice) =>
        UiEndpoints.Page<FraudFlagPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Flag = flag,
            Form = form,
            Errors = (IReadOnlyDictionary<string, string[]>?)errors,
            Notice = notice,
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> ClearAsync(string id, [FromForm] ClearFlagForm form, HttpContext http, IFraudStore store, CreditLedger ledger, AdminAudit audit, TimeProvider time, CancellationToken ct)
    {
        if (await store.FindFlagAsync(id, ct) is not { } current)
        {
            return OpsPages.NotFound(http, "fraud", "fraud flag", id, "/admin/fraud");
        }

        var reason = form.Reason?.Trim();
        if (FraudEndpoints.ReasonProblem(reason) is { } problem)
        {
            await audit.RecordAsync(http, "clear fraud flag", id, StatusCodes.Status400BadRequest, "refused: reason " + problem, ct);
            return FlagPage(http, current, form, new(StringComparer.Ordinal) { ["reason"] = [problem] }, null);
        }

        var actor = AdminLogin.ActorOf(http);
        if (await store.ClearFlagAsync(id, actor, reason!, time.GetUtcNow(), ct) is not { } flag)
        {
            return OpsPages.NotFound(http, "fraud", "fraud flag", id, "/admin/fraud");
        }

        var unfreeze = OpsFormValues.Checked(form.Unfreeze);
        var refused = unfreeze ? await FraudEndpoints.UnfreezeAsync(ledger, flag, actor, ct) : null;
        await audit.RecordAsync(http, "clear fraud flag", id, refused is null ? StatusCodes.Status200OK : StatusCodes.Status409Conflict,
            OpsPages.Json(new { flag.Account, reason, unfreeze, unfreezeRefused = refused?.ToString() }), ct);
        return Results.Redirect($"/admin/fraud/{Uri.EscapeDataString(id)}?done=" + (refused is not null ? "frozen" : unfreeze ? "unfrozen" : "cleared"));
    }
}
