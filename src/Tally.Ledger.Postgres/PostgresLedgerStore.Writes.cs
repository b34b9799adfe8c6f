using System.Runtime.ExceptionServices;
using Npgsql;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// The write path and what it does when something fails. Each failure is one of three kinds:
/// <list type="bullet">
/// <item><b>Conflict</b> — the server refused a statement (serialization failure, deadlock, a
/// concurrent insert of the same key): rolled back for sure; decide again on fresh rows.</item>
/// <item><b>Unavailable</b> — the connection failed before COMMIT was sent: nothing was written;
/// run again a few times, then give up with <see cref="StoreUnavailableException"/>.</item>
/// <item><b>In doubt</b> — the connection failed while the batch ending in COMMIT was out: the
/// transaction may have committed. Never run again blindly: a fresh connection fences the
/// transaction's commit marker (migration 0004) and learns which it was. Committed: the decided
/// result is the answer. Rolled back: run again. Database unreachable: <see
/// cref="CommitOutcomeUnknownException"/>.</item>
/// </list>
/// Any other exception (a bug, a constraint the engine should have kept) rolls back and propagates.
/// </summary>
public sealed partial class PostgresLedgerStore
{
    private const int MaxConflictAttempts = 12;
    private const int MaxUnavailableAttempts = 4;
    private const int MaxResolveAttempts = 8;

    /// <summary>How long a fence may wait for the transaction it fences (which has sent COMMIT, so it ends promptly).</summary>
    private const int FenceTimeoutSeconds = 30;

    private enum Ending
    {
        Committed,
        Conflict,
        Unavailable,
        InDoubt,
    }

    private readonly record struct Attempt<T>(Ending Ending, T Result, Exception? Error);

