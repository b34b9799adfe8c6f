using System.Data.Common;

namespace Tally.Ledger.Postgres;

/// <summary>timestamptz in and out: UTC DateTime on the way in (what Npgsql maps to timestamptz), DateTimeOffset out.</summary>
internal static class PgTime
{
    public static DateTimeOffset Read(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTime ToDb(DateTimeOffset t) => t.UtcDateTime;

    public static DateTime? ToDb(DateTimeOffset? t) => t?.UtcDateTime;
}
