using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Sqlite;

/// <summary>The admin panel's account reads on SQLite (<see cref="IAccountDirectory"/>).</summary>
public sealed partial class SqliteLedgerStore : IAccountDirectory
{
    public Task<IReadOnlyList<string>> ListAccountIdsAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit, 1, AccountSearchSql.MaxLimit);
        return ReadAsync<IReadOnlyList<string>>(session => string.IsNullOrEmpty(prefix)
            ? ReadAll(session[AccountSearchSql.Newest].Query(after ?? "", take), r => r.GetString(0))
            : ReadAll(session[AccountSearchSql.ByPrefix].Query(prefix, after ?? "", take), r => r.GetString(0)), cancellationToken);
    }

    public Task<long> CountAccountsAsync(CancellationToken cancellationToken) =>
        ReadAsync(session => (long)session[LedgerSql.CountAccounts].Scalar()!, cancellationToken);

    public Task<long> CountActiveAccountsAsync(long fromDay, long toDay, CancellationToken cancellationToken) =>
        ReadAsync(session => (long)session[AccountSearchSql.ActiveAccounts].Scalar(fromDay, toDay)!, cancellationToken);

    public Task<IReadOnlyList<LotRow>> ReadLotsAsync(string externalId, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<LotRow>>(session =>
            ReadAll(session[AccountSearchSql.LotsOfAccount].Query(externalId, Math.Clamp(limit, 1, AccountSearchSql.MaxLimit)), r => RowReaders.Lot(r, SqliteTime.Read)), cancellationToken);

    public Task<IReadOnlyList<EntryLineage>> ReadLineageAsync(IReadOnlyList<Guid> entryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entryIds);
        return ReadAsync<IReadOnlyList<EntryLineage>>(session =>
        {
            var rows = new List<EntryLineage>();
            foreach (var id in entryIds.Distinct())
            {
                rows.AddRange(ReadAll(session[AccountSearchSql.LineageOfEntry].Query(id), r => new EntryLineage(r.GetGuid(0), RowReaders.PaidBy(r, SqliteTime.Read))));
            }

            return rows;
        }, cancellationToken);
    }
}
