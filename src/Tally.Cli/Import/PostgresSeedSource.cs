using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;

namespace Tally.Cli.Import;

/// <summary>
/// Reads the seed's tables from its PostgreSQL (Supabase) database in one read-only,
/// repeatable-read transaction: every table is read from the same snapshot, and nothing is written.
/// </summary>
internal sealed class PostgresSeedSource : ISeedSource
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private PostgresSeedSource(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public string Describe => $"postgres {_connection.Database}@{_connection.Host}";

    /// <summary>Opens the connection; <see cref="ArgumentException"/> for a malformed connection string.</summary>
    public static async Task<PostgresSeedSource> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(ct);
            }

            return new PostgresSeedSource(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> HasTableAsync(string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", _connection, _transaction);
        command.Parameters.AddWithValue("name", table);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public async IAsyncEnumerable<SeedRow> ReadAsync(string table, [EnumeratorCancellation] CancellationToken ct)
    {
        // The name is one of the fixed table names the importer asks for, quoted all the same.
        await using var command = new NpgsqlCommand($"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var names = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i).ToLowerInvariant()).ToArray();
        long line = 0;
        while (await reader.ReadAsync(ct))
        {
            var values = new Dictionary<string, string?>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
            {
                values[names[i]] = reader.IsDBNull(i) ? null : Render(reader.GetValue(i));
            }

            yield return new SeedRow(values, ++line);
        }
    }

    private static string Render(object value) => value switch
    {
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
