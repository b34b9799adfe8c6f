using System.Text.Json;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Grants;

/// <summary>POST /v1/accounts/{id}/grants. <c>features</c> scopes the lot to those feature keys.</summary>
public record GrantRequest(
    decimal? Amount,
    string? Unit,
    string? Source,
    int? Priority,
    DateTimeOffset? EffectiveAt,
    DateTimeOffset? ExpiresAt,
    string[]? Features,
    string? Reference,
    string? Description,
    JsonElement? Metadata)
{
    /// <summary>The command, or null with the field errors added to <paramref name="fields"/>.</summary>
    public async ValueTask<Grant?> ToCommandAsync(string account, Fields fields, CancellationToken ct)
    {
        var unit = await fields.UnitAsync(Unit, ct);
        var amount = fields.Amount(Amount, unit);
        var source = LotSource.Admin;
        if (Source is not null && !Names.TryParseLotSource(Source, out source))
        {
            fields.Add("source", "must be one of " + string.Join(", ", Enum.GetValues<LotSource>().Select(Names.Of)));
        }

        fields.Check("priority", Priority is { } priority ? FieldRules.Priority(priority) : null);
        fields.Check("features", FieldRules.Features(Features));

        var metadata = MetadataJson.Metadata(Metadata, fields.Errors);
        fields.Text(Reference, "reference", FieldRules.MaxReferenceLength);
        fields.Text(Description, "description");
        if (!fields.Ok)
        {
            return null;
        }

        return new Grant(account, amount!.Value, unit!.Key, source, Priority ?? Grant.DefaultPriority, EffectiveAt, ExpiresAt, Features, Reference, Description, metadata);
    }
}

public static class GrantEndpoints
{
    public static void MapGrants(this RouteGroupBuilder v1)
    {
        v1.MapPost("/accounts/{externalId}/grants", GrantAsync).WithTags("Grants").RequireAuthorization(Policies.Grant)
            .Accepts<GrantRequest>("application/json")
            .WithSummary("Add a lot of credits (created account gets the signup grant first)");
    }

    [Refusals(400)]
    private static async Task<CreatedAnswer<MutationResponse>> GrantAsync(string externalId, HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<GrantRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new Fields(gateway.Ledger);
        var command = await body!.Value.ToCommandAsync(externalId, fields, ct);
        return command is null ? fields.Problem(http) : await gateway.RunAsync(http, command, Responses.Entry, ct);
    }
}
