using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Payments.Providers;
using Tally.Ledger.Relational;

namespace Tally.Server.Features.Selling;

/// <summary>A price as sent: integer minor units; the currency defaults to CREDIT_CURRENCY.</summary>
public sealed record MoneyRequest(long? Amount, string? Currency);

/// <summary>A credit package on the wire.</summary>
public sealed record PackageDto(string Id, string Name, long Credits, long BonusCredits, Money Price, string? DodoProductId, bool Active, int SortOrder)
{
    public static PackageDto From(CreditPackage p) => new(p.Id, p.Name, p.Credits, p.BonusCredits, p.Price, p.ProviderProductId, p.Active, p.SortOrder);
}

/// <summary>POST /v1/packages (id optional: one is made from the name when absent; price optional: the quote for the credits).</summary>
public sealed record PackageRequest(string? Id, string? Name, long? Credits, long? BonusCredits, MoneyRequest? Price, string? DodoProductId, bool? Active, int? SortOrder);

/// <summary>PATCH /v1/packages/{id}: the members given change.</summary>
public sealed record PackagePatch(string? Name, long? Credits, long? BonusCredits, MoneyRequest? Price, string? DodoProductId, bool? Active, int? SortOrder);

/// <summary>A subscription plan on the wire.</summary>
public sealed record PlanDto(string Id, string Name, Money Price, string Interval, long CreditsPerPeriod, int RolloverPercent, long? RolloverCap, string? DodoProductId, bool Active)
{
    public static PlanDto From(SubscriptionPlan p) =>
        new(p.Id, p.Name, p.Price, PaymentSql.IntervalName(p.Interval), p.CreditsPerPeriod, p.RolloverPercent, p.RolloverCap, p.ProviderProductId, p.Active);
}

/// <summary>POST /v1/plans.</summary>
public sealed record PlanRequest(string? Id, string? Name, MoneyRequest? Price, string? Interval, long? CreditsPerPeriod, int? RolloverPercent, long? RolloverCap, string? DodoProductId, bool? Active);

/// <summary>PATCH /v1/plans/{id}: the members given change (<c>rolloverCap: null</c> removes the cap).</summary>
public sealed record PlanPatch(string? Name, MoneyRequest? Price, string? Interval, long? CreditsPerPeriod, int? RolloverPercent, long? RolloverCap, string? DodoProductId, bool? Active);

internal static class Intervals
{
    public static BillingInterval? Parse(string? name) => name switch
    {
        "month" => BillingInterval.Month,
        "year" => BillingInterval.Year,
        _ => null,
    };
}
