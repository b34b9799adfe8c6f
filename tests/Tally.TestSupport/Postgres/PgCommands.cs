using System.Globalization;
using Npgsql;

namespace Tally.TestSupport.Postgres;

/// <summary>One-off SQL in tests: run a statement, or read one value.</summary>
public static class PgCommands
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, int timeoutSeconds = 30)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = timeoutSeconds };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql, int timeoutSeconds = 30)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, sql, timeoutSeconds);
    }

    /// <summary>The first column of the first row, as <typeparamref name="T"/> (a count is converted to the number type asked for).</summary>
    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is T typed ? typed : (T)Convert.ChangeType(value!, typeof(T), CultureInfo.InvariantCulture);
    }
}
