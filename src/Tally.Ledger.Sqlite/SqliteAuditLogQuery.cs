using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore : IAuditLogQuery
{
    public Task<IReadOnlyList<AuditRow>> SearchAuditAsync(AuditFilter filter, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (sql, values) = AuditQuerySql.Search(filter.Actor, filter.Action, filter.Target, filter.From, filter.Until, beforeId, limit, t => SqliteTime.ToMicros(t));
        return ReadAsync<IReadOnlyList<AuditRow>>(session => ReadAll(session[sql].Query(values), r => new AuditRow(r.GetInt64(0), new AuditRecord(
            SqliteTime.Read(r, 1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5),
            r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8)))), cancellationToken);
    }
}
