using System.Data.Common;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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
    private readonly SqliteConnection _connection;
    private readonly string _sql;
    private sqlite3_stmt? _native;
    private int[] _slots = [];

    public Statement(SqliteConnection connection, string sql, Func<SqliteTransaction?> transaction)
    {
        _transaction = transaction;
        _connection = connection;
        _sql = sql;
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

    public object? Scalar(params ReadOnlySpan<object?> values) => Bind(values).ExecuteScalar();

    /// <summary>
    /// Runs one write statement (no result rows) through SQLite's own API: compiled once, values
    /// bound by slots looked up once, none of ADO.NET's per-call work (parameter lookup by name,
    /// type inference, a data reader). The write path runs five of these per charge. Runs in
    /// whatever transaction the connection has open; errors surface as <see cref="SqliteException"/>.
    /// </summary>
    public int Apply(params ReadOnlySpan<object?> values)
    {
        var (statement, db) = Prepare(values);
        try
        {
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }

            return raw.sqlite3_changes(db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
            raw.sqlite3_clear_bindings(statement);
        }
    }

    /// <summary>The rows of a query, read through SQLite's own API like <see cref="Apply"/>; dispose before the next use.</summary>
    public DbDataReader Query(params ReadOnlySpan<object?> values)
    {
        var (statement, db) = Prepare(values);
        return new NativeReader(statement, db);
    }

    private (sqlite3_stmt Statement, sqlite3 Db) Prepare(ReadOnlySpan<object?> values)
    {
        var db = _connection.Handle ?? throw new InvalidOperationException("the connection is closed");
        if (_native is null)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, _sql, out var compiled, out var tail), db);
            if (!string.IsNullOrWhiteSpace(tail))
            {
                compiled.Dispose();
                throw new InvalidOperationException("a native statement runs a single statement");
            }

            // "$n" is a name, not a position: SQLite numbers named parameters by first appearance.
            _slots = new int[_command.Parameters.Count];
            for (var i = 0; i < _slots.Length; i++)
            {
                _slots[i] = raw.sqlite3_bind_parameter_index(compiled, _command.Parameters[i].ParameterName);
            }

            _native = compiled;
        }

        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                SqliteException.ThrowExceptionForRC(BindNative(_native, _slots[i], values[i]), db);
            }
        }
        catch
        {
            raw.sqlite3_clear_bindings(_native);
            throw;
        }

        return (_native, db);
    }

    private static int BindNative(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null or DBNull => raw.sqlite3_bind_null(statement, index),
        long v => raw.sqlite3_bind_int64(statement, index, v),
        int v => raw.sqlite3_bind_int64(statement, index, v),
        bool v => raw.sqlite3_bind_int64(statement, index, v ? 1 : 0),
        string v => BindText(statement, index, v),
        Guid v => BindId(statement, index, v),
        byte[] { Length: 0 } => raw.sqlite3_bind_zeroblob(statement, index, 0),
        byte[] v => raw.sqlite3_bind_blob(statement, index, v),
        _ => throw new ArgumentException($"no SQLite binding for {value.GetType().Name}", nameof(value)),
    };

    /// <summary>Short text is encoded on the stack (SQLite copies it), not into a new array per call.</summary>
    private static int BindText(sqlite3_stmt statement, int index, string value)
    {
        // Empty text goes the string way: an empty span is a null pointer, which SQLite binds as NULL.
        if (value.Length is 0 or > 256)
        {
            return raw.sqlite3_bind_text(statement, index, value);
        }

        Span<byte> utf8 = stackalloc byte[256 * 3];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        return raw.sqlite3_bind_text(statement, index, utf8[..length]);
    }

    /// <summary>An id as its 32 hex digits (<see cref="Ids.ToDb"/>), written straight into UTF-8.</summary>
    private static int BindId(sqlite3_stmt statement, int index, Guid value)
    {
        Span<byte> utf8 = stackalloc byte[32];
        value.TryFormat(utf8, out var written, "N");
        return raw.sqlite3_bind_text(statement, index, utf8[..written]);
    }

    public void Dispose()
    {
        _native?.Dispose();
        _command.Dispose();
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Parameter();
}
