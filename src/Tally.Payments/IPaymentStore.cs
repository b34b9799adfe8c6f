using Tally.Payments.Catalog;

namespace Tally.Payments;

/// <summary>What selling credits stores beside the ledger; both stores implement it.</summary>
public interface IPaymentStore
{
    Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken);

    /// <summary>Creates (false when the id exists) or replaces (false when it does not) a package.</summary>
    Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken);

    /// <summary>Creates (false when the id exists) or replaces (false when it does not) a plan.</summary>
    Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken);
}
