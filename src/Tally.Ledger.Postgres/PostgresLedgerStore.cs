using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tally.Access;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Ledger.Verification;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The production store. A write is two round trips however many requests it carries: one batch
/// that begins, locks the accounts (in id order) and loads their rows; one batch of set-based
/// writes ending in COMMIT. (A third comes first only for accounts, holds or entries whose account
/// id this process has not seen yet.) Conflicts with concurrent transactions roll back and run
/// again; a commit whose connection fails is resolved through its commit marker
/// (PostgresLedgerStore.Writes.cs).
/// </summary>
public sealed partial class PostgresLedgerStore : ILedgerStore, IAccessStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _readSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresConnections? _connections;
    private readonly ILogger _logger;
    private readonly PgAccountIds _accountIds = new();

    /// <summary>Whether the schema is distributed over Citus (PgCitus); learned at migration or first use (<see cref="DistributedAsync"/>).</summary>
    private bool? _distributed;

    public PostgresLedgerStore(string connectionString, ILogger? logger = null)
        : this(new PostgresConnections(connectionString), logger)
    {
    }

    /// <summary>A store over a primary and, optionally, a read replica and a direct LISTEN connection.</summary>
    public PostgresLedgerStore(PostgresConnections connections, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connections);
        _dataSource = CreateDataSource(connections.Primary);
        _readSource = connections.Read is { } read ? CreateDataSource(read) : _dataSource;
        _listenSource = connections.Listen is { } listen ? CreateDataSource(listen) : _dataSource;
        _ownsDataSource = true;
        _connections = connections;
        _logger = logger ?? NullLogger.Instance;
    }

    public PostgresLedgerStore(NpgsqlDataSource dataSource, bool ownsDataSource = false, ILogger? logger = null)
    {
        _dataSource = dataSource;
        _readSource = dataSource;
        _listenSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Kind => "postgres";

    /// <summary>Whether history, analytics and the admin's lists are read from a replica (TALLY_DATABASE_READ).</summary>
    public bool HasReadReplica => !ReferenceEquals(_readSource, _dataSource);

    /// <summary>
    /// Through LISTEN/NOTIFY, so changes committed by every instance arrive (see <see cref="PgChangeFeed"/>);
    /// on <see cref="PostgresConnections.Listen"/> when set (a transaction pooler cannot keep a LISTEN).
    /// </summary>
    public Task ListenAsync(IChangeListener listener, CancellationToken cancellationToken) =>
        new PgChangeFeed(_listenSource, _logger).RunAsync(listener, cancellationToken);

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

    /// <summary>
    /// A data source with the pool and statement preparation tuned for the ledger's hot statements.
    /// A connection string that sets <c>Max Auto Prepare=0</c> itself (pgbouncer before 1.21 in
    /// transaction mode, which cannot keep prepared statements) gets neither auto-preparation nor the
    /// <c>plan_cache_mode</c> startup option (it only matters to prepared statements, and pgbouncer
    /// refuses a startup packet carrying <c>options</c>).
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var normalized = PgConnectionString.Normalize(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(normalized);
        var preparing = !PgConnectionString.TurnsOffAutoPrepare(normalized);
        if (preparing && builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        // The load statements take arrays; PostgreSQL would re-plan them on every call (a custom
        // plan always looks cheaper than the generic one for ANY($1)), which costs more than
        // running them. Their generic plans are the index lookups we want.
        if (preparing && string.IsNullOrEmpty(builder.Options))
        {
            builder.Options = "-c plan_cache_mode=force_generic_plan";
        }

        builder.NoResetOnClose = true;

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>
    /// Applies pending migrations; on a database with the citus extension, then distributes the
    /// schema once (<see cref="PgCitus"/>, docs/scaling.md).
    /// </summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(citus: false, cancellationToken);

    /// <summary>
    /// Applies pending migrations, then distributes the schema over Citus when the database has the
    /// citus extension or <paramref name="citus"/> asks for it (the extension is then created).
    /// </summary>
    public async Task<int> MigrateAsync(bool citus, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await PgMigrator.MigrateAsync(connection, cancellationToken);
        await PgCitus.DistributeAsync(connection, citus, cancellationToken);
        _distributed = await PgCitus.IsDistributedAsync(connection, null, cancellationToken);
        return applied;
    }

    /// <summary>
    /// Whether the schema is distributed, asked of the database once per store: reads and writes
    /// both look external ids up by it (on Citus through their own shard).
    /// </summary>
    private async ValueTask<bool> DistributedAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        _distributed ??= await PgCitus.IsDistributedAsync(connection, null, cancellationToken);

    /// <summary>Whether the schema is distributed over Citus (the accounts table is a distributed table).</summary>
    public async Task<bool> IsDistributedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgCitus.IsDistributedAsync(connection, null, cancellationToken);
    }

    /// <summary>Migrations not yet applied (0 when the schema is current).</summary>
    public async Task<int> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgMigrator.PendingAsync(connection, cancellationToken);
    }

    public Task<AccountRow?> ReadAccountAsync(string externalId, CancellationToken cancellationToken) =>
        ReadAccountAsync(WriteScope.ForAccount(externalId), externalId, cancellationToken);

    public Task<AccountRow?> ReadAccountAsync(string externalId, long ruleUsageSince, CancellationToken cancellationToken) =>
        ReadAccountAsync(WriteScope.ForAccount(externalId) with { RuleUsageSince = ruleUsageSince }, externalId, cancellationToken);

    private async Task<AccountRow?> ReadAccountAsync(WriteScope scope, string externalId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var accountIds = await _accountIds.ResolveAsync(connection, scope, await DistributedAsync(connection, cancellationToken), cancellationToken);
        if (accountIds.Length == 0)
        {
            return null;
        }

        await using var batch = PgLoader.Build(connection, accountIds, scope, forWrite: false);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var snapshot = await PgLoader.ReadAsync(reader, scope, default, cancellationToken);
        return snapshot.Accounts.GetValueOrDefault(externalId);
    }

    /// <summary>
    /// History pages come from the read replica when there is one (they may trail by its lag); a
    /// live stream's replay (<c>AfterSeq</c>) reads the primary, since it must reach the account's
    /// current seq, read there just before.
    /// </summary>
    public async Task<IReadOnlyList<EntryRow>> ReadEntriesAsync(EntryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = (query.AfterSeq is null ? _readSource : _dataSource).CreateCommand();
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

    /// <summary>Also deletes commit markers made before <paramref name="cutoff"/> (they are needed for seconds).</summary>
    public async Task<int> PurgeIdempotencyAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var purged = await ExecuteAsync(LedgerSql.PurgeIdempotency, cancellationToken, PgTime.ToDb(cutoff));
        await ExecuteAsync(PgSql.PurgeMarkers, cancellationToken, LedgerIds.Floor(cutoff));
        return purged;
    }

    public async Task<IReadOnlyList<UnitInfo>> ReadUnitsAsync(CancellationToken cancellationToken) =>
        await QueryAsync(LedgerSql.Units, r => new UnitInfo(r.GetString(0), r.GetInt32(1)), cancellationToken);

    public async Task<bool> CreateUnitAsync(UnitInfo unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return await ExecuteAsync(LedgerSql.CreateUnit, cancellationToken, unit.Key, unit.Precision, unit.Scale, PgTime.ToDb(now)) == 1;
    }

    public async Task<IReadOnlyList<FeatureInfo>> ReadFeaturesAsync(CancellationToken cancellationToken) =>
        await QueryAsync(LedgerSql.Features, RowReaders.Feature, cancellationToken);

    public async Task<bool> SaveFeatureAsync(FeatureInfo feature, bool create, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return await ExecuteAsync(create ? LedgerSql.CreateFeature : LedgerSql.UpdateFeature, cancellationToken, feature.Key, feature.Cost.Value, feature.Unit, (object?)feature.Description ?? DBNull.Value, feature.Active, PgTime.ToDb(now)) == 1;
    }

    public async Task<VerificationData> ReadVerificationDataAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var rows = new List<VerificationRow>();
        foreach (var (name, sql) in InvariantQueries.All)
        {
            // Whole-database scans: allowed to take as long as the database is large.
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(InvariantQueries.Read(reader, name));
            }
        }

        async Task<long> CountAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        // Both triggers on the journal and on each of its partitions (a TRUNCATE trigger is per table).
        var unguarded = await CountAsync(
            """
            SELECT COUNT(*) FROM (SELECT 'entries'::regclass::oid AS rel UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = 'entries'::regclass) t
            WHERE (SELECT COUNT(*) FROM pg_trigger g WHERE g.tgrelid = t.rel AND g.tgname IN ('entries_append_only', 'entries_no_truncate') AND g.tgenabled <> 'D') <> 2
            """);
        var accounts = await CountAsync(LedgerSql.CountAccounts);
        var entries = await CountAsync(LedgerSql.CountEntries);
        await transaction.CommitAsync(cancellationToken);
        return new VerificationData(rows, unguarded == 0, accounts, entries);
    }

    /// <summary>Runs a raw statement (tests use it to corrupt data on purpose; the CLI for maintenance).</summary>
    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values) =>
        ExecuteCoreAsync(sql, values, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            if (!ReferenceEquals(_readSource, _dataSource))
            {
                await _readSource.DisposeAsync();
            }

            if (!ReferenceEquals(_listenSource, _dataSource))
            {
                await _listenSource.DisposeAsync();
            }

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

    private Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] values) =>
        QueryOnAsync(_dataSource, sql, map, cancellationToken, values);

    /// <summary>A read that may trail the primary by the replica's lag (history, analytics, the admin's lists).</summary>
    private Task<List<T>> QueryReplicaAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] values) =>
        QueryOnAsync(_readSource, sql, map, cancellationToken, values);

    private static async Task<List<T>> QueryOnAsync<T>(NpgsqlDataSource source, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = source.CreateCommand(sql);
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
}
