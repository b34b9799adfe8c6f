using Tally.Ledger.Model;

namespace Tally.Ledger.Storage;

/// <summary>What a write transaction needs to know before deciding, keyed for lookups.</summary>
public sealed record WriteScope(
    IReadOnlyCollection<string> Accounts,
    IReadOnlyCollection<Guid> Holds,
    IReadOnlyCollection<Guid> Entries,
    IReadOnlyCollection<string> Features,
    IReadOnlyCollection<string> IdempotencyKeys)
{
    public static WriteScope ForAccount(string account) => new([account], [], [], [], []);

    /// <summary>
    /// Load the accounts' rule usage rows too (some configured rule reads them): first-use markers
    /// and allowance rows of periods starting at or after this (Unix seconds); null = none.
    /// </summary>
    public long? RuleUsageSince { get; init; }
}

/// <summary>
/// The rows of the accounts a write transaction locked, plus the catalog rows and idempotency
/// records it needs. The engine decides against it and changes it in memory; the store then
/// writes what changed in the same transaction.
/// </summary>
public sealed class LedgerSnapshot(DateTimeOffset now)
{
    public DateTimeOffset Now { get; } = now;

    /// <summary>Locked accounts by external id (and accounts created during this transaction).</summary>
    public Dictionary<string, AccountRow> Accounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Charges and captures named for reversal, by entry id.</summary>
    public Dictionary<Guid, ReversibleEntry> Entries { get; } = [];

    public Dictionary<string, FeatureInfo> Features { get; } = new(StringComparer.Ordinal);

    /// <summary>Units of the features in scope (a feature may use a unit this instance has not cached yet).</summary>
    public List<Amounts.UnitInfo> Units { get; } = [];

    /// <summary>Stored idempotency records of the keys in scope, and those added by this transaction.</summary>
    public Dictionary<string, IdempotencyRow> Idempotency { get; } = new(StringComparer.Ordinal);

    public List<IdempotencyRow> NewIdempotency { get; } = [];

    public void Add(AccountRow account) => Accounts[account.ExternalId] = account;

    public AccountRow? FindAccount(Guid id)
    {
        foreach (var account in Accounts.Values)
        {
            if (account.Id == id)
            {
                return account;
            }
        }

        return null;
    }

    public (AccountRow Account, HoldRow Hold)? FindHold(Guid holdId)
    {
        foreach (var account in Accounts.Values)
        {
            foreach (var hold in account.Holds)
            {
                if (hold.Id == holdId)
                {
                    return (account, hold);
                }
            }
        }

        return null;
    }

    /// <summary>A deep copy of every account and reversal counter, for an atomic batch to roll back to.</summary>
    public SnapshotCheckpoint Checkpoint() => new(
        Accounts.Values.Select(a => a.Clone()).ToList(),
        Entries.ToDictionary(p => p.Key, p => p.Value.ReversedSoFar));

    /// <summary>Puts the accounts and reversal counters back as they were at <paramref name="checkpoint"/>.</summary>
    public void Restore(SnapshotCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Accounts.Clear();
        foreach (var account in checkpoint.Accounts)
        {
            Add(account);
        }

        foreach (var (id, amount) in checkpoint.ReversedSoFar)
        {
            Entries[id].ReversedSoFar = amount;
        }
    }

    /// <summary>True when the transaction has something to write.</summary>
    public bool HasChanges =>
        NewIdempotency.Count > 0 || Accounts.Values.Any(a => a.IsNew || a.IsDirty);
}

/// <summary>What <see cref="LedgerSnapshot.Checkpoint"/> copied: the accounts and each reversible entry's reversed amount.</summary>
public sealed record SnapshotCheckpoint(IReadOnlyList<AccountRow> Accounts, IReadOnlyDictionary<Guid, Amounts.Credits> ReversedSoFar);
