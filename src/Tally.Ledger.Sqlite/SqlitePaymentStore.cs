using Tally.Ledger.Relational;
using Tally.Payments;
using Tally.Payments.Catalog;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore : IPaymentStore
{
    public Task<IReadOnlyList<CreditPackage>> ReadPackagesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<CreditPackage>>(session => ReadAll(session[PaymentSql.Packages].Query(), PaymentSql.Package), cancellationToken);

    public async Task<bool> SavePackageAsync(CreditPackage package, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(create ? PaymentSql.CreatePackage : PaymentSql.UpdatePackage, [.. PaymentSql.Values(package), SqliteTime.ToMicros(now)]) == 1;

    public Task<IReadOnlyList<SubscriptionPlan>> ReadPlansAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SubscriptionPlan>>(session => ReadAll(session[PaymentSql.Plans].Query(), PaymentSql.Plan), cancellationToken);

    public async Task<bool> SavePlanAsync(SubscriptionPlan plan, bool create, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteWrite(create ? PaymentSql.CreatePlan : PaymentSql.UpdatePlan, [.. PaymentSql.Values(plan), SqliteTime.ToMicros(now)]) == 1;
}
