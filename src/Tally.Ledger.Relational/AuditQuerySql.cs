using System.Globalization;

namespace Tally.Ledger.Relational;

/// <summary>The SQL of the audit log search (Tally.Access.IAuditLogQuery): only the filters given, numbered parameters, the same text for SQLite and PostgreSQL.</summary>
public static class AuditQuerySql
{
    private const string Columns = "id, at, actor, action, target, status, ip, request_id, details";

    /// <summary>
    /// The query and its values: actor and action contain the text (any case), target exact, at in
    /// [from, until), older than <paramref name="beforeId"/>; null matches all. <paramref name="time"/>
    /// turns a time into the store's column value. Columns: id, at, actor, action, target, status, ip, request_id, details.
    /// </summary>
    public static (string Sql, object[] Values) Search(string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? until, long? beforeId, int limit, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var where = new List<string>();
        var values = new List<object>();
        string Next(object value)
        {
            values.Add(value);
            return "$" + values.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrEmpty(actor))
        {
            where.Add($"lower(actor) LIKE {Next(Contains(actor))} ESCAPE '\\'");
        }

        if (!string.IsNullOrEmpty(action))
        {
            where.Add($"lower(action) LIKE {Next(Contains(action))} ESCAPE '\\'");
        }

        if (!string.IsNullOrEmpty(target))
        {
            where.Add($"target = {Next(target)}");
        }

        if (from is { } since)
        {
            where.Add($"at >= {Next(time(since))}");
        }

        if (until is { } end)
        {
            where.Add($"at < {Next(time(end))}");
        }

        if (beforeId is { } before)
        {
            where.Add($"id < {Next(before)}");
        }

        var sql = $"SELECT {Columns} FROM audit_log{(where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where))} ORDER BY id DESC LIMIT {Next(limit)}";
        return (sql, values.ToArray());
    }

    /// <summary>A LIKE pattern for "contains", any case, with % _ and \ matched literally.</summary>
    private static string Contains(string text) =>
        "%" + text.ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
