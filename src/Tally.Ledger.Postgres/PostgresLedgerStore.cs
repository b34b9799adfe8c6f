using Npgsql;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Ledger.Verification;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The production store. A write is two round trips however many requests it carries: one batch
/// that begins, locks the accounts (in id order) and loads their rows; one batch of set-based
/// writes ending in COMMIT. (A third comes first only for accounts, holds or entries whose account
/// id this process has not seen yet.) Conflicts with concurrent transactions roll back and run again.
/// </summary>
public sealed partial class PostgresLedgerStore : ILedgerStore, IAccessStore
{
    private const int MaxAttempts = 12;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PgAccountIds _accountIds = new();

    public PostgresLedgerStore(string connectionString)
        : this(CreateDataSource(connectionString), ownsDataSource: true)
    {
    }

    public PostgresLedgerStore(NpgsqlDataSource dataSource, bool ownsDataSource = false)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    public string Kind => "postgres";

    /// <summary>Two, measured best on the 2-core benchmark box (bench/README.md); raise it with the database's cores.</summary>
    public int WriteConcurrency => 2;

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Where the store points, without credentials (for logs and banners).</summary>
    public string Target
    {
        get
        {
            var settings = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
            return $"postgres://{settings.Host}:{settings.Port}/{settings.Database}";
        }
    }

    /// <summary>A data source with the pool and statement preparation tuned for the ledger's hot statements.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(PgConnectionString.Normalize(connectionString));
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        // The load statements take arrays; PostgreSQL would re-plan them on every call (a custom
        // plan always looks cheaper than the generic one for ANY($1)), which costs more than
        // running them. Their generic plans are the index lookups we want.
        if (string.IsNullOrEmpty(builder.Options))
        {
            builder.Options = "-c plan_cache_mode=force_generic_plan";
        }

