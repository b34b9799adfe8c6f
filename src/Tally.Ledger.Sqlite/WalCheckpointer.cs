using Microsoft.Data.Sqlite;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// Copies committed pages from the write-ahead log into the database file on a connection of its
/// own, so the writer never pays for a checkpoint's copying and fsyncs inside a commit (SQLite's
/// automatic checkpoint runs in the committing connection: at load, that stalled every few
/// hundred charges for milliseconds).
/// </summary>
/// <remarks>
/// A passive checkpoint never blocks the writer, but SQLite rewinds the log only once every frame
/// in it has been copied, which cannot happen while the writer keeps appending. So when the log
/// outgrows its limit (<see cref="DefaultMaxLogFrames"/> pages by default), the checkpointer takes
/// the store's write lock for one short checkpoint of what the background passes have not copied
/// yet; the next transaction then starts the log from the beginning. Under sustained load the
/// log stays bounded at the price of a brief pause now and then; when idle it costs nothing but a
/// wake-up per interval.
/// </remarks>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    /// <summary>Log size (in pages) past which the checkpointer pauses writers to rewind it: 64 MiB at 4 KiB pages.</summary>
    public const int DefaultMaxLogFrames = 16384;

    private static readonly TimeSpan BusyInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan IdleInterval = TimeSpan.FromMilliseconds(100);

    private readonly Func<SqliteConnection> _open;
    private readonly SemaphoreSlim _writeLock;
    private readonly int _maxLogFrames;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _commits;

    public WalCheckpointer(Func<SqliteConnection> open, SemaphoreSlim writeLock, int maxLogFrames)
    {
        _open = open;
        _writeLock = writeLock;
        _maxLogFrames = maxLogFrames;

        // Its own thread: a checkpoint blocks on disk writes and fsyncs, which must not hold a
        // thread-pool thread the requests need.
        _thread = new Thread(Run) { IsBackground = true, Name = "tally-sqlite-checkpointer" };
        _thread.Start();
    }

    /// <summary>Tells the checkpointer the writer committed something.</summary>
    public void Committed() => Interlocked.Increment(ref _commits);

    private void Run()
    {
        using var connection = _open();
        var stop = _stop.Token;
        var seen = 0L;
        while (!stop.IsCancellationRequested)
        {
            var commits = Interlocked.Read(ref _commits);
            var busy = commits != seen;
            seen = commits;
            try
            {
                if (busy && Checkpoint(connection) >= _maxLogFrames)
                {
                    Rewind(connection, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (SqliteException)
            {
                // Another process is checkpointing or the file is briefly locked: try again next round.
                busy = false;
            }

            stop.WaitHandle.WaitOne(busy ? BusyInterval : IdleInterval);
        }

        // Leave the file tidy for the next opener (and for file copies taken while stopped).
        try
        {
            Checkpoint(connection);
        }
        catch (SqliteException)
        {
            // Best effort only: the log is replayed on the next open anyway.
        }
    }

    private void Rewind(SqliteConnection connection, CancellationToken stop)
    {
        _writeLock.Wait(stop);
        try
        {
            Checkpoint(connection);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs one passive checkpoint and returns the number of frames in the log.</summary>
    private static long Checkpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.Run(_thread.Join);
        _stop.Dispose();
    }
}
