using System.Data.Common;
using System.Text;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Relational;

/// <summary>
/// Builds the history query both stores run: one account, optional filters, newest first, one row
/// past the page (to tell whether there is a next one). Parameters are named <c>@name</c>, which
/// both Npgsql and Microsoft.Data.Sqlite accept.
/// </summary>
public static class EntryQuerySql
{
    /// <summary>Sets <paramref name="command"/>'s text and parameters; <paramref name="toDb"/> converts timestamps for the store.</summary>
    public static void Apply(EntryQuery query, DbCommand command, Func<DateTimeOffset, object> toDb)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(toDb);
        // The account's id as a value, not a join condition: with it the planner walks the account's
        // (account_id, seq) index from the newest end and stops after the page. Joined by external
        // id instead, PostgreSQL read every entry of the account and sorted them (a first page of an
        // account with 1,000 entries took 8 ms at p50, measured with bench --journal).
        var sql = new StringBuilder($"SELECT {Columns.Entry} FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.account_id = (SELECT id FROM accounts WHERE external_id = @account)");
        Add(command, "account", query.Account);
        Filter(sql, command, "e.seq <", "before", query.BeforeSeq);
        Filter(sql, command, "e.seq >", "after", query.AfterSeq);
        Filter(sql, command, "e.type =", "type", query.Type is { } type ? Names.Of(type) : null);
        Filter(sql, command, "e.feature =", "feature", query.Feature);
        Filter(sql, command, "e.unit =", "unit", query.Unit);
        Filter(sql, command, "e.created_at >=", "from", query.From is { } from ? toDb(from) : null);
        Filter(sql, command, "e.created_at <", "to", query.To is { } to ? toDb(to) : null);
        sql.Append(query.AfterSeq is null ? " ORDER BY e.seq DESC LIMIT @limit" : " ORDER BY e.seq LIMIT @limit");
        Add(command, "limit", query.Limit + 1);
        command.CommandText = sql.ToString();
    }

    private static void Filter(StringBuilder sql, DbCommand command, string condition, string name, object? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(condition).Append(" @").Append(name);
            Add(command, name, value);
        }
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