        builder.NoResetOnClose = true;

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgMigrator.MigrateAsync(connection, cancellationToken);
    }

    /// <summary>Migrations not yet applied (0 when the schema is current).</summary>
    public async Task<int> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgMigrator.PendingAsync(connection, cancellationToken);
    }

    public async Task<T> WriteAsync<T>(WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(decide);
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            try
            {
                var accountIds = await _accountIds.ResolveAsync(connection, scope, cancellationToken);
                LedgerSnapshot snapshot;
                await using (var load = PgLoader.Build(connection, accountIds, scope, forWrite: true))
                await using (var reader = await load.ExecuteReaderAsync(cancellationToken))
                {
                    snapshot = await PgLoader.ReadAsync(reader, scope, now, cancellationToken);
                }

                var result = decide(snapshot);
                await using var write = snapshot.HasChanges ? PgWriter.Build(connection, snapshot) : Commit(connection);
                await write.ExecuteNonQueryAsync(cancellationToken);
                _accountIds.Learn(snapshot);
                return result;
            }
            catch (PostgresException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                await RollbackAsync(connection);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken);
            }
            catch
            {
                await RollbackAsync(connection);
                throw;
            }
        }
    }

    public async Task<AccountRow?> ReadAccountAsync(string externalId, CancellationToken cancellationToken)
    {
        var scope = WriteScope.ForAccount(externalId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var accountIds = await _accountIds.ResolveAsync(connection, scope, cancellationToken);
        if (accountIds.Length == 0)
        {
            return null;
        }

        await using var batch = PgLoader.Build(connection, accountIds, scope, forWrite: false);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var snapshot = await PgLoader.ReadAsync(reader, scope, default, cancellationToken);
        return snapshot.Accounts.GetValueOrDefault(externalId);
    }

    public async Task<IReadOnlyList<EntryRow>> ReadEntriesAsync(EntryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _dataSource.CreateCommand();
        EntryQuerySql.Apply(query, command, t => PgTime.ToDb(t));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<EntryRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(RowReaders.Entry(reader, PgTime.Read));
        }

        return rows;
    }

    public async Task<IReadOnlyList<HoldRow>> ReadHoldsAsync(string externalId, HoldStatus? status, CancellationToken cancellationToken)
    {
        var holds = await QueryAsync(LedgerSql.HoldsOfAccount, r => RowReaders.Hold(r, PgTime.Read), cancellationToken, externalId);
        var byId = holds.ToDictionary(h => h.Id);
        foreach (var pin in await QueryAsync(PgSql.PinsOfHolds, RowReaders.Pin, cancellationToken, byId.Keys.ToArray()))
        {
            byId[pin.HoldId].Pins.Add(pin);
        }

        return holds.Where(h => status is null || h.Status == status).ToList();
    }

    public async Task<IReadOnlyList<string>> FindAccountsToSweepAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(LedgerSql.AccountsToSweep, r => r.GetString(0), cancellationToken, PgTime.ToDb(now), limit);

    public async Task<int> PurgeIdempotencyAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM idempotency WHERE created_at < $1", cancellationToken, PgTime.ToDb(cutoff));

    public async Task<IReadOnlyList<UnitInfo>> ReadUnitsAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT unit_key, precision FROM units ORDER BY unit_key", r => new UnitInfo(r.GetString(0), r.GetInt32(1)), cancellationToken);

    public async Task<bool> CreateUnitAsync(UnitInfo unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return await ExecuteAsync(
            "INSERT INTO units (unit_key, precision, scale, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_key) DO NOTHING",
            cancellationToken, unit.Key, unit.Precision, unit.Scale, PgTime.ToDb(now)) == 1;
    }

    public async Task<IReadOnlyList<FeatureInfo>> ReadFeaturesAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Columns.Feature} FROM features ORDER BY feature_key", RowReaders.Feature, cancellationToken);

    public async Task<bool> SaveFeatureAsync(FeatureInfo feature, bool create, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var sql = create
            ? "INSERT INTO features (feature_key, cost_micros, unit, description, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (feature_key) DO NOTHING"
            : "UPDATE features SET cost_micros = $2, unit = $3, description = $4, active = $5, updated_at = $6 WHERE feature_key = $1";
        return await ExecuteAsync(sql, cancellationToken, feature.Key, feature.Cost.Value, feature.Unit, (object?)feature.Description ?? DBNull.Value, feature.Active, PgTime.ToDb(now)) == 1;
    }

    public async Task<VerificationData> ReadVerificationDataAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var rows = new List<VerificationRow>();
        foreach (var (name, sql) in Checks.Queries)
        {
            // Whole-database scans: allowed to take as long as the database is large.
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new VerificationRow(
                    name,
                    reader.IsDBNull(0) ? null : reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.GetInt64(2),
                    reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetGuid(4)));
            }
        }

        async Task<long> CountAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var triggers = await CountAsync("SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'entries'::regclass AND tgname IN ('entries_append_only', 'entries_no_truncate') AND tgenabled <> 'D'");
        var accounts = await CountAsync("SELECT COUNT(*) FROM accounts");
        var entries = await CountAsync("SELECT COUNT(*) FROM entries");
        await transaction.CommitAsync(cancellationToken);
        return new VerificationData(rows, triggers == 2, accounts, entries);
    }

    /// <summary>Runs a raw statement (tests use it to corrupt data on purpose; the CLI for maintenance).</summary>
    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values) =>
        ExecuteCoreAsync(sql, values, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private async Task<int> ExecuteCoreAsync(string sql, object?[] values, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static NpgsqlBatch Commit(NpgsqlConnection connection)
    {
        var batch = connection.CreateBatch();
        PgLoader.Add(batch, "COMMIT");
        return batch;
    }

    private static async Task RollbackAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The connection is broken; the pool discards it and the server has rolled back.
        }
    }

    /// <summary>
    /// Conflicts that a re-run on fresh rows resolves: serialization failures, deadlocks, and a
    /// unique violation from a concurrent transaction inserting the same account or idempotency key
    /// (the re-run finds the committed row and replays or reuses it).
    /// </summary>
    private static bool IsConflict(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
        || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName is "accounts_external_id_key" or "idempotency_pkey");
}
