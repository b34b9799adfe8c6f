using Tally.Ledger.Rules;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Rules;

/// <summary>
/// A rule in force (docs/rules.md): the configured fields of its kind, or just name, kind and
/// priority for a rule the host app wrote in C#. In evaluation order.
/// </summary>
public sealed record RuleDto(
    string Name,
    string Kind,
    int Priority,
    string? Tier,
    string? Feature,
    decimal? Percent,
    long? Max,
    decimal? Credits,
    decimal? Quantity,
    string? Period,
    IReadOnlyList<VolumeTierDto>? Tiers,
    bool Configured)
{
    public static RuleDto From(ILedgerRule rule, RuleDefinition? d) => new(
        rule.Name, rule.Kind, rule.Priority, d?.Tier, d?.Feature, d?.Percent, d?.Max, d?.Credits, d?.Quantity, d?.Period,
        d?.Tiers?.Select(t => new VolumeTierDto(t.Above!.Value, t.Percent!.Value)).ToList(), d is not null);
}

/// <summary>A volume discount's tier: use above <c>above</c> credits this period earns <c>percent</c> % off.</summary>
public sealed record VolumeTierDto(decimal Above, decimal Percent);

/// <summary><c>GET /v1/rules</c>: the pricing rules in force, as configuration declared them (read scope).</summary>
public static class RuleEndpoints
{
    public static void MapRules(this RouteGroupBuilder v1)
    {
        v1.MapGroup("/rules").WithTags("Rules").RequireAuthorization(Policies.Read)
            .MapGet("", List)
            .WithSummary("The pricing rules in force (the Rules section of the configuration, and rules the host app registered), in evaluation order");
    }

    private static Answer<ListResponse<RuleDto>> List(RuleSet rules) =>
        BytesResult.Json(200, new ListResponse<RuleDto>(rules.Ordered
            .Select(r => RuleDto.From(r, rules.Definitions.FirstOrDefault(d => d.Name == r.Name && d.Kind == r.Kind)))
            .ToList()));
}
