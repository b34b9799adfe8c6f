using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Catalog;

public sealed record UnitDto(string Key, int Precision);

public sealed record UnitRequest(string? Key, int? Precision);

/// <summary>A priced feature: <c>cost</c> per use, up to 6 decimals whatever the unit's precision.</summary>
public sealed record FeatureDto(string Key, decimal Cost, string Unit, string? Description, bool Active)
{
    public static FeatureDto From(FeatureInfo f) => new(f.Key, f.Cost.ToDecimal(), f.Unit, f.Description, f.Active);
}

public sealed record FeatureRequest(string? Key, decimal? Cost, string? Unit, string? Description, bool? Active);

public sealed record FeaturePatch(decimal? Cost, string? Unit, string? Description, bool? Active);

/// <summary>Units and the feature cost catalog.</summary>
public static class CatalogEndpoints
{
    public static void MapCatalog(this RouteGroupBuilder v1)
    {
        var catalog = v1.MapGroup("").WithTags("Catalog");
        var reads = catalog.MapGroup("").RequireAuthorization(Policies.Read);
        var admin = catalog.MapGroup("").RequireAuthorization(Policies.Admin);
        reads.MapGet("/units", UnitsAsync);
        admin.MapPost("/units", CreateUnitAsync).Audited()
            .Accepts<UnitRequest>("application/json")
            .WithSummary("Add a unit (precision 0–6, fixed forever)");
        reads.MapGet("/features", FeaturesAsync);
        admin.MapPost("/features", CreateFeatureAsync).Audited()
            .Accepts<FeatureRequest>("application/json")
            .WithSummary("Price a feature: charges may then name it with a quantity");
        admin.MapPatch("/features/{key}", PatchFeatureAsync).Audited()
            .Accepts<FeaturePatch>("application/json");
    }

    private static async Task<Answer<ListResponse<UnitDto>>> UnitsAsync(CreditLedger ledger, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<UnitDto>((await ledger.GetUnitsAsync(ct)).Select(u => new UnitDto(u.Key, u.Precision)).ToList()));

    [Refusals(400, 409)]
    private static async Task<CreatedAnswer<UnitDto>> CreateUnitAsync(HttpContext http, CreditLedger ledger, HttpIdempotency idempotency, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<UnitRequest>(http, async body =>
        {
            var request = body.Value;
            var fields = new Fields(ledger);
            fields.Check("key", FieldRules.FeatureKey(request.Key));

            if (request.Precision is not { } precision || !UnitInfo.IsValidPrecision(precision))
            {
                fields.Add("precision", "must be an integer from 0 to 6");
            }

            if (!fields.Ok)
            {
                return fields.Problem(http);
            }

            var unit = new UnitInfo(request.Key!, request.Precision!.Value);
            return await ledger.CreateUnitAsync(unit, ct)
                ? BytesResult.Json(201, new UnitDto(unit.Key, unit.Precision))
                : Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"unit '{unit.Key}' exists already (a unit's precision never changes)");
        });
    }

    private static async Task<Answer<ListResponse<FeatureDto>>> FeaturesAsync(CreditLedger ledger, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<FeatureDto>((await ledger.Store.ReadFeaturesAsync(ct)).Select(FeatureDto.From).ToList()));

    [Refusals(400, 409)]
    private static async Task<CreatedAnswer<FeatureDto>> CreateFeatureAsync(HttpContext http, CreditLedger ledger, HttpIdempotency idempotency, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<FeatureRequest>(http, async body =>
        {
            var request = body.Value;
            var fields = new Fields(ledger);
            fields.Check("key", FieldRules.FeatureKey(request.Key));

            var feature = await ValidateAsync(request.Key ?? "", request.Cost, request.Unit, request.Description, request.Active ?? true, fields, ct);
            if (feature is null)
            {
                return fields.Problem(http);
            }

            return await ledger.Store.SaveFeatureAsync(feature, create: true, ledger.Now(), ct)
                ? BytesResult.Json(201, FeatureDto.From(feature))
                : Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"feature '{feature.Key}' exists already; PATCH it instead");
        });
    }

    [Refusals(400, 404)]
    private static async Task<Answer<FeatureDto>> PatchFeatureAsync(string key, HttpContext http, CreditLedger ledger, HttpIdempotency idempotency, CancellationToken ct)
    {
        return await idempotency.RunWithBodyAsync<FeaturePatch>(http, async body =>
        {
            var current = (await ledger.Store.ReadFeaturesAsync(ct)).FirstOrDefault(f => f.Key == key);
            if (current is null)
            {
                return Requests.NotFound(http, "feature", key);
            }

            var patch = body.Value;
            var fields = new Fields(ledger);
            var feature = await ValidateAsync(
                key,
                patch.Cost ?? current.Cost.ToDecimal(),
                patch.Unit ?? current.Unit,
                body.Has("description") ? patch.Description : current.Description,
                patch.Active ?? current.Active,
                fields,
                ct);
            if (feature is null)
            {
                return fields.Problem(http);
            }

            await ledger.Store.SaveFeatureAsync(feature, create: false, ledger.Now(), ct);
            return BytesResult.Json(200, FeatureDto.From(feature));
        });
    }

    internal static async Task<FeatureInfo?> ValidateAsync(string key, decimal? cost, string? unitKey, string? description, bool active, Fields fields, CancellationToken ct)
    {
        var micros = default(Micros);
        if (cost is not { } value)
        {
            fields.Add("cost", FieldRules.Required);
        }
        else
        {
            fields.Check("cost", FieldRules.FeatureCost(value, fields.MaxPerOperation, out micros));
        }

        var unit = await fields.UnitAsync(unitKey, ct);
        fields.Text(description, "description");
        return fields.Ok ? new FeatureInfo(key, micros, unit!.Key, description, active) : null;
    }
}
