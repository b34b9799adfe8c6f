using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tally.Access;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Ledger.Verification;

namespace Tally.Ledger.Sqlite;

/// <summary>Where a commit is, for <see cref="SqliteLedgerStore.Faults"/>.</summary>
internal enum CommitStage
{
    BeforeCommit,
    AfterCommit,
}

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writers in this process queue on one
/// connection (so they never spin on SQLITE_BUSY); writers in other processes are serialized by
/// <c>BEGIN IMMEDIATE</c> and the busy timeout. Readers use their own connections and see a
/// consistent snapshot each.
/// </summary>
public sealed partial class SqliteLedgerStore : ILedgerStore, IAccessStore
{
    private const int MaxAttempts = 20;
    private readonly string _connectionString;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly LocalChanges _changes = new();
    private SqliteSession? _writer;
    private WalCheckpointer? _checkpointer;
    private WalFrames? _walFrames;
    private int _lastLogFrames;
    private int _rewindAtFrames;
    private int _disposed;

    public SqliteLedgerStore(string path, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Kind => "sqlite";

    /// <summary>One: SQLite has a single writer, so one lane makes the biggest batches.</summary>
    public int WriteConcurrency => 1;

    public string Path { get; }

    /// <summary>Test seam: called just before and just after COMMIT; a throw stands for a commit that reports an error.</summary>
    internal Action<CommitStage>? Faults { get; set; }

    /// <summary>
    /// Whether a background thread copies the log into the database between commits (default).
    /// Without it the writer alone bounds the log, at twice <see cref="MaxLogFrames"/> — what tests
    /// prove deterministically, with no second thread's timing involved.
    /// </summary>
    internal bool BackgroundCheckpoints { get; init; } = true;

    /// <summary>Frames in the write-ahead log after the latest commit, as SQLite's WAL hook reported it (0 before the first).</summary>
    internal int LogFrames => _walFrames?.Count ?? 0;

    /// <summary>Write-ahead log size (pages) past which writers pause for a moment so it can be rewound.</summary>
    internal int MaxLogFrames { get; init; } = WalCheckpointer.DefaultMaxLogFrames;

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return SqliteMigrator.Migrate(Writer().Connection);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<T> WriteAsync<T>(WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var session = Writer();
                try
                {
                    var result = WriteOnce(session, scope, now, decide);
                    AfterCommit(session);
                    return result;
                }
                catch (SqliteException e) when (IsBusy(e) && attempt < MaxAttempts)
                {
                    // Another process held the write lock past the busy timeout; back off and retry.
                    LedgerMetrics.WriteRetried("conflict");
                    StoreLog.RetryingConflict(_logger, "busy", attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken);
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// One transaction. A COMMIT that reports an error is not taken at its word: SQLite may have
    /// kept the transaction open (then it is rolled back: nothing written), ended it without
    /// committing, or — rarely, for an error raised after the log write — committed it. SQLite's
    /// WAL hook, called once per commit that reached the log, tells the last two apart at no cost
    /// to the commits that succeed. Rolled back: <see cref="StoreUnavailableException"/>.
    /// Committed: the decided result. No hook (a SQLite without one): the outcome is unknown.
    /// </summary>
    private T WriteOnce<T>(SqliteSession session, WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide)
    {
        using var transaction = session.Begin(write: true);
        var snapshot = session.Load(scope, now);
        var result = decide(snapshot);
        if (!snapshot.HasChanges)
        {
            transaction.Commit();
            return result;
        }

        session.Write(snapshot);
        var commitsBefore = _walFrames?.Commits;
        try
        {
            Faults?.Invoke(CommitStage.BeforeCommit);
            transaction.Commit();
            Faults?.Invoke(CommitStage.AfterCommit);
            _changes.Publish(snapshot);
            return result;
        }
        catch (Exception e) when (!(e is SqliteException busy && IsBusy(busy) && session.InTransaction))
        {
            var commit = $"commit {commitsBefore + 1}";
            StoreLog.CommitInDoubt(_logger, StoreLog.Describe(e), commit);
            if (session.InTransaction)
            {
                transaction.Rollback();
            }
            else if (_walFrames is null)
            {
                LedgerMetrics.CommitInDoubt("unresolved");
                StoreLog.CommitUnresolved(_logger, commit, StoreLog.Describe(e));
                throw new CommitOutcomeUnknownException("SQLite reported an error from COMMIT and this build cannot tell whether it committed", e);
            }
            else if (_walFrames.Commits != commitsBefore)
            {
                LedgerMetrics.CommitInDoubt("committed");
                StoreLog.CommitResolved(_logger, commit, "committed");
                _changes.Publish(snapshot);
                return result;
            }

            LedgerMetrics.CommitInDoubt("rolled_back");
            StoreLog.CommitResolved(_logger, commit, "rolled back");
            throw new StoreUnavailableException("the database could not commit the write; nothing was written", e);
        }
    }

    /// <summary>In-process: SQLite has one writing process, so its commits are all this store's.</summary>
    public Task ListenAsync(IChangeListener listener, CancellationToken cancellationToken) => _changes.ListenAsync(listener, cancellationToken);

    public Task<AccountRow?> ReadAccountAsync(string externalId, CancellationToken cancellationToken) =>
        ReadAsync(session => session.ReadAccount(Sql.AccountByExternalId, externalId), cancellationToken);

    public Task<AccountRow?> ReadAccountAsync(string externalId, long ruleUsageSince, CancellationToken cancellationToken) =>
        ReadAsync(session =>
        {
            var account = session.ReadAccount(Sql.AccountByExternalId, externalId);
            if (account is not null)
            {
                session.LoadRuleUsage(account, ruleUsageSince);
            }

            return account;
        }, cancellationToken);

    public Task<IReadOnlyList<EntryRow>> ReadEntriesAsync(EntryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync<IReadOnlyList<EntryRow>>(session =>
        {
            using var command = session.Connection.CreateCommand();
            command.Transaction = session.Transaction;
            EntryQuerySql.Apply(query, command, t => SqliteTime.ToMicros(t));
            using var reader = command.ExecuteReader();
            var rows = new List<EntryRow>();
            while (reader.Read())
            {
                rows.Add(RowReaders.Entry(reader, SqliteTime.Read));
            }

            return rows;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<HoldRow>> ReadHoldsAsync(string externalId, HoldStatus? status, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<HoldRow>>(session => session.ReadHolds(LedgerSql.HoldsOfAccount, externalId)
            .Where(h => status is null || h.Status == status).ToList(), cancellationToken);

    public Task<IReadOnlyList<string>> FindAccountsToSweepAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<string>>(session =>
        {
            using var reader = session[LedgerSql.AccountsToSweep].Query(SqliteTime.ToMicros(now), limit);
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellationToken);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        ExecuteWrite(LedgerSql.PurgeIdempotency, SqliteTime.ToMicros(cutoff));

    public Task<IReadOnlyList<UnitInfo>> ReadUnitsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<UnitInfo>>(session =>
        {
            using var reader = session[LedgerSql.Units].Query();
            var units = new List<UnitInfo>();
            while (reader.Read())
            {
                units.Add(new UnitInfo(reader.GetString(0), reader.GetInt32(1)));
            }

            return units;
        }, cancellationToken);

    public async Task<bool> CreateUnitAsync(UnitInfo unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return await ExecuteWrite(LedgerSql.CreateUnit, unit.Key, unit.Precision, unit.Scale, SqliteTime.ToMicros(now)) == 1;
    }

    public Task<IReadOnlyList<FeatureInfo>> ReadFeaturesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<FeatureInfo>>(session =>
        {
            using var reader = session[LedgerSql.Features].Query();
            var features = new List<FeatureInfo>();
            while (reader.Read())
            {
                features.Add(RowReaders.Feature(reader));
            }

            return features;
        }, cancellationToken);

    public async Task<bool> SaveFeatureAsync(FeatureInfo feature, bool create, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return await ExecuteWrite(create ? LedgerSql.CreateFeature : LedgerSql.UpdateFeature, feature.Key, feature.Cost.Value, feature.Unit, feature.Description, feature.Active, SqliteTime.ToMicros(now)) == 1;
    }

    public Task<VerificationData> ReadVerificationDataAsync(CancellationToken cancellationToken) =>
        ReadAsync(session =>
        {
            var rows = new List<VerificationRow>();
            foreach (var (name, sql) in InvariantQueries.All)
            {
                using var command = session.Connection.CreateCommand();
                command.Transaction = session.Transaction;
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add(InvariantQueries.Read(reader, name));
                }
            }

            var triggers = (long)session["SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('entries_append_only_update', 'entries_append_only_delete')"].Scalar()!;
            var accounts = (long)session[LedgerSql.CountAccounts].Scalar()!;
            var entries = (long)session[LedgerSql.CountEntries].Scalar()!;
            return new VerificationData(rows, triggers == 2, accounts, entries);
        }, cancellationToken);

    /// <summary>Runs a raw statement on the write connection (tests use it to corrupt data on purpose).</summary>
    public Task<int> ExecuteWrite(string sql, params object?[] values) =>
        WithWriterAsync(session => session[sql].Execute(values));

    private async Task<T> WithWriterAsync<T>(Func<SqliteSession, T> work)
    {
        await _writeLock.WaitAsync();
        try
        {
            var session = Writer();
            var result = work(session);
            AfterCommit(session);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so it may be disposed twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_checkpointer is not null)
        {
            await _checkpointer.DisposeAsync();
            _checkpointer = null;
        }

        _walFrames?.Dispose();
        _walFrames = null;
        _writer?.Dispose();
        _writer = null;
        _writeLock.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    /// <summary>Keeps the write-ahead log bounded (see <see cref="WalCheckpointer"/>); runs under the write lock.</summary>
    private void AfterCommit(SqliteSession session)
    {
        var checkpointer = _checkpointer;
        checkpointer?.Committed();
        var asked = checkpointer?.TakeRewind() ?? false;
        var overdue = LogOverdue();
        if (!asked && !overdue)
        {
            return;
        }

        // Asked: the background pass just measured the log past its limit, having copied nearly
        // all of it, so what is left for the writer is short. Overdue: the background fell behind
        // (or there is none) and the writer copies the rest itself; no new pass may start until
        // it has the lock.
        checkpointer?.HoldOff(overdue);
        bool busy;
        try
        {
            busy = WalCheckpointer.Checkpoint(session.Connection).Busy;
        }
        catch (SqliteException e)
        {
            // The commit is done whatever happens here; a checkpoint that failed is tried again later.
            busy = true;
            if (!IsBusy(e))
            {
                StoreLog.CheckpointFailed(_logger, StoreLog.Describe(e));
            }
        }

        if (!busy)
        {
            checkpointer?.HoldOff(false);
            _rewindAtFrames = _lastLogFrames + MaxLogFrames;
        }

        // Busy: a background pass (or another process) holds the checkpoint lock. When overdue,
        // the next commit tries again (no new pass starts meanwhile); when asked, the next pass
        // asks again.
    }

    /// <summary>
    /// Whether the log has grown to twice its limit (read from the WAL hook after every commit):
    /// the backstop that bounds it whatever the background checkpointer's timing. After a rewind
    /// the next is due a limit's worth of frames later, so a reader that keeps the log from
    /// starting over does not make every commit checkpoint.
    /// </summary>
    private bool LogOverdue()
    {
        if (_walFrames is not { } walFrames)
        {
            return false;
        }

        var frames = walFrames.Count;
        if (frames < _lastLogFrames)
        {
            // The log started over.
            _rewindAtFrames = 2 * MaxLogFrames;
        }

        _lastLogFrames = frames;
        return frames >= _rewindAtFrames;
    }

    private SqliteSession Writer()
    {
        if (_writer is null)
        {
            var connection = Open();
            using (var pragma = connection.CreateCommand())
            {
                // WAL lets readers run beside the writer; NORMAL syncs at checkpoints, which in WAL
                // mode cannot corrupt the database (a power cut may lose the last commits only).
                // A 64 MiB page cache keeps the accounts' pages hot instead of re-reading them.
                // Checkpoints run beside the writer (WalCheckpointer), not inside its commits.
                pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0;";
                pragma.ExecuteNonQuery();
            }

            _writer = new SqliteSession(connection);
            _walFrames = WalFrames.Attach(connection);
            _rewindAtFrames = 2 * MaxLogFrames;
            _checkpointer = BackgroundCheckpoints ? new WalCheckpointer(Open, MaxLogFrames) : null;
        }

        return _writer;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        // SQLite reads run synchronously (a local file); a caller that has given up is not served.
        cancellationToken.ThrowIfCancellationRequested();
        using var session = new SqliteSession(Open());
        using var transaction = session.Begin(write: false);
        var result = read(session);
        transaction.Commit();
        return Task.FromResult(result);
    }

    private static bool IsBusy(SqliteException e) => e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED;
}
