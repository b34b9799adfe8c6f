using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Tally.Ledger.Relational.Backup;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Backup and restore on PostgreSQL: a backup reads every table in one REPEATABLE READ READ ONLY
/// transaction (one snapshot; writers carry on); a restore loads every table with binary COPY in
/// one transaction, so others see all of it or nothing.
/// </summary>
public sealed partial class PostgresLedgerStore : IBackupStore
{
    /// <summary>The newest migration this binary has for PostgreSQL.</summary>
    public static int SchemaVersion => PgMigrator.Scripts[^1].Version;

    /// <inheritdoc/>
    public int KnownSchemaVersion => SchemaVersion;

    /// <inheritdoc/>
    public async Task<IBackupSource> OpenBackupAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await PgBackupSource.OpenAsync(connection, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<IRestoreTarget> OpenRestoreAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await PgRestoreTarget.OpenAsync(connection, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

/// <summary>Reads a PostgreSQL database's tables in backup form, all in one snapshot.</summary>
internal sealed class PgBackupSource : IBackupSource
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private PgBackupSource(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> migrations)
    {
        _connection = connection;
        _transaction = transaction;
        Migrations = migrations;
    }

    public IReadOnlyList<string> Migrations { get; }

    public static async Task<PgBackupSource> OpenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        try
        {
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }

            var migrations = new List<string>();
            await using (var command = new NpgsqlCommand("SELECT name FROM schema_migrations ORDER BY version", connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    migrations.Add(reader.GetString(0));
                }
            }

            return new PgBackupSource(connection, transaction, migrations);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public async Task<long> CountAsync(BackupTable table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT COUNT(*) FROM {table.Name}", _connection, _transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async IAsyncEnumerable<object?[]> ReadAsync(BackupTable table, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Text keys compare byte by byte (COLLATE "C"), as SQLite's BINARY does, so both stores list
        // rows in one order; uuid compares as its bytes, i.e. as SQLite's lowercase hex.
        var order = string.Join(", ", table.OrderBy.Select(c => table.Columns.Single(k => k.Name == c).Kind == BackupKind.Text ? $"{c} COLLATE \"C\"" : c));
        await using var command = new NpgsqlCommand($"SELECT {table.ColumnList} FROM {table.Name} ORDER BY {order}", _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[table.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = await reader.IsDBNullAsync(i, cancellationToken) ? null : Read(reader, i, table.Columns[i].Kind);
            }

            yield return values;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static object Read(NpgsqlDataReader reader, int ordinal, BackupKind kind) => kind switch
    {
        BackupKind.Integer => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture),
        BackupKind.Text => reader.GetString(ordinal),
        BackupKind.Bool => reader.GetBoolean(ordinal),
        BackupKind.Timestamp => BackupRows.ToMicros(reader.GetFieldValue<DateTime>(ordinal)),
        BackupKind.Uuid => reader.GetGuid(ordinal),
        BackupKind.Bytes => reader.GetFieldValue<byte[]>(ordinal),
        BackupKind.UuidList => reader.GetFieldValue<Guid[]>(ordinal),
        BackupKind.TextList => reader.GetFieldValue<string[]>(ordinal),
        BackupKind.IntegerList => reader.GetFieldValue<long[]>(ordinal),
        _ => throw new InvalidOperationException($"unknown column kind {kind}"),
    };
}

/// <summary>Writes backed-up rows into a PostgreSQL database with binary COPY, all in one transaction.</summary>
internal sealed class PgRestoreTarget : IRestoreTarget
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly Dictionary<(string Table, string Column), string> _types;

    private PgRestoreTarget(NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<(string, string), string> types)
    {
        _connection = connection;
        _transaction = transaction;
        _types = types;
    }

    public static async Task<PgRestoreTarget> OpenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // Binary COPY needs each column's exact type (integer and bigint differ on the wire).
            var types = new Dictionary<(string, string), string>();
            await using var command = new NpgsqlCommand(
                "SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema()", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                types[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
            }

            var target = new PgRestoreTarget(connection, transaction, types);
            if (target.Distributed)
            {
                // Distributed and reference tables are read and written in one transaction, which
                // Citus allows over one connection per worker (sequential mode), not parallel ones.
                await reader.DisposeAsync();
                await using var sequential = new NpgsqlCommand("SET LOCAL citus.multi_shard_modify_mode = 'sequential'", connection, transaction);
                await sequential.ExecuteNonQueryAsync(cancellationToken);
            }

            return target;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the database is distributed over Citus (it has the Citus-only account_external_ids table).</summary>
    private bool Distributed => _types.Keys.Any(k => k.Table == "account_external_ids");

    public async Task<bool> HoldsDataAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(BackupTables.HoldsData, _connection, _transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        // The journal's append-only triggers refuse the DELETE; disabling them is part of this
        // transaction (and locks the table until it ends), so no other writer ever sees them off.
        // On Citus the triggers stay on (Citus refuses to switch them inside this transaction): a
        // journal that holds rows refuses the DELETE, so restore there needs an empty database.
        var statements = Distributed ? new List<string>() : ["ALTER TABLE entries DISABLE TRIGGER USER"];
        statements.AddRange(BackupTables.All.Reverse().Select(t => $"DELETE FROM {t.Name}"));
        statements.AddRange(BackupTables.Derived.Select(t => $"DELETE FROM {t}"));
        statements.Add("DELETE FROM commit_markers");
        statements.Add(Distributed ? "DELETE FROM account_external_ids" : "ALTER TABLE entries ENABLE TRIGGER USER");
        await using var command = new NpgsqlCommand(string.Join(";\n", statements), _connection, _transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> WriteAsync(BackupTable table, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        var types = table.Columns.Select(c => DbType(table, c)).ToArray();
        long written = 0;
        await using (var importer = await _connection.BeginBinaryImportAsync($"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken);
                for (var i = 0; i < types.Length; i++)
                {
                    if (row[i] is not { } value)
                    {
                        await importer.WriteNullAsync(cancellationToken);
                        continue;
                    }

                    await WriteAsync(importer, value, table.Columns[i].Kind, types[i], cancellationToken);
                }

                written++;
            }

            await importer.CompleteAsync(cancellationToken);
        }

        return written;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        // Identity and serial columns were given their values: move their sequences past them.
        var statements = BackupTables.All.Where(t => t.Identity is not null)
            .Select(t => $"SELECT setval(pg_get_serial_sequence('{t.Name}', '{t.Identity}'), COALESCE((SELECT max({t.Identity}) FROM {t.Name}), 0) + 1, false)")
            .Append(BackupTables.ResetAnalyticsState)
            // On Citus an external id is found through account_external_ids (Citus/distribute.sql),
            // which backups leave out like every store-specific table: rebuilt from the accounts.
            .Concat(Distributed ? ["INSERT INTO account_external_ids (external_id, account_id) SELECT external_id, id FROM accounts"] : []);
        await using (var command = new NpgsqlCommand(string.Join(";\n", statements), _connection, _transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static Task WriteAsync(NpgsqlBinaryImporter importer, object value, BackupKind kind, NpgsqlDbType type, CancellationToken cancellationToken) => kind switch
    {
        BackupKind.Integer => type switch
        {
            NpgsqlDbType.Integer => importer.WriteAsync(checked((int)(long)value), type, cancellationToken),
            NpgsqlDbType.Smallint => importer.WriteAsync(checked((short)(long)value), type, cancellationToken),
            _ => importer.WriteAsync((long)value, type, cancellationToken),
        },
        BackupKind.Timestamp => importer.WriteAsync(BackupRows.FromMicros((long)value), type, cancellationToken),
        BackupKind.Text => importer.WriteAsync((string)value, type, cancellationToken),
        BackupKind.Bool => importer.WriteAsync((bool)value, type, cancellationToken),
        BackupKind.Uuid => importer.WriteAsync((Guid)value, type, cancellationToken),
        BackupKind.Bytes => importer.WriteAsync((byte[])value, type, cancellationToken),
        BackupKind.UuidList => importer.WriteAsync((Guid[])value, type, cancellationToken),
        BackupKind.TextList => importer.WriteAsync((string[])value, type, cancellationToken),
        BackupKind.IntegerList => importer.WriteAsync((long[])value, type, cancellationToken),
        _ => throw new InvalidOperationException($"unknown column kind {kind}"),
    };

    private NpgsqlDbType DbType(BackupTable table, BackupColumn column)
    {
        if (!_types.TryGetValue((table.Name, column.Name), out var udt))
        {
            throw new InvalidOperationException($"the database has no column {table.Name}.{column.Name}: is its schema migrated?");
        }

        return udt switch
        {
            "int2" => NpgsqlDbType.Smallint,
            "int4" => NpgsqlDbType.Integer,
            "int8" => NpgsqlDbType.Bigint,
            "text" => NpgsqlDbType.Text,
            "bool" => NpgsqlDbType.Boolean,
            "uuid" => NpgsqlDbType.Uuid,
            "bytea" => NpgsqlDbType.Bytea,
            "timestamptz" => NpgsqlDbType.TimestampTz,
            "_uuid" => NpgsqlDbType.Array | NpgsqlDbType.Uuid,
            "_text" => NpgsqlDbType.Array | NpgsqlDbType.Text,
            "_int8" => NpgsqlDbType.Array | NpgsqlDbType.Bigint,
            _ => throw new InvalidOperationException($"{table.Name}.{column.Name}: type {udt} has no backup form"),
        };
    }
}
