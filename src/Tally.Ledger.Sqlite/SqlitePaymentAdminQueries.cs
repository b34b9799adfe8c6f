using Tally.Ledger.Relational;
using Tally.Payments;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore : IPaymentAdminQueries
{
    public Task<IReadOnlyList<PaymentRecord>> SearchPaymentsAsync(string? account, PaymentStatus? status, string? before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PaymentRecord>>(session => ReadAll(session[PaymentAdminSql.SearchPayments].Query(PaymentAdminSql.SearchValues(account, status, before, limit)), Payment), cancellationToken);

    public Task<IReadOnlyList<PaymentEffect>> ListPaymentEffectsAsync(string paymentId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PaymentEffect>>(session => ReadAll(session[PaymentAdminSql.PaymentEffects].Query(paymentId), r => PaymentAdminSql.Effect(r, SqliteTime.Read)), cancellationToken);
}
