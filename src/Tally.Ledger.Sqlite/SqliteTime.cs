using System.Data.Common;

namespace Tally.Ledger.Sqlite;

/// <summary>SQLite keeps instants as integer microseconds since the Unix epoch (UTC): exact and comparable.</summary>
internal static class SqliteTime
{
    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + (micros * 10), TimeSpan.Zero);

    public static DateTimeOffset Read(DbDataReader reader, int ordinal) => FromMicros(reader.GetInt64(ordinal));

    public static object? ToDb(DateTimeOffset? t) => t is { } value ? ToMicros(value) : DBNull.Value;
}
