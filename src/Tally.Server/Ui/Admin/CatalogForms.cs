using Tally.Ledger.Model;
using Tally.Payments.Catalog;
using Tally.Server.Features.Selling;

namespace Tally.Server.Ui.Admin;

/// <summary>The package form: every member of API.md's Package (price in minor units; empty price = the quote for the credits).</summary>
public sealed class PackageForm
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Credits { get; set; }

    public string? BonusCredits { get; set; }

    public string? PriceAmount { get; set; }

    public string? PriceCurrency { get; set; }

    public string? DodoProductId { get; set; }

    public string? Active { get; set; }

    public string? SortOrder { get; set; }

    /// <summary>The form filled in from a stored package (for editing).</summary>
    public static PackageForm From(CreditPackage p) => new()
    {
        Id = p.Id,
        Name = p.Name,
        Credits = Invariant(p.Credits),
        BonusCredits = Invariant(p.BonusCredits),
        PriceAmount = Invariant(p.Price.Amount),
        PriceCurrency = p.Price.Currency,
        DodoProductId = p.ProviderProductId,
        Active = p.Active ? "true" : null,
        SortOrder = Invariant(p.SortOrder),
    };

    internal static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The plan form: every member of API.md's Plan.</summary>
public sealed class PlanForm
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? PriceAmount { get; set; }

    public string? PriceCurrency { get; set; }

    public string? Interval { get; set; }

    public string? CreditsPerPeriod { get; set; }

    public string? RolloverPercent { get; set; }

    public string? RolloverCap { get; set; }

    public string? DodoProductId { get; set; }

    public string? Active { get; set; }

    public static PlanForm From(SubscriptionPlan p) => new()
    {
        Id = p.Id,
        Name = p.Name,
        PriceAmount = PackageForm.Invariant(p.Price.Amount),
        PriceCurrency = p.Price.Currency,
        Interval = PlanDto.From(p).Interval,
        CreditsPerPeriod = PackageForm.Invariant(p.CreditsPerPeriod),
        RolloverPercent = PackageForm.Invariant(p.RolloverPercent),
        RolloverCap = p.RolloverCap is { } cap ? PackageForm.Invariant(cap) : null,
        DodoProductId = p.ProviderProductId,
        Active = p.Active ? "true" : null,
    };
}

/// <summary>The feature form: key, cost per use (up to 6 decimals), unit, description, active.</summary>
public sealed class FeatureForm
{
    public string? Key { get; set; }

    public string? Cost { get; set; }

    public string? Unit { get; set; }

    public string? Description { get; set; }

    public string? Active { get; set; }

    public static FeatureForm From(FeatureInfo f) => new()
    {
        Key = f.Key,
        Cost = f.Cost.ToDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture),
        Unit = f.Unit,
        Description = f.Description,
        Active = f.Active ? "true" : null,
    };
}

/// <summary>A new unit: key and precision (0–6, fixed forever).</summary>
public sealed class UnitForm
{
    public string? Key { get; set; }

    public string? Precision { get; set; }
}

/// <summary>Deactivate or activate a catalog item.</summary>
public sealed class ActiveForm
{
    public string? Active { get; set; }
}
