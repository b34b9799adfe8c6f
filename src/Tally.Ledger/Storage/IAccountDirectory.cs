namespace Tally.Ledger.Storage;

/// <summary>
/// What the admin panel reads to find and inspect accounts (docs/ui.md): account ids by prefix or
/// newest first, every lot of an account (spent and expired ones too), and which lots paid for
/// given journal entries (lineage). Read-only; both stores implement it beside <see cref="ILedgerStore"/>.
/// </summary>
public interface IAccountDirectory
{
    /// <summary>
    /// Up to <paramref name="limit"/> account ids: with a <paramref name="prefix"/>, those starting
    /// with it in id order after <paramref name="after"/>; without one, newest first, older than
    /// the account <paramref name="after"/> names.
    /// </summary>
    Task<IReadOnlyList<string>> ListAccountIdsAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many accounts exist.</summary>
    Task<long> CountAccountsAsync(CancellationToken cancellationToken);

    /// <summary>How many accounts consumed credits (charges, captures) on days <paramref name="fromDay"/> to <paramref name="toDay"/> (analytics day numbers, both included), as folded into the rollups.</summary>
    Task<long> CountActiveAccountsAsync(long fromDay, long toDay, CancellationToken cancellationToken);

    /// <summary>The account's lots, newest first, at most <paramref name="limit"/> (empty for an unknown account).</summary>
    Task<IReadOnlyList<LotRow>> ReadLotsAsync(string externalId, int limit, CancellationToken cancellationToken);

    /// <summary>For each of the entries, the lots that paid for it and how much (burns, with the lots' terms).</summary>
    Task<IReadOnlyList<EntryLineage>> ReadLineageAsync(IReadOnlyList<Guid> entryIds, CancellationToken cancellationToken);
}

/// <summary>Credits entry <c>EntryId</c> took from a lot (<see cref="PaidBy"/>).</summary>
public sealed record EntryLineage(Guid EntryId, PaidBy PaidBy);
