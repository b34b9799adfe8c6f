using Tally.Ledger.Relational;
using Tally.Payments;
using Tally.Payments.Catalog;

namespace Tally.Ledger.Postgres;

public sealed partial class PostgresLedgerStore : IPaymentStore
{
    public async Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken) =>
        await QueryAsync(PaymentSql.Packages, PaymentSql.Package, cancellationToken);

    public async Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(create ? PaymentSql.CreatePackage : PaymentSql.UpdatePackage, cancellationToken, [.. PaymentSql.Values(package), PgTime.ToDb(now)]) == 1;

    public async Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken) =>
        await QueryAsync(PaymentSql.Plans, PaymentSql.Plan, cancellationToken);

    public async Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(create ? PaymentSql.CreatePlan : PaymentSql.UpdatePlan, cancellationToken, [.. PaymentSql.Values(plan), PgTime.ToDb(now)]) == 1;
}
