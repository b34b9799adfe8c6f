using Npgsql;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>Builds the history query: one account, optional filters, newest first, one row past the page.</summary>
internal static class PgEntrySql
{
    public static string Build(EntryQuery query, NpgsqlCommand command)
    {
        var sql = new System.Text.StringBuilder($"SELECT {Columns.Entry} FROM entries e JOIN accounts a ON a.id = e.account_id WHERE a.external_id = @account");
        command.Parameters.AddWithValue("account", query.Account);
        if (query.BeforeSeq is { } before)
        {
            sql.Append(" AND e.seq < @before");
            command.Parameters.AddWithValue("before", before);
        }

        if (query.Type is { } type)
        {
            sql.Append(" AND e.type = @type");
            command.Parameters.AddWithValue("type", Names.Of(type));
        }

        if (query.Feature is { } feature)
        {
            sql.Append(" AND e.feature = @feature");
            command.Parameters.AddWithValue("feature", feature);
        }

        if (query.Unit is { } unit)
        {
            sql.Append(" AND e.unit = @unit");
            command.Parameters.AddWithValue("unit", unit);
        }

        if (query.From is { } from)
        {
            sql.Append(" AND e.created_at >= @from");
            command.Parameters.AddWithValue("from", PgTime.ToDb(from));
        }

        if (query.To is { } to)
        {
            sql.Append(" AND e.created_at < @to");
            command.Parameters.AddWithValue("to", PgTime.ToDb(to));
        }

        sql.Append(" ORDER BY e.seq DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", query.Limit + 1);
        return sql.ToString();
    }
}
