using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Verification;

namespace Tally.Ledger.Storage;

/// <summary>
/// Where the ledger lives. Narrow on purpose: one locked read-decide-write transaction for every
/// mutation, a few consistent reads, catalogs, and the raw material for <c>verify</c>.
/// Both stores pass one conformance suite; neither contains business rules.
/// </summary>
public interface ILedgerStore : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres".</summary>
    string Kind { get; }

    /// <summary>
    /// How many write transactions are worth running at once (group-commit lanes): fewer lanes
    /// make bigger batches, more lanes use more of the database's cores.
    /// </summary>
    int WriteConcurrency { get; }

    /// <summary>Applies pending forward-only schema migrations; returns how many ran.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: lock and load the rows named by <paramref name="scope"/>, run
    /// <paramref name="decide"/> against them, write every row it changed, commit. Conflicts with
    /// concurrent transactions (serialization failures, deadlocks, a concurrent insert of the same
    /// account or idempotency key) roll back and run <paramref name="decide"/> again on fresh rows,
    /// so <paramref name="decide"/> must be a pure function of the snapshot.
    /// </summary>
    Task<T> WriteAsync<T>(WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide, CancellationToken cancellationToken);

    /// <summary>A consistent unlocked read of one account with its balances, live lots and active holds.</summary>
    Task<AccountRow?> ReadAccountAsync(string externalId, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="ReadAccountAsync(string, CancellationToken)"/>, with the account's rule usage
    /// rows (markers, and periods starting at or after <paramref name="ruleUsageSince"/>, Unix
    /// seconds) read in the same snapshot: what a rule would see, for an advisory price.
    /// </summary>
    Task<AccountRow?> ReadAccountAsync(string externalId, long ruleUsageSince, CancellationToken cancellationToken);

    /// <summary>One page of an account's journal, newest first (at most <c>query.Limit</c> + 1 rows to detect a next page).</summary>
    Task<IReadOnlyList<EntryRow>> ReadEntriesAsync(EntryQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyList<HoldRow>> ReadHoldsAsync(string externalId, HoldStatus? status, CancellationToken cancellationToken);

    /// <summary>Accounts with an expired lot remainder or an active hold past its TTL at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> FindAccountsToSweepAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes idempotency records created before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> PurgeIdempotencyAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    Task<IReadOnlyList<UnitInfo>> ReadUnitsAsync(CancellationToken cancellationToken);

    /// <summary>Adds a unit; false when the key exists already (units never change precision).</summary>
    Task<bool> CreateUnitAsync(UnitInfo unit, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<FeatureInfo>> ReadFeaturesAsync(CancellationToken cancellationToken);

    /// <summary>Inserts (<paramref name="create"/>) or updates a feature; false when that is impossible (exists / missing).</summary>
    Task<bool> SaveFeatureAsync(FeatureInfo feature, bool create, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Runs the invariant queries over the whole database.</summary>
    Task<VerificationData> ReadVerificationDataAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells <paramref name="listener"/> about every change committed from now on, by any instance
    /// sharing the database (SQLite: this process), until <paramref name="cancellationToken"/> ends
    /// it. Calls <see cref="IChangeListener.Resync"/> once listening and again whenever wake-ups may
    /// have been lost. Runs until cancelled; connection failures are retried inside.
    /// </summary>
    Task ListenAsync(IChangeListener listener, CancellationToken cancellationToken);
}

/// <summary>
/// A history query: one account, newest first, before <c>BeforeSeq</c> when paging — or, with
/// <c>AfterSeq</c>, oldest first from just after that seq (what a live stream replays).
/// </summary>
public sealed record EntryQuery(
    string Account,
    int Limit,
    long? BeforeSeq = null,
    EntryType? Type = null,
    string? Feature = null,
    string? Unit = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    long? AfterSeq = null);
