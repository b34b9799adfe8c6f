using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Tally.Ledger.Relational.Backup;

/// <summary>
/// A row as one line of JSON, the same bytes whichever store it came from: columns in table order,
/// every column present (null explicit), integers as numbers, booleans as true/false, instants as
/// <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, ids as 32 lowercase hex characters, bytes as base64, lists
/// as arrays, JSON columns as the text the store holds.
/// </summary>
public static class BackupRows
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Writes the row as one JSON object followed by a newline.</summary>
    public static void Write(ArrayBufferWriter<byte> buffer, BackupTable table, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(values);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            for (var i = 0; i < table.Columns.Count; i++)
            {
                var column = table.Columns[i];
                writer.WritePropertyName(column.Name);
                WriteValue(writer, column, values[i]);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
    }

    /// <summary>Reads one line back into values of the columns' <see cref="BackupKind"/> forms.</summary>
    /// <exception cref="BackupException">The line is not a row of the table.</exception>
    public static object?[] Read(ReadOnlySpan<byte> line, BackupTable table, long lineNumber)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BackupException($"{table.EntryName} line {lineNumber}: not a JSON object");
            }

            var values = new object?[table.Columns.Count];
            var seen = root.EnumerateObject().Count();

            if (seen != table.Columns.Count)
            {
                throw new BackupException($"{table.EntryName} line {lineNumber}: {seen} columns where the table has {table.Columns.Count}");
            }

            for (var i = 0; i < values.Length; i++)
            {
                var column = table.Columns[i];
                if (!root.TryGetProperty(column.Name, out var value))
                {
                    throw new BackupException($"{table.EntryName} line {lineNumber}: no column {column.Name}");
                }

                values[i] = value.ValueKind == JsonValueKind.Null ? null : ReadValue(column, value);
            }

            return values;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new BackupException($"{table.EntryName} line {lineNumber}: {e.Message}", e);
        }
    }

    /// <summary>An instant in microseconds since the Unix epoch.</summary>
    public static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>The UTC instant of microseconds since the Unix epoch.</summary>
    public static DateTime FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + (micros * TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);

    private static void WriteValue(Utf8JsonWriter writer, BackupColumn column, object? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        switch (column.Kind)
        {
            case BackupKind.Integer:
                writer.WriteNumberValue((long)value);
                break;
            case BackupKind.Text:
                writer.WriteStringValue((string)value);
                break;
            case BackupKind.Bool:
                writer.WriteBooleanValue((bool)value);
                break;
            case BackupKind.Timestamp:
                writer.WriteStringValue(FromMicros((long)value).ToString(TimestampFormat, CultureInfo.InvariantCulture));
                break;
            case BackupKind.Uuid:
                writer.WriteStringValue(((Guid)value).ToString("N"));
                break;
            case BackupKind.Bytes:
                writer.WriteBase64StringValue((byte[])value);
                break;
            case BackupKind.UuidList:
                writer.WriteStartArray();
                foreach (var id in (Guid[])value)
                {
                    writer.WriteStringValue(id.ToString("N"));
                }

                writer.WriteEndArray();
                break;
            case BackupKind.TextList:
                writer.WriteStartArray();
                foreach (var text in (string[])value)
                {
                    writer.WriteStringValue(text);
                }

                writer.WriteEndArray();
                break;
            case BackupKind.IntegerList:
                writer.WriteStartArray();
                foreach (var number in (long[])value)
                {
                    writer.WriteNumberValue(number);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"column {column.Name}: unknown kind {column.Kind}");
        }
    }

    private static object ReadValue(BackupColumn column, JsonElement value) => column.Kind switch
    {
        BackupKind.Integer => value.GetInt64(),
        BackupKind.Text => value.GetString()!,
        BackupKind.Bool => value.GetBoolean(),
        BackupKind.Timestamp => ToMicros(DateTime.ParseExact(value.GetString()!, TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)),
        BackupKind.Uuid => Guid.ParseExact(value.GetString()!, "N"),
        BackupKind.Bytes => value.GetBytesFromBase64(),
        BackupKind.UuidList => value.EnumerateArray().Select(e => Guid.ParseExact(e.GetString()!, "N")).ToArray(),
        BackupKind.TextList => value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
        BackupKind.IntegerList => value.EnumerateArray().Select(e => e.GetInt64()).ToArray(),
        _ => throw new InvalidOperationException($"column {column.Name}: unknown kind {column.Kind}"),
    };
}

/// <summary>A backup archive that cannot be used, with what is wrong with it (nothing was written).</summary>
public sealed class BackupException : Exception
{
    /// <summary>A new exception with the message a user sees.</summary>
    public BackupException(string message)
        : base(message)
    {
    }

    /// <summary>A new exception with the message a user sees and its cause.</summary>
    public BackupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Needed by the analyzers' exception pattern.</summary>
    public BackupException()
    {
    }
}
