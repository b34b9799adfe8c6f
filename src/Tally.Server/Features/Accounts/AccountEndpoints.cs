using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Accounts;

/// <summary>Accounts: ensure/update, read, balance (ETag), freeze, adjustments.</summary>
public static class AccountEndpoints
{
    public static void MapAccounts(this RouteGroupBuilder v1)
    {
        var accounts = v1.MapGroup("/accounts/{externalId}").WithTags("Accounts");
        var reads = accounts.MapGroup("").RequireAuthorization(Policies.Read).AllowClientTokens();
        var admin = accounts.MapGroup("").RequireAuthorization(Policies.Admin);
        accounts.MapPut("", PutAsync).RequireAuthorization(Policies.Grant).Audited()
            .Accepts<AccountRequest>("application/json")
            .WithSummary("Create the account if missing (with the signup grant) and update tier, limits, metadata");
        reads.MapGet("", GetAsync)
            .WithSummary("The account and its balances");
        reads.MapGet("/balance", BalanceAsync)
            .WithSummary("Balances; ETag is the account seq, If-None-Match answers 304");
        admin.MapPost("/freeze", [Refusals(404)] (string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct) => FreezeAsync(externalId, true, http, gateway, ct))
            .Audited().Accepts<FreezeRequest>("application/json")
            .WithSummary("Stop the account spending (charges, new holds, transfers out)");
        admin.MapPost("/unfreeze", [Refusals(404)] (string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct) => FreezeAsync(externalId, false, http, gateway, ct))
            .Audited().Accepts<FreezeRequest>("application/json")
            .WithSummary("Let a frozen account spend again");
        admin.MapPost("/adjustments", AdjustAsync).Audited()
            .Accepts<AdjustmentRequest>("application/json")
            .WithSummary("A signed correction with a mandatory reason");
    }

    [Refusals(400)]
    private static async Task<UpsertAnswer<AccountDto>> PutAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<AccountRequest>(http, allowEmpty: true);
        if (problem is not null)
        {
            return problem;
        }

        var request = body!.Value;
        var fields = new Fields(gateway.Ledger);
        var metadata = MetadataJson.Metadata(request.Metadata, fields.Errors);
        fields.Check("tier", FieldRules.Tier(request.Tier));
        fields.Check("overdraftLimit", FieldRules.AccountLimit(request.OverdraftLimit));
        fields.Check("lowBalanceThreshold", FieldRules.AccountLimit(request.LowBalanceThreshold));

        if (!fields.Ok)
        {
            return fields.Problem(http);
        }

        var threshold = body.Has("lowBalanceThreshold") ? Patch.To<long?>(request.LowBalanceThreshold) : default;
        var command = new EnsureAccount(externalId, request.Tier, request.OverdraftLimit, threshold, metadata);
        return await gateway.RunAsync(http, command, outcome =>
        {
            var result = (AccountResult)outcome;
            return (result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK, AccountDto.From(result.Account));
        }, ct);
    }

    [Refusals(404)]
    private static async Task<Answer<AccountDto>> GetAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var view = await gateway.Ledger.GetAccountAsync(externalId, ct);
        return view is null ? Requests.NotFound(http, "account", externalId) : BytesResult.Json(200, AccountDto.From(view));
    }

    [Refusals(404), Also(304)]
    private static async Task<Answer<BalanceResponse>> BalanceAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var read = await gateway.Ledger.ReadAsync(externalId, ct);
        if (read is null)
        {
            return Requests.NotFound(http, "account", externalId);
        }

        // The ETag is the account's seq. Something that expired since the last write changed the
        // balance without moving seq yet, so such a read never answers 304.
        var etag = $"\"{read.View.Seq}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "no-cache";
        // If-None-Match compares weakly (RFC 9110 §13.1.2): W/"17" matches "17" (proxies weaken ETags when they compress).
        if (read.Settled && http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Select(t => t.Trim()).Any(t => t == "*" || (t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t) == etag)))
        {
            return new BytesResult(StatusCodes.Status304NotModified, [], "application/json");
        }

        return BytesResult.Json(200, BalanceResponse.From(read.View));
    }

    private static async Task<Answer<AccountDto>> FreezeAsync(string externalId, bool frozen, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<FreezeRequest>(http, allowEmpty: true);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new Fields(gateway.Ledger);
        var reason = fields.Text(body!.Value.Reason, "reason");
        return fields.Ok
            ? await gateway.RunAsync(http, new SetFrozen(externalId, frozen, reason), outcome => (200, AccountDto.From(((AccountResult)outcome).Account)), ct)
            : fields.Problem(http);
    }

    [Refusals(400, 402)]
    private static async Task<CreatedAnswer<MutationResponse>> AdjustAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<AdjustmentRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var request = body!.Value;
        var fields = new Fields(gateway.Ledger);
        var unit = await fields.UnitAsync(request.Unit, ct);
        var amount = fields.Amount(request.Amount, unit, signed: true);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            fields.Add("reason", "is required for an adjustment");
        }

        fields.Text(request.Reason, "reason");
        Guid? lot = null;
        if (request.LotId is not null)
        {
            if (LedgerIds.TryParseLot(request.LotId, out var parsed))
            {
                lot = parsed;
            }
            else
            {
                fields.Add("lotId", "must be a lot id (lot_ and 32 lowercase hex digits)");
            }
        }

        if (!fields.Ok)
        {
            return fields.Problem(http);
        }

        return await gateway.RunAsync(http, new Adjust(externalId, amount!.Value, request.Reason!, unit!.Key, request.Paid ?? false, lot), Responses.Entry, ct);
    }
}
