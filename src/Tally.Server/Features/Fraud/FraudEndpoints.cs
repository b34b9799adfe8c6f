using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Fraud;
using Tally.Ledger.Outcomes;
using Tally.Server.Auth;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Fraud;

/// <summary>
/// Fraud flags (admin, docs/fraud.md): listed with their evidence, per account, and cleared with a
/// reason (audited; clearing again answers the flag as first cleared). Clearing leaves the account
/// frozen unless <c>unfreeze</c> is true.
/// </summary>
public static class FraudEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxReasonLength = 500;

    public static void MapFraudFlags(this RouteGroupBuilder v1)
    {
        var flags = v1.MapGroup("/fraud-flags").WithTags("Fraud").RequireAuthorization(Policies.Admin);
        flags.MapGet("", ListAsync).WithSummary("Fraud flags, newest first: ?status=open|cleared|all (open)&account=&limit=50&cursor=");
        flags.MapGet("/{id}", GetAsync).WithSummary("One fraud flag with its evidence");
        flags.MapPost("/{id}/clear", ClearAsync).Audited().Accepts<ClearFlagRequest>("application/json")
            .WithSummary("Clear a flag with a reason (1–500 characters); the account stays frozen unless unfreeze is true");
        v1.MapGet("/accounts/{externalId}/fraud-flags", AccountAsync).WithTags("Fraud").RequireAuthorization(Policies.Admin)
            .WithSummary("An account's fraud flags, newest first: ?status=open|cleared|all (all)&limit=50&cursor=");
    }

    public static IServiceCollection AddTallyFraud(this IServiceCollection services, FraudSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(sp => (IFraudStore)sp.GetRequiredService<Tally.Ledger.Storage.ILedgerStore>());
        services.AddSingleton<FraudDetector>();
        if (settings.Enabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<FraudDetector>());
        }

        return services;
    }

    [Refusals(400)]
    private static Task<Answer<FraudFlagListResponse>> ListAsync(HttpContext http, IFraudStore store, CancellationToken ct)
    {
        var account = http.Request.Query["account"].ToString() is { Length: > 0 } a ? a : null;
        return PageAsync(http, store, account, "open", ct);
    }

    [Refusals(400, 404)]
    private static async Task<Answer<FraudFlagListResponse>> AccountAsync(string externalId, HttpContext http, IFraudStore store, CreditLedger ledger, CancellationToken ct)
    {
        if (await ledger.GetAccountAsync(externalId, ct) is null && (await store.ListFlagsAsync(null, externalId, null, 1, ct)).Count == 0)
        {
            return Requests.NotFound(http, "account", externalId);
        }

        return await PageAsync(http, store, externalId, "all", ct);
    }

    private static async Task<Answer<FraudFlagListResponse>> PageAsync(HttpContext http, IFraudStore store, string? account, string defaultStatus, CancellationToken ct)
    {
        var query = http.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (limit, limitProblem) = Requests.Limit(query, DefaultLimit, MaxLimit);
        if (limitProblem is not null)
        {
            errors["limit"] = [limitProblem];
        }

        FraudFlagStatus? status = null;
        switch (query["status"].ToString() is { Length: > 0 } s ? s : defaultStatus)
        {
            case "open": status = FraudFlagStatus.Open; break;
            case "cleared": status = FraudFlagStatus.Cleared; break;
            case "all": break;
            default: errors["status"] = ["must be open, cleared or all"]; break;
        }

        var cursor = query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        if (cursor is not null && !cursor.StartsWith("flag_", StringComparison.Ordinal))
        {
            errors["cursor"] = ["is not a cursor this endpoint gave"];
        }

        if (account is not null && FieldRules.AccountId(account) is { } accountProblem)
        {
            errors["account"] = [accountProblem];
        }

        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), errors));
        }

        var rows = await store.ListFlagsAsync(status, account, cursor, limit + 1, ct);
        var page = rows.Take(limit).ToList();
        return BytesResult.Json(200, new FraudFlagListResponse(page.Select(FraudFlagDto.From).ToList(), rows.Count > limit ? page[^1].Id : null));
    }

    [Refusals(404)]
    private static async Task<Answer<FraudFlagDto>> GetAsync(string id, HttpContext http, IFraudStore store, CancellationToken ct) =>
        await store.FindFlagAsync(id, ct) is { } flag
            ? BytesResult.Json(200, FraudFlagDto.From(flag))
            : Requests.NotFound(http, "fraud flag", id);

    [Refusals(400, 404)]
    private static async Task<Answer<FraudFlagDto>> ClearAsync(string id, HttpContext http, IFraudStore store, CreditLedger ledger, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<ClearFlagRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var request = body!.Value;
        if (ReasonProblem(request.Reason) is { } reasonProblem)
        {
            return Problems.Result(Problems.Validation(Problems.TraceId(http), "reason", reasonProblem));
        }

        var actor = TallyClaims.CredentialOf(http.User) ?? Actors.System;
        if (await store.ClearFlagAsync(id, actor, request.Reason!, time.GetUtcNow(), ct) is not { } flag)
        {
            return Requests.NotFound(http, "fraud flag", id);
        }

        if (request.Unfreeze == true && await UnfreezeAsync(ledger, flag, actor, ct) is { } refused)
        {
            return Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"the flag is cleared but the account could not be unfrozen: {refused}");
        }

        return BytesResult.Json(200, FraudFlagDto.From(flag));
    }

    /// <summary>Why a clearing reason is refused (null when it is fine): required, 1–500 characters, plain text.</summary>
    internal static string? ReasonProblem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength
            ? $"is required: 1–{MaxReasonLength} characters"
            : FieldRules.Text(reason, MaxReasonLength);

    /// <summary>Unfreezes a cleared flag's account (once per flag, journaled by <paramref name="actor"/>); the refusal, or null when done (or the account is gone).</summary>
    internal static async Task<Failure?> UnfreezeAsync(CreditLedger ledger, FraudFlag flag, string actor, CancellationToken ct)
    {
        LedgerCommand[] unfreeze = [new SetFrozen(flag.Account, false, $"fraud flag {flag.Id} cleared")];
        var outcome = await ledger.ExecuteAsync(
            new LedgerRequest(unfreeze, BatchMode.Atomic, RequestIdempotency.For(RequestIdempotency.DurablePrefix + "fraud-unfreeze:" + flag.Id, unfreeze), actor) { RememberRefusals = false },
            ct);
        return outcome.Results.FirstOrDefault(r => r is Failure) is Failure refused and not Tally.Ledger.Outcomes.NotFound ? refused : null;
    }
}
