using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Tally.Ledger.Sqlite;

/// <summary>Ids are stored as 32 hex characters: a UUIDv7 then sorts by time, so new rows append to their indexes.</summary>
internal static class Ids
{
    public static string ToDb(Guid id) => id.ToString("N");
}

/// <summary>
/// A command kept on one connection with its positional parameters ($1…$n) created once, so SQLite
/// prepares it once and each use only rebinds values.
/// </summary>
internal sealed partial class Statement : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly Func<SqliteTransaction?> _transaction;

    public Statement(SqliteConnection connection, string sql, Func<SqliteTransaction?> transaction)
    {
        _transaction = transaction;
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        var count = 0;
        foreach (Match match in Parameter().Matches(sql))
        {
            count = Math.Max(count, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 1; i <= count; i++)
        {
            _command.Parameters.Add(new SqliteParameter("$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
        }
    }

    public SqliteCommand Bind(params ReadOnlySpan<object?> values)
    {
        // A cached command keeps the transaction it last ran in; point it at the current one.
        _command.Transaction = _transaction();
        for (var i = 0; i < values.Length; i++)
        {
            _command.Parameters[i].Value = values[i] switch
            {
                null => DBNull.Value,
                Guid id => Ids.ToDb(id),
                var value => value,
            };
        }

        return _command;
    }

    public int Execute(params ReadOnlySpan<object?> values) => Bind(values).ExecuteNonQuery();

    public SqliteDataReader Query(params ReadOnlySpan<object?> values) => Bind(values).ExecuteReader();

    public object? Scalar(params ReadOnlySpan<object?> values) => Bind(values).ExecuteScalar();

    public void Dispose() => _command.Dispose();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Parameter();
}
