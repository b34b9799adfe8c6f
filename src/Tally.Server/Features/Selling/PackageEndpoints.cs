using Tally.Ledger;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Features.Selling;

/// <summary>Credit packages: listed with read scope, written with admin scope (audited).</summary>
public static class PackageEndpoints
{
    public static void MapPackages(this RouteGroupBuilder v1)
    {
        var packages = v1.MapGroup("/packages").WithTags("Selling");
        packages.MapGet("", ListAsync).RequireAuthorization(Policies.Read)
            .WithSummary("Credit packages, in display order");
        var admin = packages.MapGroup("").RequireAuthorization(Policies.Admin);
        admin.MapPost("", CreateAsync).Audited()
            .Accepts<PackageRequest>("application/json")
            .WithSummary("Offer a credit package (price defaults to the quote for its credits)");
        admin.MapPatch("/{id}", PatchAsync).Audited()
            .Accepts<PackagePatch>("application/json")
            .WithSummary("Change a package (deactivate rather than delete: payments refer to it)");
    }

    private static async Task<Answer<ListResponse<PackageDto>>> ListAsync(IPaymentStore store, CancellationToken ct) =>
        BytesResult.Json(200, new ListResponse<PackageDto>((await store.ReadPackagesAsync(ct)).Select(PackageDto.From).ToList()));

    [Refusals(400, 409)]
    private static async Task<CreatedAnswer<PackageDto>> CreateAsync(HttpContext http, CreditLedger ledger, IPaymentStore store, HttpIdempotency idempotency, PaymentSettings payments, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<PackageRequest>(http, async body =>
        {
            var r = body.Value;
            var fields = new Fields(ledger);
            var pricing = payments.Pricing;
            var id = r.Id ?? CatalogRules.Slug(r.Name ?? "");
            var price = r.Price is null && r.Credits is { } credits and > 0
                ? PriceCalculator.Quote(pricing, credits).Price
                : CatalogRules.Price(fields, r.Price, pricing);
            var package = Validate(fields, new CreditPackage(id, r.Name ?? "", r.Credits ?? 0, r.BonusCredits ?? 0, price ?? default, r.DodoProductId, r.Active ?? true, r.SortOrder ?? 0), r.Credits);
            if (package is null)
            {
                return fields.Problem(http);
            }

            return await store.SavePackageAsync(package, create: true, ledger.Now(), ct)
                ? BytesResult.Json(201, PackageDto.From(package))
                : Problems.Result(http, StatusCodes.Status409Conflict, "invalid_state", $"package '{id}' exists already; PATCH it instead");
        });

    [Refusals(400, 404)]
    private static async Task<Answer<PackageDto>> PatchAsync(string id, HttpContext http, CreditLedger ledger, IPaymentStore store, HttpIdempotency idempotency, PaymentSettings payments, CancellationToken ct) =>
        await idempotency.RunWithBodyAsync<PackagePatch>(http, async body =>
        {
            var current = (await store.ReadPackagesAsync(ct)).FirstOrDefault(p => p.Id == id);
            if (current is null)
            {
                return Requests.NotFound(http, "package", id);
            }

            var r = body.Value;
            var fields = new Fields(ledger);
            var price = r.Price is null ? current.Price : CatalogRules.Price(fields, r.Price, payments.Pricing);
            var package = Validate(fields, current with
            {
                Name = r.Name ?? current.Name,
                Credits = r.Credits ?? current.Credits,
                BonusCredits = r.BonusCredits ?? current.BonusCredits,
                Price = price ?? current.Price,
                ProviderProductId = body.Has("dodoProductId") ? r.DodoProductId : current.ProviderProductId,
                Active = r.Active ?? current.Active,
                SortOrder = r.SortOrder ?? current.SortOrder,
            }, r.Credits ?? current.Credits);
            if (package is null)
            {
                return fields.Problem(http);
            }

            await store.SavePackageAsync(package, create: false, ledger.Now(), ct);
            return BytesResult.Json(200, PackageDto.From(package));
        });

    internal static CreditPackage? Validate(Fields fields, CreditPackage package, long? credits)
    {
        CatalogRules.Id(fields, package.Id);
        CatalogRules.Name(fields, package.Name);
        CatalogRules.Credits(fields, "credits", credits, min: 1);
        CatalogRules.Credits(fields, "bonusCredits", package.BonusCredits, min: 0);
        if (fields.Ok && package.TotalCredits > fields.MaxPerOperation)
        {
            fields.Add("bonusCredits", $"credits + bonusCredits must not exceed {fields.MaxPerOperation} (CREDIT_MAX_PER_OPERATION)");
        }

        CatalogRules.ProductId(fields, package.ProviderProductId);
        return fields.Ok ? package : null;
    }
}
