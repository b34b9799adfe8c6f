namespace Tally.Ledger.Storage;

/// <summary>
/// Reads an account's open lots (something left, not expired): where its credits came from and
/// when they expire, for the customer portal's balance split (docs/ui.md). Both stores implement it.
/// </summary>
public interface IOpenLotReader
{
    /// <summary>The account's lots with something left at <paramref name="now"/>, soonest expiry first; empty for an unknown account.</summary>
    Task<IReadOnlyList<LotRow>> ReadOpenLotsAsync(string externalId, DateTimeOffset now, CancellationToken cancellationToken);
}
