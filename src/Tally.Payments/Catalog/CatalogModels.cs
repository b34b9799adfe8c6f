using Tally.Payments.Pricing;
using Tally.Payments.Providers;

namespace Tally.Payments.Catalog;

/// <summary>A credit pack for sale: <see cref="Credits"/> plus <see cref="BonusCredits"/> for <see cref="Price"/>.</summary>
public sealed record CreditPackage(
    string Id,
    string Name,
    long Credits,
    long BonusCredits,
    Money Price,
    string? ProviderProductId,
    bool Active,
    int SortOrder)
{
    /// <summary>What a purchase grants.</summary>
    public long TotalCredits => Credits + BonusCredits;
}

/// <summary>
/// A subscription plan: <see cref="CreditsPerPeriod"/> each billing period; at renewal up to
/// <see cref="RolloverPercent"/> % of what is left (at most <see cref="RolloverCap"/> when set)
/// carries into the next period, the rest expires.
/// </summary>
public sealed record SubscriptionPlan(
    string Id,
    string Name,
    Money Price,
    BillingInterval Interval,
    long CreditsPerPeriod,
    int RolloverPercent,
    long? RolloverCap,
    string? ProviderProductId,
    bool Active);
