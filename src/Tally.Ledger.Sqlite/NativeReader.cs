using System.Buffers.Text;
using System.Collections;
using System.Data.Common;
using SQLitePCL;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// The rows of one compiled statement, read straight from SQLite's API (see
/// <see cref="Statement.Query"/>). Implements what the row readers use — typed getters, nulls,
/// <see cref="GetValue"/> — and resets the statement for its next use when disposed.
/// </summary>
internal sealed class NativeReader(sqlite3_stmt statement, sqlite3 db) : DbDataReader
{
    private bool _done;

    public override bool Read()
    {
        if (_done)
        {
            return false;
        }

        var rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        _done = true;
        if (rc != raw.SQLITE_DONE)
        {
            Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, db);
        }

        return false;
    }

    public override int FieldCount => raw.sqlite3_column_count(statement);

    public override bool IsDBNull(int ordinal) => raw.sqlite3_column_type(statement, ordinal) == raw.SQLITE_NULL;

    public override long GetInt64(int ordinal) => raw.sqlite3_column_int64(statement, ordinal);

    public override int GetInt32(int ordinal) => checked((int)raw.sqlite3_column_int64(statement, ordinal));

    public override bool GetBoolean(int ordinal) => raw.sqlite3_column_int64(statement, ordinal) != 0;

    public override string GetString(int ordinal) => raw.sqlite3_column_text(statement, ordinal).utf8_to_string();

    /// <summary>Ids are stored as 32 hex characters; anything else goes through the general parser.</summary>
    public override Guid GetGuid(int ordinal)
    {
        var text = raw.sqlite3_column_blob(statement, ordinal);
        return text.Length == 32 && Utf8Parser.TryParse(text, out Guid id, out var used, 'N') && used == 32
            ? id
            : Guid.Parse(GetString(ordinal));
    }

    public override object GetValue(int ordinal) => raw.sqlite3_column_type(statement, ordinal) switch
    {
        raw.SQLITE_INTEGER => GetInt64(ordinal),
        raw.SQLITE_FLOAT => throw new NotSupportedException("the ledger stores no floating-point values"),
        raw.SQLITE_TEXT => GetString(ordinal),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, ordinal).ToArray(),
        _ => DBNull.Value,
    };

    public override int GetValues(object[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var count = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < count; i++)
        {
            values[i] = GetValue(i);
        }

        return count;
    }

    public override string GetName(int ordinal) => raw.sqlite3_column_name(statement, ordinal).utf8_to_string();

    public override int GetOrdinal(string name)
    {
        for (var i = 0; i < FieldCount; i++)
        {
            if (string.Equals(GetName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(name), name, "no such column");
    }

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool HasRows => throw new NotSupportedException();

    public override bool IsClosed => _done;

    public override int RecordsAffected => -1;

    public override int Depth => 0;

    public override bool NextResult() => false;

    public override byte GetByte(int ordinal) => checked((byte)GetInt64(ordinal));

    public override short GetInt16(int ordinal) => checked((short)GetInt64(ordinal));

    public override double GetDouble(int ordinal) => throw new NotSupportedException("the ledger stores no floating-point values");

    public override float GetFloat(int ordinal) => throw new NotSupportedException("the ledger stores no floating-point values");

    public override decimal GetDecimal(int ordinal) => throw new NotSupportedException("money is read as integers");

    public override DateTime GetDateTime(int ordinal) => throw new NotSupportedException("instants are read as integer microseconds");

    public override char GetChar(int ordinal) => throw new NotSupportedException();

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override string GetDataTypeName(int ordinal) => GetFieldType(ordinal).Name;

    public override Type GetFieldType(int ordinal) => GetValue(ordinal).GetType();

    public override IEnumerator GetEnumerator() => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            raw.sqlite3_reset(statement);
            raw.sqlite3_clear_bindings(statement);
        }

        base.Dispose(disposing);
    }
}
