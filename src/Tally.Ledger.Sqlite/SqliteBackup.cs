using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Tally.Ledger.Relational.Backup;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// Backup and restore on SQLite: a backup reads every table in one read transaction (one WAL
/// snapshot, writers carry on beside it); a restore writes every table in one IMMEDIATE transaction.
/// </summary>
public sealed partial class SqliteLedgerStore : IBackupStore
{
    /// <summary>The newest migration this binary has for SQLite.</summary>
    public static int SchemaVersion => SqliteMigrator.Scripts[^1].Version;

    /// <inheritdoc/>
    public int KnownSchemaVersion => SchemaVersion;

    /// <inheritdoc/>
    public Task<IBackupSource> OpenBackupAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = Open();
        try
        {
            return Task.FromResult<IBackupSource>(new SqliteBackupSource(connection));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<IRestoreTarget> OpenRestoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = Open();
        try
        {
            return Task.FromResult<IRestoreTarget>(new SqliteRestoreTarget(connection));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}

/// <summary>Reads a SQLite database's tables in backup form, all in one read transaction.</summary>
internal sealed class SqliteBackupSource : IBackupSource
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    public SqliteBackupSource(SqliteConnection connection)
    {
        _connection = connection;
        _transaction = connection.BeginTransaction(deferred: true);
        // The first read fixes the snapshot every later read of this transaction sees.
        using var command = Command("SELECT name FROM schema_migrations ORDER BY version");
        using var reader = command.ExecuteReader();
        var migrations = new List<string>();
        while (reader.Read())
        {
            migrations.Add(reader.GetString(0));
        }

        Migrations = migrations;
    }

    public IReadOnlyList<string> Migrations { get; }

    public async Task<long> CountAsync(BackupTable table, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT COUNT(*) FROM {table.Name}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async IAsyncEnumerable<object?[]> ReadAsync(BackupTable table, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(c => Expression(table, c)));
        await using var command = Command($"SELECT {columns} FROM {table.Name} t ORDER BY {string.Join(", ", table.OrderBy.Select(c => "t." + c))}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[table.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : Read(reader, i, table.Columns[i].Kind);
            }

            yield return values;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>
    /// An account's seq is its seq as the ledger knows it (the account_seqs view): here a charge
    /// leaves the account row alone, so the column is only a floor, where PostgreSQL keeps it exact.
    /// </summary>
    private static string Expression(BackupTable table, BackupColumn column) =>
        table.Name == "accounts" && column.Name == "seq"
            ? "(SELECT s.seq FROM account_seqs s WHERE s.account_id = t.id)"
            : "t." + column.Name;

    private static object Read(SqliteDataReader reader, int ordinal, BackupKind kind) => kind switch
    {
        BackupKind.Integer or BackupKind.Timestamp => reader.GetInt64(ordinal),
        BackupKind.Text => reader.GetString(ordinal),
        BackupKind.Bool => reader.GetInt64(ordinal) != 0,
        BackupKind.Uuid => Guid.Parse(reader.GetString(ordinal)),
        BackupKind.Bytes => (byte[])reader.GetValue(ordinal),
        BackupKind.UuidList => Split(reader.GetString(ordinal)).Select(Guid.Parse).ToArray(),
        BackupKind.TextList => Split(reader.GetString(ordinal)),
        BackupKind.IntegerList => Split(reader.GetString(ordinal)).Select(s => long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToArray(),
        _ => throw new InvalidOperationException($"unknown column kind {kind}"),
    };

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}

/// <summary>Writes backed-up rows into a SQLite database, all in one IMMEDIATE transaction.</summary>
internal sealed class SqliteRestoreTarget : IRestoreTarget
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly List<string> _droppedTriggers = [];

    public SqliteRestoreTarget(SqliteConnection connection)
    {
        _connection = connection;
        using (var pragma = connection.CreateCommand())
        {
            // A restore inserts every row of the database in one transaction: a 256 MiB page cache
            // keeps the indexes it fills in memory instead of re-reading their pages (measured:
            // docs/operations.md, "Backup and restore").
            pragma.CommandText = "PRAGMA cache_size = -262144";
            pragma.ExecuteNonQuery();
        }

        _transaction = connection.BeginTransaction(deferred: false);
    }

    public async Task<bool> HoldsDataAsync(CancellationToken cancellationToken)
    {
        await using var command = Command(BackupTables.HoldsData);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        // The journal's append-only triggers refuse the DELETE: drop them for this transaction and
        // create them again, from their own recorded text, before it commits.
        await using (var triggers = Command("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries' ORDER BY name"))
        await using (var reader = await triggers.ExecuteReaderAsync(cancellationToken))
        {
            var found = new List<(string Name, string Sql)>();
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add((reader.GetString(0), reader.GetString(1)));
            }

            await reader.DisposeAsync();
            foreach (var (name, sql) in found)
            {
                await ExecuteAsync($"DROP TRIGGER \"{name}\"", cancellationToken);
                _droppedTriggers.Add(sql);
            }
        }

        foreach (var table in BackupTables.All.Reverse())
        {
            await ExecuteAsync($"DELETE FROM {table.Name}", cancellationToken);
        }

        foreach (var table in BackupTables.Derived)
        {
            await ExecuteAsync($"DELETE FROM {table}", cancellationToken);
        }

        var identities = string.Join(", ", BackupTables.All.Where(t => t.Identity is not null).Select(t => $"'{t.Name}'"));
        await ExecuteAsync($"DELETE FROM sqlite_sequence WHERE name IN ({identities})", cancellationToken);
    }

    public async Task<long> WriteAsync(BackupTable table, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        await using var command = Command($"INSERT INTO {table.Name} ({table.ColumnList}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)))})");
        var parameters = table.Columns.Select((_, i) => command.Parameters.Add(new SqliteParameter("$p" + i.ToString(CultureInfo.InvariantCulture), null))).ToArray();
        command.Prepare();
        long written = 0;
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = row[i] is { } value ? ToDb(value, table.Columns[i].Kind) : DBNull.Value;
            }

            command.ExecuteNonQuery();
            written++;
        }

        return written;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var sql in _droppedTriggers)
        {
            await ExecuteAsync(sql, cancellationToken);
        }

        // SQLite's AUTOINCREMENT moved past the restored ids as they were inserted.
        await ExecuteAsync(BackupTables.ResetAnalyticsState, cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static object ToDb(object value, BackupKind kind) => kind switch
    {
        BackupKind.Bool => (bool)value ? 1L : 0L,
        BackupKind.Uuid => ((Guid)value).ToString("N"),
        BackupKind.UuidList => string.Join(',', ((Guid[])value).Select(g => g.ToString("N"))),
        BackupKind.TextList => string.Join(',', (string[])value),
        BackupKind.IntegerList => string.Join(',', ((long[])value).Select(n => n.ToString(CultureInfo.InvariantCulture))),
        _ => value,
    };

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
