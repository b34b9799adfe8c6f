using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>The admin's audit log search, from the read replica when there is one.</summary>
public sealed partial class PostgresLedgerStore : IAuditLogQuery
{
    public async Task<IReadOnlyList<AuditRow>> SearchAuditAsync(AuditFilter filter, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (sql, values) = AuditQuerySql.Search(filter.Actor, filter.Action, filter.Target, filter.From, filter.Until, beforeId, limit, t => PgTime.ToDb(t));
        return await QueryReplicaAsync(sql, r => new AuditRow(r.GetInt64(0), new AuditRecord(
            PgTime.Read(r, 1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5),
            r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8))), cancellationToken, values);
    }
}
