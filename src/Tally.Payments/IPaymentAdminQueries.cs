namespace Tally.Payments;

/// <summary>
/// Reads the admin panel needs beside <see cref="IPaymentStore"/>: payments filtered by status
/// too, and what refunds and disputes did to one payment. Both stores implement it.
/// </summary>
public interface IPaymentAdminQueries
{
    /// <summary>Newest first; null filters list all; <paramref name="before"/> pages by id.</summary>
    Task<IReadOnlyList<PaymentRecord>> SearchPaymentsAsync(string? account, PaymentStatus? status, string? before, int limit, CancellationToken cancellationToken);

    /// <summary>The refunds and dispute effects recorded for a payment, oldest first.</summary>
    Task<IReadOnlyList<PaymentEffect>> ListPaymentEffectsAsync(string paymentId, CancellationToken cancellationToken);
}
