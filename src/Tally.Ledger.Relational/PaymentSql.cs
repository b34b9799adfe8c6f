using System.Data.Common;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Payments.Providers;

namespace Tally.Ledger.Relational;

/// <summary>
/// SQL and row mapping for what selling credits stores (catalogs), both engines ($n parameters;
/// timestamps bound in each store's own representation).
/// </summary>
public static class PaymentSql
{
    private const string PackageColumns = "id, name, credits, bonus_credits, price_amount, currency, provider_product_id, active, sort_order";
    private const string PlanColumns = "id, name, price_amount, currency, billing_interval, credits_per_period, rollover_percent, rollover_cap, provider_product_id, active";

    public const string Packages = $"SELECT {PackageColumns} FROM packages ORDER BY sort_order, id";

    /// <summary>$1–$9 as <see cref="PackageColumns"/>, $10 the time.</summary>
    public const string CreatePackage = $"INSERT INTO packages ({PackageColumns}, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (id) DO NOTHING";

    public const string UpdatePackage = "UPDATE packages SET name = $2, credits = $3, bonus_credits = $4, price_amount = $5, currency = $6, provider_product_id = $7, active = $8, sort_order = $9, updated_at = $10 WHERE id = $1";

    public const string Plans = $"SELECT {PlanColumns} FROM plans ORDER BY price_amount, id";

    /// <summary>$1–$10 as <see cref="PlanColumns"/>, $11 the time.</summary>
    public const string CreatePlan = $"INSERT INTO plans ({PlanColumns}, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (id) DO NOTHING";

    public const string UpdatePlan = "UPDATE plans SET name = $2, price_amount = $3, currency = $4, billing_interval = $5, credits_per_period = $6, rollover_percent = $7, rollover_cap = $8, provider_product_id = $9, active = $10, updated_at = $11 WHERE id = $1";

    /// <summary>A package's values in <see cref="CreatePackage"/>'s order (without the time).</summary>
    public static object?[] Values(CreditPackage p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return [p.Id, p.Name, p.Credits, p.BonusCredits, p.Price.Amount, p.Price.Currency, p.ProviderProductId, p.Active, p.SortOrder];
    }

    /// <summary>A plan's values in <see cref="CreatePlan"/>'s order (without the time).</summary>
    public static object?[] Values(SubscriptionPlan p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return [p.Id, p.Name, p.Price.Amount, p.Price.Currency, IntervalName(p.Interval), p.CreditsPerPeriod, p.RolloverPercent, p.RolloverCap, p.ProviderProductId, p.Active];
    }

    public static CreditPackage Package(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new CreditPackage(
            r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), new Money(r.GetInt64(4), r.GetString(5)),
            r.IsDBNull(6) ? null : r.GetString(6), r.GetBoolean(7), r.GetInt32(8));
    }

    public static SubscriptionPlan Plan(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new SubscriptionPlan(
            r.GetString(0), r.GetString(1), new Money(r.GetInt64(2), r.GetString(3)), ParseInterval(r.GetString(4)), r.GetInt64(5),
            r.GetInt32(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetBoolean(9));
    }

    public static string IntervalName(BillingInterval interval) => interval == BillingInterval.Year ? "year" : "month";

    public static BillingInterval ParseInterval(string name) => name switch
    {
        "month" => BillingInterval.Month,
        "year" => BillingInterval.Year,
        _ => throw new InvalidDataException($"unknown billing interval '{name}'"),
    };
}

