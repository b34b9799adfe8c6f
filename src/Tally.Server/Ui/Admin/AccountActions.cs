using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger.Model;
using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Outcomes;
using Tally.Payments;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Ui.Admin;

/// <summary>
/// The account page's changes: adjust, freeze, unfreeze, settings. Each runs the same ledger
/// command as the API (attributed to <c>admin:email</c>), is audited, and redirects back to the
/// page with a fixed notice; a refused form is shown again with its errors and changes nothing.
/// </summary>
public static class AccountActions
{
    /// <summary>The notices the page shows after a redirect, by the <c>done</c> query value.</summary>
    public static readonly IReadOnlyDictionary<string, string> Notices = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["adjusted"] = "The adjustment was recorded.",
        ["frozen"] = "The account is frozen: it cannot spend until it is unfrozen.",
        ["unfrozen"] = "The account is unfrozen.",
        ["settings"] = "The account's settings were saved.",
    };

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapPost("/accounts/{id}/adjust", AdjustAsync);
        admin.MapPost("/accounts/{id}/freeze", ([FromForm] FreezeForm form, string id, HttpContext http, CreditLedger ledger, IPaymentStore payments, AdminAudit audit, CancellationToken ct) =>
            FreezeAsync(id, true, form, http, ledger, payments, audit, ct));
        admin.MapPost("/accounts/{id}/unfreeze", ([FromForm] FreezeForm form, string id, HttpContext http, CreditLedger ledger, IPaymentStore payments, AdminAudit audit, CancellationToken ct) =>
            FreezeAsync(id, false, form, http, ledger, payments, audit, ct));
        admin.MapPost("/accounts/{id}/settings", SettingsAsync);
    }

    private static async Task<IResult> AdjustAsync([FromForm] AdjustForm form, string id, HttpContext http, CreditLedger ledger, IPaymentStore payments, AdminAudit audit, CancellationToken ct)
    {
        if (await ledger.GetAccountAsync(id, ct) is null)
        {
            return AccountsPages.NotFound(http, id);
        }

        var fields = new Fields(ledger);
        var unit = await fields.UnitAsync(string.IsNullOrWhiteSpace(form.Unit) ? null : form.Unit.Trim(), ct);
        decimal? value = null;
        if (string.IsNullOrWhiteSpace(form.Amount))
        {
            fields.Add("amount", FieldRules.Required);
        }
        else if (decimal.TryParse(form.Amount.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }
        else
        {
            fields.Add("amount", "must be a number, e.g. 25 or -10");
        }

        var amount = value is null ? null : fields.Amount(value, unit, signed: true);
        if (string.IsNullOrWhiteSpace(form.Reason))
        {
            fields.Add("reason", "is required for an adjustment");
        }

        var reason = fields.Text(form.Reason?.Trim(), "reason");
        Guid? lot = null;
        if (!string.IsNullOrEmpty(form.LotId))
        {
            if (LedgerIds.TryParseLot(form.LotId, out var parsedLot))
            {
                lot = parsedLot;
            }
            else
            {
                fields.Add("lotId", "must be a lot id");
            }
        }

        if (!Guid.TryParse(form.IdempotencyKey, out var key))
        {
            fields.Add("form", "This form is incomplete: reload the page and try again.");
        }

        if (!fields.Ok)
        {
            return await AccountsPages.DetailAsync(http, id, ledger, payments, null,
                new AccountFormState(Adjust: form, Errors: fields.Errors.ToDictionary(e => e.Key, e => e.Value[0], StringComparer.Ordinal), AdjustError: fields.Errors.TryGetValue("form", out var f) ? f[0] : null),
                StatusCodes.Status400BadRequest, ct);
        }

        var command = new Adjust(id, amount!.Value, reason!, unit!.Key, form.Paid == "true", lot);
        var idempotency = RequestIdempotency.For($"ui:{AdminLogin.ActorOf(http)}:adjust:{key:N}", [command]) with { ClientKey = key.ToString("N") };
        var outcome = await RunAsync(http, ledger, command, idempotency, ct);
        var details = $"{AccountFormat.Signed(value!.Value)} {unit.Key}{(command.Paid ? " paid" : "")}{(lot is { } l ? " from " + LedgerIds.Lot(l) : "")}: {reason}" + (outcome.Replayed ? " (repeated submit, replayed)" : "");
        if (outcome.Single is Failure failure)
        {
            var problem = Problems.FromFailure(failure, Problems.TraceId(http));
            await audit.RecordAsync(http, "adjust account", id, problem.Status ?? 400, details + " → " + problem.Detail, ct);
            return await AccountsPages.DetailAsync(http, id, ledger, payments, null,
                new AccountFormState(Adjust: form, AdjustError: "The adjustment was refused: " + problem.Detail), problem.Status ?? 400, ct);
        }

        if (!outcome.Replayed)
        {
            await audit.RecordAsync(http, "adjust account", id, StatusCodes.Status201Created, details, ct);
        }

        return Done(id, "adjusted");
    }

    private static async Task<IResult> FreezeAsync(string id, bool frozen, FreezeForm form, HttpContext http, CreditLedger ledger, IPaymentStore payments, AdminAudit audit, CancellationToken ct)
    {
        var action = frozen ? "freeze account" : "unfreeze account";
        var reason = string.IsNullOrWhiteSpace(form.Reason) ? null : form.Reason.Trim();
        if (FieldRules.Text(reason) is { } invalid)
        {
            return await AccountsPages.DetailAsync(http, id, ledger, payments, null,
                new AccountFormState(Errors: new Dictionary<string, string>(StringComparer.Ordinal) { [frozen ? "freezeReason" : "unfreezeReason"] = invalid }), StatusCodes.Status400BadRequest, ct);
        }

        var outcome = await RunAsync(http, ledger, new SetFrozen(id, frozen, reason), null, ct);
        if (outcome.Single is Failure failure)
        {
            var problem = Problems.FromFailure(failure, Problems.TraceId(http));
            await audit.RecordAsync(http, action, id, problem.Status ?? 400, problem.Detail, ct);
            return failure is NotFound ? AccountsPages.NotFound(http, id) : await AccountsPages.DetailAsync(http, id, ledger, payments, null,
                new AccountFormState(AdjustError: problem.Detail), problem.Status ?? 400, ct);
        }

        await audit.RecordAsync(http, action, id, StatusCodes.Status200OK, reason, ct);
        return Done(id, frozen ? "frozen" : "unfrozen");
    }

    private static async Task<IResult> SettingsAsync([FromForm] AccountSettingsForm form, string id, HttpContext http, CreditLedger ledger, IPaymentStore payments, AdminAudit audit, CancellationToken ct)
    {
        if (await ledger.GetAccountAsync(id, ct) is null)
        {
            return AccountsPages.NotFound(http, id);
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var tier = form.Tier?.Trim() ?? "";
        if (FieldRules.Tier(tier) is { } tierProblem)
        {
            errors["tier"] = tierProblem;
        }

        var overdraft = Limit(form.OverdraftLimit, "overdraftLimit", errors);
        var threshold = Limit(form.LowBalanceThreshold, "lowBalanceThreshold", errors);
        if (errors.Count > 0)
        {
            return await AccountsPages.DetailAsync(http, id, ledger, payments, null, new AccountFormState(Settings: form, Errors: errors), StatusCodes.Status400BadRequest, ct);
        }

        var command = new EnsureAccount(id, tier, overdraft ?? 0, Patch.To(threshold));
        var outcome = await RunAsync(http, ledger, command, null, ct);
        var details = $"tier={tier} overdraftLimit={overdraft ?? 0} lowBalanceThreshold={(threshold is { } t ? t.ToString(CultureInfo.InvariantCulture) : "none")}";
        if (outcome.Single is Failure failure)
        {
            var problem = Problems.FromFailure(failure, Problems.TraceId(http));
            await audit.RecordAsync(http, "update account", id, problem.Status ?? 400, details + " → " + problem.Detail, ct);
            return await AccountsPages.DetailAsync(http, id, ledger, payments, null,
                new AccountFormState(Settings: form, Errors: new Dictionary<string, string>(StringComparer.Ordinal) { ["settings"] = problem.Detail ?? "refused" }), problem.Status ?? 400, ct);
        }

        await audit.RecordAsync(http, "update account", id, StatusCodes.Status200OK, details, ct);
        return Done(id, "settings");
    }

    /// <summary>Runs one command as the signed-in admin (journal actor <c>admin:email</c>), counted in the metrics like the API's.</summary>
    private static async Task<RequestOutcome> RunAsync(HttpContext http, CreditLedger ledger, LedgerCommand command, RequestIdempotency? idempotency, CancellationToken ct)
    {
        var request = new LedgerRequest([command], BatchMode.Atomic, idempotency, AdminLogin.ActorOf(http));
        var outcome = await ledger.ExecuteAsync(request, ct);
        http.RequestServices.GetRequiredService<TallyMetrics>().Record(request.Commands, outcome);
        return outcome;
    }

    /// <summary>A whole number 0..max in whole units (<see cref="FieldRules.AccountLimit"/>); empty is none.</summary>
    private static long? Limit(string? text, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            errors[field] = "must be a whole number";
            return null;
        }

        if (FieldRules.AccountLimit(value) is { } problem)
        {
            errors[field] = problem;
            return null;
        }

        return value;
    }

    private static IResult Done(string id, string notice) =>
        Results.Redirect($"{AccountFormat.AccountUrl(id)}?done={notice}", permanent: false, preserveMethod: false);
}
