using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The admin panel's account reads on PostgreSQL (<see cref="IAccountDirectory"/>): the list and
/// the dashboard's counts from the read replica when there is one; an account's lots and lineage
/// from the primary (the account page shows them beside its balance).
/// </summary>
public sealed partial class PostgresLedgerStore : IAccountDirectory
{
    public async Task<IReadOnlyList<string>> ListAccountIdsAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit, 1, AccountSearchSql.MaxLimit);
        return string.IsNullOrEmpty(prefix)
            ? await QueryReplicaAsync(AccountSearchSql.Newest, r => r.GetString(0), cancellationToken, after ?? "", take)
            : await QueryReplicaAsync(AccountSearchSql.ByPrefix, r => r.GetString(0), cancellationToken, prefix, after ?? "", take);
    }

    public async Task<long> CountAccountsAsync(CancellationToken cancellationToken) =>
        (await QueryReplicaAsync(LedgerSql.CountAccounts, r => r.GetInt64(0), cancellationToken))[0];

    public async Task<long> CountActiveAccountsAsync(long fromDay, long toDay, CancellationToken cancellationToken) =>
        (await QueryReplicaAsync(AccountSearchSql.ActiveAccounts, r => r.GetInt64(0), cancellationToken, fromDay, toDay))[0];

    public async Task<IReadOnlyList<LotRow>> ReadLotsAsync(string externalId, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(AccountSearchSql.LotsOfAccount, r => RowReaders.Lot(r, PgTime.Read), cancellationToken, externalId, Math.Clamp(limit, 1, AccountSearchSql.MaxLimit));

    public async Task<IReadOnlyList<EntryLineage>> ReadLineageAsync(IReadOnlyList<Guid> entryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entryIds);
        return entryIds.Count == 0
            ? []
            : await QueryAsync(AccountSearchSql.LineageOfEntries, r => new EntryLineage(r.GetGuid(0), RowReaders.PaidBy(r, PgTime.Read)), cancellationToken, entryIds.Distinct().ToArray());
    }
}
