using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Sqlite;

/// <summary>An account's open lots on SQLite (the portal's balance split).</summary>
public sealed partial class SqliteLedgerStore : IOpenLotReader
{
    public Task<IReadOnlyList<LotRow>> ReadOpenLotsAsync(string externalId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<LotRow>>(session => ReadAll(session[OpenLotSql.OpenLots].Query(externalId, SqliteTime.ToMicros(now)), r => RowReaders.Lot(r, SqliteTime.Read)), cancellationToken);
}