    public async Task<T> WriteAsync<T>(WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(decide);
        var conflicts = 0;
        var unavailable = 0;
        for (var attempt = 1; ; attempt++)
        {
            var marker = LedgerIds.New(now);
            var outcome = await AttemptAsync(scope, now, decide, marker, cancellationToken);
            switch (outcome.Ending)
            {
                case Ending.Committed:
                    return outcome.Result;

                case Ending.Conflict when ++conflicts < MaxConflictAttempts:
                    LedgerMetrics.WriteRetried("conflict");
                    StoreLog.RetryingConflict(_logger, ((PostgresException)outcome.Error!).SqlState, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * conflicts)), cancellationToken);
                    break;

                case Ending.Conflict:
                    ExceptionDispatchInfo.Throw(outcome.Error!);
                    break;

                case Ending.Unavailable when ++unavailable < MaxUnavailableAttempts:
                    LedgerMetrics.WriteRetried("unavailable");
                    StoreLog.RetryingUnavailable(_logger, StoreLog.Describe(outcome.Error!), attempt);
                    await Task.Delay(Backoff(unavailable), cancellationToken);
                    break;

                case Ending.Unavailable:
                    StoreLog.GaveUp(_logger, attempt, StoreLog.Describe(outcome.Error!));
                    throw new StoreUnavailableException("the database is unreachable; nothing was written", outcome.Error!);

                case Ending.InDoubt:
                    var name = marker.ToString("N");
                    StoreLog.CommitInDoubt(_logger, StoreLog.Describe(outcome.Error!), name);
                    switch (await ResolveAsync(marker))
                    {
                        case true:
                            LedgerMetrics.CommitInDoubt("committed");
                            StoreLog.CommitResolved(_logger, name, "committed");
                            return outcome.Result;
                        case false when ++unavailable < MaxUnavailableAttempts:
                            // A lost connection like any other: counted with them, so retries stay bounded.
                            LedgerMetrics.CommitInDoubt("rolled_back");
                            LedgerMetrics.WriteRetried("rolled_back");
                            StoreLog.CommitResolved(_logger, name, "rolled back; running it again");
                            break;
                        case false:
                            LedgerMetrics.CommitInDoubt("rolled_back");
                            StoreLog.GaveUp(_logger, attempt, StoreLog.Describe(outcome.Error!));
                            throw new StoreUnavailableException("the connection to the database kept failing; nothing was written", outcome.Error!);
                        default:
                            LedgerMetrics.CommitInDoubt("unresolved");
                            StoreLog.CommitUnresolved(_logger, name, StoreLog.Describe(outcome.Error!));
                            throw new CommitOutcomeUnknownException(
                                "the connection to the database failed while the write was committing, and the database stayed unreachable: it may or may not have taken effect",
                                outcome.Error!);
                    }

                    break;
            }
        }
    }

    private async Task<Attempt<T>> AttemptAsync<T>(WriteScope scope, DateTimeOffset now, Func<LedgerSnapshot, T> decide, Guid marker, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed<T>(Ending.Unavailable, e);
        }

        await using (connection)
        {
            LedgerSnapshot snapshot;
            T result;
            bool distributed;
            try
            {
                distributed = await DistributedAsync(connection, cancellationToken);
                var accountIds = await _accountIds.ResolveAsync(connection, scope, distributed, cancellationToken);
                await using (var load = PgLoader.Build(connection, accountIds, scope, forWrite: true, distributed))
                await using (var reader = await load.ExecuteReaderAsync(cancellationToken))
                {
                    snapshot = await PgLoader.ReadAsync(reader, scope, now, cancellationToken, PgLoader.AccountResultSets(accountIds, forWrite: true, distributed));
                }

                result = decide(snapshot);
            }
            catch (PostgresException e) when (IsConflict(e))
            {
                await RollbackAsync(connection);
                return Failed<T>(Ending.Conflict, e);
            }
            catch (NpgsqlException e) when (!IsStatementError(e) && !cancellationToken.IsCancellationRequested)
            {
                // COMMIT was never sent: the server rolls the transaction back when it sees the connection go.
                return Failed<T>(Ending.Unavailable, e);
            }
            catch
            {
                await RollbackAsync(connection);
                throw;
            }

            // From here the batch may reach the server whatever the caller does, so it is not
            // cancellable: giving up half-way would only make its outcome unknown.
            await using var write = snapshot.HasChanges ? PgWriter.Build(connection, snapshot, marker, distributed) : Commit(connection);
            try
            {
                await write.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (PostgresException e) when (IsStatementError(e))
            {
                // The server refused a statement, so the transaction is aborted and COMMIT rolls back.
                await RollbackAsync(connection);
                if (IsConflict(e))
                {
                    return Failed<T>(Ending.Conflict, e);
                }

                throw;
            }
            catch (NpgsqlException) when (!snapshot.HasChanges)
            {
                // Nothing was written, so whether COMMIT arrived changes nothing: the decision stands.
                _dataSource.Clear();
            }
            catch (NpgsqlException e)
            {
                _dataSource.Clear();
                return new Attempt<T>(Ending.InDoubt, result, e);
            }

            _accountIds.Learn(snapshot);
            return new Attempt<T>(Ending.Committed, result, null);
        }
    }

    /// <summary>
    /// Whether the transaction that wrote <paramref name="marker"/> committed: true (committed),
    /// false (rolled back, and fenced so it never can commit), null (the database stayed unreachable).
    /// </summary>
    private async Task<bool?> ResolveAsync(Guid marker)
    {
        for (var attempt = 1; attempt <= MaxResolveAttempts; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(CancellationToken.None);
                await using (var fence = new NpgsqlCommand(PgSql.FenceMarker, connection) { CommandTimeout = FenceTimeoutSeconds })
                {
                    fence.Parameters.Add(new NpgsqlParameter { Value = marker });
                    if (await fence.ExecuteNonQueryAsync(CancellationToken.None) == 1)
                    {
                        return false;
                    }
                }

                // Taken: by the transaction itself (committed), or by an earlier fence of ours whose answer was lost.
                await using var read = new NpgsqlCommand(PgSql.MarkerFenced, connection);
                read.Parameters.Add(new NpgsqlParameter { Value = marker });
                if (await read.ExecuteScalarAsync(CancellationToken.None) is bool fenced)
                {
                    return !fenced;
                }
            }
            catch (NpgsqlException)
            {
                _dataSource.Clear();
            }

            await Task.Delay(Backoff(attempt));
        }

        return null;
    }

    /// <summary>100 ms, doubling, at most 1 s: about 4.5 s over the resolve attempts, enough for a restart.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(1000, 100 * (1 << Math.Min(attempt - 1, 4))));

    private static Attempt<T> Failed<T>(Ending ending, Exception error) => new(ending, default!, error);

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
    /// An error the server reported for a statement (severity ERROR): the transaction is aborted and
    /// cannot commit. FATAL and PANIC end the session instead — one may arrive after COMMIT did its work.
    /// </summary>
    private static bool IsStatementError(NpgsqlException e) =>
        e is PostgresException { InvariantSeverity: "ERROR" };

    /// <summary>
    /// Conflicts that a re-run on fresh rows resolves: serialization failures, deadlocks, and a
    /// unique violation from a concurrent transaction inserting the same account or idempotency key
    /// (the re-run finds the committed row and replays or reuses it).
    /// </summary>
    private static bool IsConflict(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
        || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName is { } name
            && (name is "accounts_external_id_key" or "idempotency_pkey"
                // On Citus (PgCitus) an external id is unique in account_external_ids, whose shards name the key with a suffix.
                || name.StartsWith("account_external_ids_pkey", StringComparison.Ordinal)));
}
