using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Holds;

/// <summary>POST /v1/accounts/{id}/holds.</summary>
public record HoldRequest(decimal? Amount, string? Feature, decimal? Quantity, int? TtlSeconds, string? Unit, string? Description)
{
    public async ValueTask<Reserve?> ToCommandAsync(string account, Fields fields, CancellationToken ct)
    {
        var price = await fields.PriceAsync(Amount, Feature, Quantity, Unit, ct);
        fields.Check("ttlSeconds", TtlSeconds is { } ttl ? FieldRules.TtlSeconds(ttl) : null);

        fields.Text(Description, "description");
        return fields.Ok ? new Reserve(account, price!, TtlSeconds ?? Reserve.DefaultTtlSeconds, Description) : null;
    }
}

/// <summary>POST /v1/holds/{id}/capture: up to the held amount, default all.</summary>
public record CaptureRequest(decimal? Amount);

/// <summary>POST /v1/holds/{id}/release takes no fields.</summary>
public record ReleaseRequest;

public static class HoldEndpoints
{
    public static void MapHolds(this RouteGroupBuilder v1)
    {
        var holds = v1.MapGroup("").WithTags("Holds");
        var charge = holds.MapGroup("").RequireAuthorization(Policies.Charge);
        charge.MapPost("/accounts/{externalId}/holds", ReserveAsync)
            .Accepts<HoldRequest>("application/json")
            .WithSummary("Reserve credits for work of unknown cost (TTL default 300 s)");
        holds.MapGet("/accounts/{externalId}/holds", ListAsync).RequireAuthorization(Policies.Read)
            .WithSummary("The account's holds, optionally ?status=active");
        charge.MapPost("/holds/{holdId}/capture", CaptureAsync)
            .Accepts<CaptureRequest>("application/json")
            .WithSummary("Charge up to the held amount and return the rest");
        charge.MapPost("/holds/{holdId}/release", ReleaseAsync)
            .WithSummary("Return all held credits");
    }

    [Refusals(400, 402, 423, 429)]
    private static async Task<CreatedAnswer<HoldDto>> ReserveAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<HoldRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new Fields(gateway.Ledger);
        var command = await body!.Value.ToCommandAsync(externalId, fields, ct);
        return command is null ? fields.Problem(http) : await gateway.RunAsync(http, command, Responses.Reserved, ct);
    }

    [Refusals(404)]
    private static async Task<Answer<ListResponse<HoldDto>>> ListAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        HoldStatus? status = null;
        if (http.Request.Query["status"].ToString() is { Length: > 0 } text)
        {
            if (!Names.TryParseHoldStatus(text, out var parsed))
            {
                return Problems.Result(Problems.Validation(Problems.TraceId(http), "status", "must be active, captured, released or expired"));
            }

            status = parsed;
        }

        var holds = await gateway.Ledger.GetHoldsAsync(externalId, status, ct);
        return holds is null
            ? Requests.NotFound(http, "account", externalId)
            : BytesResult.Json(200, new ListResponse<HoldDto>(holds.Select(HoldDto.From).ToList()));
    }

    [Refusals(400, 404, 409)]
    private static async Task<Answer<HoldMutationResponse>> CaptureAsync(string holdId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<CaptureRequest>(http, allowEmpty: true);
        if (problem is not null)
        {
            return problem;
        }

        return LedgerIds.TryParseHold(holdId, out var id)
            ? await gateway.RunAsync(http, new Capture(id, body!.Value.Amount), Responses.HoldChanged, ct)
            : Requests.NotFound(http, "hold", holdId);
    }

    [Refusals(404, 409)]
    private static async Task<Answer<HoldMutationResponse>> ReleaseAsync(string holdId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (_, problem) = await JsonBodyReader.ReadAsync<ReleaseRequest>(http, allowEmpty: true);
        if (problem is not null)
        {
            return problem;
        }

        return LedgerIds.TryParseHold(holdId, out var id)
            ? await gateway.RunAsync(http, new Release(id), Responses.HoldChanged, ct)
            : Requests.NotFound(http, "hold", holdId);
    }
}
