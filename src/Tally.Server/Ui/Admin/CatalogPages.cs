using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Engine;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Server.Features.Catalog;
using Tally.Server.Features.Selling;
using Tally.Server.Http;

namespace Tally.Server.Ui.Admin;

/// <summary>
/// The admin panel's catalog (docs/ui.md): packages, plans, features and units — listed, created,
/// edited, deactivated — through the same field rules and stores as <c>/v1/packages</c>,
/// <c>/v1/plans</c>, <c>/v1/features</c> and <c>/v1/units</c>, every change audited.
/// </summary>
public static class CatalogPages
{
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["created"] = "Created.",
        ["saved"] = "Saved.",
        ["deactivated"] = "Deactivated: it is no longer offered.",
        ["activated"] = "Activated: it is offered again.",
        ["unit"] = "Unit added.",
    };

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var catalog = admin.MapGroup("/catalog");
        catalog.MapGet("", ListAsync);
        catalog.MapPost("/units", CreateUnitAsync);

        catalog.MapGet("/packages/new", (HttpContext http) => PackagePage(http, new PackageForm { Active = "true", SortOrder = "0" }, null, isNew: true));
        catalog.MapPost("/packages", CreatePackageAsync);
        catalog.MapGet("/packages/{id}", EditPackageAsync);
        catalog.MapPost("/packages/{id}", SavePackageAsync);
        catalog.MapPost("/packages/{id}/active", SetPackageActiveAsync);

        catalog.MapGet("/plans/new", (HttpContext http) => PlanPage(http, new PlanForm { Active = "true", Interval = "month", RolloverPercent = "0" }, null, isNew: true));
        catalog.MapPost("/plans", CreatePlanAsync);
        catalog.MapGet("/plans/{id}", EditPlanAsync);
        catalog.MapPost("/plans/{id}", SavePlanAsync);
        catalog.MapPost("/plans/{id}/active", SetPlanActiveAsync);

        catalog.MapGet("/features/new", async (HttpContext http, CreditLedger ledger, CancellationToken ct) =>
            await FeaturePageAsync(http, ledger, new FeatureForm { Active = "true", Unit = UnitInfo.DefaultKey }, null, isNew: true, ct));
        catalog.MapPost("/features", CreateFeatureAsync);
        catalog.MapGet("/features/{key}", EditFeatureAsync);
        catalog.MapPost("/features/{key}", SaveFeatureAsync);
        catalog.MapPost("/features/{key}/active", SetFeatureActiveAsync);
    }

    private static async Task<IResult> ListAsync(string? done, HttpContext http, CreditLedger ledger, IPaymentStore store, CancellationToken ct) =>
        await ListPageAsync(http, ledger, store, done is not null && Notices.TryGetValue(done, out var notice) ? notice : null, null, null, ct);

    private static async Task<IResult> ListPageAsync(HttpContext http, CreditLedger ledger, IPaymentStore store, string? notice, UnitForm? unitForm, Dictionary<string, string[]>? unitErrors, CancellationToken ct) =>
        UiEndpoints.Page<CatalogPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Notice = notice,
            Packages = await store.ReadPackagesAsync(ct),
            Plans = await store.ReadPlansAsync(ct),
            Features = await ledger.Store.ReadFeaturesAsync(ct),
            Units = await ledger.GetUnitsAsync(ct),
            UnitForm = unitForm ?? new UnitForm(),
            UnitErrors = (IReadOnlyDictionary<string, string[]>?)unitErrors,
        }, unitErrors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> CreateUnitAsync([FromForm] UnitForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, AdminAudit audit, CancellationToken ct)
    {
        var fields = new Fields(ledger);
        var key = OpsFormValues.Text(form.Key);
        fields.Check("key", FieldRules.FeatureKey(key));
        var precision = OpsFormValues.Int(fields, "precision", form.Precision);
        if (precision is not { } p || !UnitInfo.IsValidPrecision(p))
        {
            fields.Add("precision", "must be an integer from 0 to 6");
        }

        if (fields.Ok && !await ledger.CreateUnitAsync(new UnitInfo(key!, precision!.Value), ct))
        {
            fields.Add("key", $"unit '{key}' exists already (a unit's precision never changes)");
        }

        if (!fields.Ok)
        {
            return await ListPageAsync(http, ledger, store, null, form, fields.Errors, ct);
        }

        await audit.RecordAsync(http, "create unit", key, StatusCodes.Status201Created, OpsPages.Json(new UnitDto(key!, precision!.Value)), ct);
        return Done("unit");
    }

    /// <summary>A package's or plan's form page (the two take the same parameters): 400 when it shows errors.</summary>
    private static RazorComponentResult<TPage> FormPage<TPage>(HttpContext http, object form, Dictionary<string, string[]>? errors, bool isNew, string? id)
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        UiEndpoints.Page<TPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Form = form,
            Errors = (IReadOnlyDictionary<string, string[]>?)errors,
            IsNew = isNew,
            ExistingId = id,
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    // Packages: the same defaults and rules as POST/PATCH /v1/packages.
    private static RazorComponentResult<PackageFormPage> PackagePage(HttpContext http, PackageForm form, Dictionary<string, string[]>? errors, bool isNew, string? id = null) =>
        FormPage<PackageFormPage>(http, form, errors, isNew, id);

    private static async Task<IResult> EditPackageAsync(string id, HttpContext http, IPaymentStore store, CancellationToken ct) =>
        (await store.ReadPackagesAsync(ct)).FirstOrDefault(p => p.Id == id) is { } package
            ? PackagePage(http, PackageForm.From(package), null, isNew: false, id)
            : NotFound(http, "package", id);

    private static async Task<IResult> CreatePackageAsync([FromForm] PackageForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, PaymentSettings payments, AdminAudit audit, CancellationToken ct)
    {
        var fields = new Fields(ledger);
        var package = ReadPackage(form, fields, OpsFormValues.Text(form.Id), payments.Pricing, quoteWhenNoPrice: true);
        if (package is not null && !await store.SavePackageAsync(package, create: true, ledger.Now(), ct))
        {
            fields.Add("id", $"package '{package.Id}' exists already; edit it instead");
        }

        if (!fields.Ok || package is null)
        {
            return PackagePage(http, form, fields.Errors, isNew: true);
        }

        await audit.RecordAsync(http, "create package", package.Id, StatusCodes.Status201Created, OpsPages.Json(PackageDto.From(package)), ct);
        return Done("created");
    }

    private static async Task<IResult> SavePackageAsync(string id, [FromForm] PackageForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, PaymentSettings payments, AdminAudit audit, CancellationToken ct)
    {
        if ((await store.ReadPackagesAsync(ct)).FirstOrDefault(p => p.Id == id) is null)
        {
            return NotFound(http, "package", id);
        }

        var fields = new Fields(ledger);
        var package = ReadPackage(form, fields, id, payments.Pricing, quoteWhenNoPrice: false);
        if (package is null)
        {
            form.Id = id;
            return PackagePage(http, form, fields.Errors, isNew: false, id);
        }

        await store.SavePackageAsync(package, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, "change package", id, StatusCodes.Status200OK, OpsPages.Json(PackageDto.From(package)), ct);
        return Done("saved");
    }

    private static CreditPackage? ReadPackage(PackageForm form, Fields fields, string? id, PricingSettings pricing, bool quoteWhenNoPrice)
    {
        var name = OpsFormValues.Text(form.Name);
        var credits = OpsFormValues.Long(fields, "credits", form.Credits);
        var bonus = OpsFormValues.Long(fields, "bonusCredits", form.BonusCredits);
        var sortOrder = OpsFormValues.Int(fields, "sortOrder", form.SortOrder);
        var noPrice = string.IsNullOrWhiteSpace(form.PriceAmount);
        var amount = OpsFormValues.Long(fields, "price.amount", form.PriceAmount);
        // As the API: no price means the quote for the credits (and, while the credits are wrong, no price error of its own).
        var price = quoteWhenNoPrice && noPrice
            ? credits is { } c and > 0 ? PriceCalculator.Quote(pricing, c).Price : null
            : fields.Errors.ContainsKey("price.amount") ? null : CatalogRules.Price(fields, new MoneyRequest(amount, OpsFormValues.Text(form.PriceCurrency)), pricing);
        var package = new CreditPackage(id ?? CatalogRules.Slug(name ?? ""), name ?? "", credits ?? 0, bonus ?? 0, price ?? default,
            OpsFormValues.Text(form.DodoProductId), OpsFormValues.Checked(form.Active), sortOrder ?? 0);
        var valid = PackageEndpoints.Validate(fields, package, credits);
        return fields.Ok ? valid : null;
    }

    private static async Task<IResult> SetPackageActiveAsync(string id, [FromForm] ActiveForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, AdminAudit audit, CancellationToken ct)
    {
        if ((await store.ReadPackagesAsync(ct)).FirstOrDefault(p => p.Id == id) is not { } current)
        {
            return NotFound(http, "package", id);
        }

        var active = OpsFormValues.Checked(form.Active);
        await store.SavePackageAsync(current with { Active = active }, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, active ? "activate package" : "deactivate package", id, StatusCodes.Status200OK, null, ct);
        return Done(active ? "activated" : "deactivated");
    }

    // Plans: the same defaults and rules as POST/PATCH /v1/plans.
    private static RazorComponentResult<PlanFormPage> PlanPage(HttpContext http, PlanForm form, Dictionary<string, string[]>? errors, bool isNew, string? id = null) =>
        FormPage<PlanFormPage>(http, form, errors, isNew, id);

    private static async Task<IResult> EditPlanAsync(string id, HttpContext http, IPaymentStore store, CancellationToken ct) =>
        (await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == id) is { } plan
            ? PlanPage(http, PlanForm.From(plan), null, isNew: false, id)
            : NotFound(http, "plan", id);

    private static async Task<IResult> CreatePlanAsync([FromForm] PlanForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, PaymentSettings payments, AdminAudit audit, CancellationToken ct)
    {
        var fields = new Fields(ledger);
        var plan = ReadPlan(form, fields, OpsFormValues.Text(form.Id), payments.Pricing);
        if (plan is not null && !await store.SavePlanAsync(plan, create: true, ledger.Now(), ct))
        {
            fields.Add("id", $"plan '{plan.Id}' exists already; edit it instead");
        }

        if (!fields.Ok || plan is null)
        {
            return PlanPage(http, form, fields.Errors, isNew: true);
        }

        await audit.RecordAsync(http, "create plan", plan.Id, StatusCodes.Status201Created, OpsPages.Json(PlanDto.From(plan)), ct);
        return Done("created");
    }

    private static async Task<IResult> SavePlanAsync(string id, [FromForm] PlanForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, PaymentSettings payments, AdminAudit audit, CancellationToken ct)
    {
        if ((await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == id) is null)
        {
            return NotFound(http, "plan", id);
        }

        var fields = new Fields(ledger);
        var plan = ReadPlan(form, fields, id, payments.Pricing);
        if (plan is null)
        {
            form.Id = id;
            return PlanPage(http, form, fields.Errors, isNew: false, id);
        }

        await store.SavePlanAsync(plan, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, "change plan", id, StatusCodes.Status200OK, OpsPages.Json(PlanDto.From(plan)), ct);
        return Done("saved");
    }

    private static SubscriptionPlan? ReadPlan(PlanForm form, Fields fields, string? id, PricingSettings pricing)
    {
        var name = OpsFormValues.Text(form.Name);
        var amount = OpsFormValues.Long(fields, "price.amount", form.PriceAmount);
        var perPeriod = OpsFormValues.Long(fields, "creditsPerPeriod", form.CreditsPerPeriod);
        var rollover = OpsFormValues.Int(fields, "rolloverPercent", form.RolloverPercent);
        var cap = OpsFormValues.Long(fields, "rolloverCap", form.RolloverCap);
        var price = fields.Errors.ContainsKey("price.amount") ? null : CatalogRules.Price(fields, new MoneyRequest(amount, OpsFormValues.Text(form.PriceCurrency)), pricing);
        var interval = PlanEndpoints.Interval(fields, OpsFormValues.Text(form.Interval) ?? "month");
        if (!fields.Errors.ContainsKey("creditsPerPeriod"))
        {
            CatalogRules.Credits(fields, "creditsPerPeriod", perPeriod, min: 1);
        }

        var plan = PlanEndpoints.Validate(fields, new SubscriptionPlan(id ?? CatalogRules.Slug(name ?? ""), name ?? "", price ?? default, interval,
            perPeriod ?? 0, rollover ?? 0, cap, OpsFormValues.Text(form.DodoProductId), OpsFormValues.Checked(form.Active)));
        return fields.Ok ? plan : null;
    }

    private static async Task<IResult> SetPlanActiveAsync(string id, [FromForm] ActiveForm form, HttpContext http, CreditLedger ledger, IPaymentStore store, AdminAudit audit, CancellationToken ct)
    {
        if ((await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == id) is not { } current)
        {
            return NotFound(http, "plan", id);
        }

        var active = OpsFormValues.Checked(form.Active);
        await store.SavePlanAsync(current with { Active = active }, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, active ? "activate plan" : "deactivate plan", id, StatusCodes.Status200OK, null, ct);
        return Done(active ? "activated" : "deactivated");
    }

    // Features: the same rules as POST/PATCH /v1/features.
    private static async Task<IResult> FeaturePageAsync(HttpContext http, CreditLedger ledger, FeatureForm form, Dictionary<string, string[]>? errors, bool isNew, CancellationToken ct, string? key = null) =>
        UiEndpoints.Page<FeatureFormPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Form = form,
            Errors = (IReadOnlyDictionary<string, string[]>?)errors,
            IsNew = isNew,
            ExistingKey = key,
            Units = await ledger.GetUnitsAsync(ct),
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> EditFeatureAsync(string key, HttpContext http, CreditLedger ledger, CancellationToken ct) =>
        (await ledger.Store.ReadFeaturesAsync(ct)).FirstOrDefault(f => f.Key == key) is { } feature
            ? await FeaturePageAsync(http, ledger, FeatureForm.From(feature), null, isNew: false, ct, key)
            : NotFound(http, "feature", key);

    private static async Task<IResult> CreateFeatureAsync([FromForm] FeatureForm form, HttpContext http, CreditLedger ledger, AdminAudit audit, CancellationToken ct)
    {
        var fields = new Fields(ledger);
        var key = OpsFormValues.Text(form.Key);
        fields.Check("key", FieldRules.FeatureKey(key));
        var cost = OpsFormValues.Decimal(fields, "cost", form.Cost);
        var feature = await CatalogEndpoints.ValidateAsync(key ?? "", cost, OpsFormValues.Text(form.Unit), OpsFormValues.Text(form.Description), OpsFormValues.Checked(form.Active), fields, ct);
        if (feature is not null && fields.Ok && !await ledger.Store.SaveFeatureAsync(feature, create: true, ledger.Now(), ct))
        {
            fields.Add("key", $"feature '{feature.Key}' exists already; edit it instead");
        }

        if (!fields.Ok || feature is null)
        {
            return await FeaturePageAsync(http, ledger, form, fields.Errors, isNew: true, ct);
        }

        await audit.RecordAsync(http, "create feature", feature.Key, StatusCodes.Status201Created, OpsPages.Json(FeatureDto.From(feature)), ct);
        return Done("created");
    }

    private static async Task<IResult> SaveFeatureAsync(string key, [FromForm] FeatureForm form, HttpContext http, CreditLedger ledger, AdminAudit audit, CancellationToken ct)
    {
        if ((await ledger.Store.ReadFeaturesAsync(ct)).FirstOrDefault(f => f.Key == key) is null)
        {
            return NotFound(http, "feature", key);
        }

        var fields = new Fields(ledger);
        var cost = OpsFormValues.Decimal(fields, "cost", form.Cost);
        var feature = await CatalogEndpoints.ValidateAsync(key, cost, OpsFormValues.Text(form.Unit), OpsFormValues.Text(form.Description), OpsFormValues.Checked(form.Active), fields, ct);
        if (feature is null || !fields.Ok)
        {
            form.Key = key;
            return await FeaturePageAsync(http, ledger, form, fields.Errors, isNew: false, ct, key);
        }

        await ledger.Store.SaveFeatureAsync(feature, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, "change feature", key, StatusCodes.Status200OK, OpsPages.Json(FeatureDto.From(feature)), ct);
        return Done("saved");
    }

    private static async Task<IResult> SetFeatureActiveAsync(string key, [FromForm] ActiveForm form, HttpContext http, CreditLedger ledger, AdminAudit audit, CancellationToken ct)
    {
        if ((await ledger.Store.ReadFeaturesAsync(ct)).FirstOrDefault(f => f.Key == key) is not { } current)
        {
            return NotFound(http, "feature", key);
        }

        var active = OpsFormValues.Checked(form.Active);
        await ledger.Store.SaveFeatureAsync(current with { Active = active }, create: false, ledger.Now(), ct);
        await audit.RecordAsync(http, active ? "activate feature" : "deactivate feature", key, StatusCodes.Status200OK, null, ct);
        return Done(active ? "activated" : "deactivated");
    }

    private static IResult Done(string notice) => Results.Redirect("/admin/catalog?done=" + notice);

    private static RazorComponentResult<OpsNotFoundPage> NotFound(HttpContext http, string what, string id) => OpsPages.NotFound(http, "catalog", what, id, "/admin/catalog");
}
