using Tally.Ledger.Relational;
using Tally.Payments;

namespace Tally.Ledger.Postgres;

/// <summary>The admin's payment list from the read replica when there is one; a payment's effects from the primary.</summary>
public sealed partial class PostgresLedgerStore : IPaymentAdminQueries
{
    public async Task<IReadOnlyList<PaymentRecord>> SearchPaymentsAsync(string? account, PaymentStatus? status, string? before, int limit, CancellationToken cancellationToken) =>
        await QueryReplicaAsync(PaymentAdminSql.SearchPayments, Payment, cancellationToken, PaymentAdminSql.SearchValues(account, status, before, limit));

    public async Task<IReadOnlyList<PaymentEffect>> ListPaymentEffectsAsync(string paymentId, CancellationToken cancellationToken) =>
        await QueryAsync(PaymentAdminSql.PaymentEffects, r => PaymentAdminSql.Effect(r, PgTime.Read), cancellationToken, paymentId);
}
