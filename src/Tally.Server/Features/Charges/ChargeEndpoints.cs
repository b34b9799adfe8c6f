using System.Globalization;
using System.Text.Json;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Charges;

/// <summary>POST /v1/accounts/{id}/charges: <c>amount</c>, or <c>feature</c> (+ <c>quantity</c>, default 1).</summary>
public record ChargeRequest(
    decimal? Amount,
    string? Feature,
    decimal? Quantity,
    string? Unit,
    string? Description,
    string? Reference,
    JsonElement? Metadata)
{
    public async ValueTask<Charge?> ToCommandAsync(string account, Fields fields, CancellationToken ct)
    {
        var price = await fields.PriceAsync(Amount, Feature, Quantity, Unit, ct);
        var metadata = MetadataJson.Metadata(Metadata, fields.Errors);
        fields.Text(Reference, "reference", FieldRules.MaxReferenceLength);
        fields.Text(Description, "description");
        return fields.Ok ? new Charge(account, price!, Description, Reference, metadata) : null;
    }
}

public static class ChargeEndpoints
{
    public static void MapCharges(this RouteGroupBuilder v1)
    {
        var charges = v1.MapGroup("/accounts/{externalId}/charges").WithTags("Charges").RequireAuthorization(Policies.Charge);
        charges.MapPost("", ChargeAsync)
            .Accepts<ChargeRequest>("application/json")
            .WithSummary("Charge credits by amount or by feature × quantity");
        charges.MapGet("/check", CheckAsync)
            .WithSummary("Would this charge succeed now? (advisory: the charge itself decides)");
    }

    [Refusals(400, 402, 423, 409, 429)]
    private static async Task<CreatedAnswer<MutationResponse>> ChargeAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<ChargeRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new Fields(gateway.Ledger);
        var command = await body!.Value.ToCommandAsync(externalId, fields, ct);
        return command is null ? fields.Problem(http) : await gateway.RunAsync(http, command, Responses.Entry, ct);
    }

    [Refusals(400, 404)]
    private static async Task<Answer<ChargeCheckResponse>> CheckAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var query = http.Request.Query;
        var fields = new Fields(gateway.Ledger);
        var amount = QueryDecimal(query, "amount", fields);
        var quantity = QueryDecimal(query, "quantity", fields);
        var feature = query["feature"].ToString() is { Length: > 0 } f ? f : null;
        var unit = query["unit"].ToString() is { Length: > 0 } u ? u : null;
        var price = fields.Ok ? await fields.PriceAsync(amount, feature, quantity, unit, ct) : null;
        if (!fields.Ok)
        {
            return fields.Problem(http);
        }

        var check = await gateway.Ledger.CheckChargeAsync(externalId, price!, ct);
        if (check.Refusal is { } refusal)
        {
            return Problems.Result(Problems.FromFailure(refusal, Problems.TraceId(http)));
        }

        return BytesResult.Json(200, new ChargeCheckResponse(
            check.Allowed, check.Unit.ToDecimal(check.Available), check.Unit.ToDecimal(check.Required), check.Rules.Select(r => AppliedRuleDto.From(r, check.Unit)).ToList()));
    }

    private static decimal? QueryDecimal(IQueryCollection query, string name, Fields fields)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            fields.Add(name, "must be a number");
            return null;
        }

        return value;
    }
}
