using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>An account's open lots on PostgreSQL (the portal's balance split).</summary>
public sealed partial class PostgresLedgerStore : IOpenLotReader
{
    public async Task<IReadOnlyList<LotRow>> ReadOpenLotsAsync(string externalId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await QueryAsync(OpenLotSql.OpenLots, r => RowReaders.Lot(r, PgTime.Read), cancellationToken, externalId, PgTime.ToDb(now));
}
