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
/// in it has been copied, which cannot happen while the writer keeps appending. So when a pass
/// finds the log past its limit (<see cref="DefaultMaxLogFrames"/> pages by default), it asks the
/// writer (<see cref="TakeRewind"/>) to run one checkpoint itself right after its next commit —
/// and should the passes fall behind, the writer does so anyway once SQLite's WAL hook
/// (<see cref="WalFrames"/>) shows the log at twice the limit, holding new passes off
/// (<see cref="HoldOff"/>) until it has the lock. Either way the writer copies
/// only what the passes have not copied yet, and nothing can append meanwhile; the
/// next transaction then starts the log from the beginning. Under sustained load the log stays
/// bounded at the price of a brief pause now and then; when idle the checkpointer costs nothing
/// but a wake-up per interval.
/// </remarks>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    /// <summary>
    /// Log size (in pages) past which the writer rewinds it: 256 MiB at 4 KiB pages. Each rewind
    /// costs the writer a checkpoint with two fsyncs, so a larger log means fewer of them (16 MiB:
    /// p99 18 ms; 64 MiB: 17.3k charges/s; 256 MiB: 19.2k/s, p99 4 ms). The file keeps its largest
    /// size until the last connection closes (truncating it at each rewind cost 18 %).
    /// </summary>
    public const int DefaultMaxLogFrames = 65536;

    private const int MaxHeldOffPasses = 20;
    private static readonly TimeSpan BusyInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan IdleInterval = TimeSpan.FromMilliseconds(100);

    private readonly Func<SqliteConnection> _open;
    private readonly int _maxLogFrames;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly AutoResetEvent _wake = new(false);
    private long _commits;
    private int _rewindDue;
    private int _idle;
    private int _holdOff;

    public WalCheckpointer(Func<SqliteConnection> open, int maxLogFrames)
    {
        _open = open;
        _maxLogFrames = maxLogFrames;

        // Its own thread: a checkpoint blocks on disk writes and fsyncs, which must not hold a
        // thread-pool thread the requests need.
        _thread = new Thread(Run) { IsBackground = true, Name = "tally-sqlite-checkpointer" };
        _thread.Start();
    }

    /// <summary>Tells the checkpointer the writer committed something (and wakes it if it was idling).</summary>
    public void Committed()
    {
        Interlocked.Increment(ref _commits);
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// True once after the log outgrew its limit: the writer, between transactions, should then run
    /// <see cref="Checkpoint"/> on its own connection.
    /// </summary>
    public bool TakeRewind() => Interlocked.Exchange(ref _rewindDue, 0) == 1;

    /// <summary>
    /// While set, no new background pass starts, so the writer's own rewind finds the checkpoint
    /// lock free by its next commit at the latest (a pass in progress holds it). Passes resume by
    /// themselves after <see cref="MaxHeldOffPasses"/> intervals, should the writer fall idle.
    /// </summary>
    public void HoldOff(bool on) => Volatile.Write(ref _holdOff, on ? 1 : 0);

    private void Run()
    {
        using var connection = _open();
        var stop = _stop.Token;
        var seen = 0L;
        var heldOff = 0;
        while (!stop.IsCancellationRequested)
        {
            if (Volatile.Read(ref _holdOff) == 1 && heldOff++ < MaxHeldOffPasses)
            {
                stop.WaitHandle.WaitOne(BusyInterval);
                continue;
            }

            heldOff = 0;
            var commits = Interlocked.Read(ref _commits);
            var busy = commits != seen;
            seen = commits;
            try
            {
                if (busy && Checkpoint(connection).LogFrames >= _maxLogFrames)
                {
                    Volatile.Write(ref _rewindDue, 1);
                }
            }
            catch (SqliteException)
            {
                // Another process is checkpointing or the file is briefly locked: try again next round.
                busy = false;
            }

            if (busy)
            {
                stop.WaitHandle.WaitOne(BusyInterval);
            }
            else
            {
                // Idle: sleep until the writer commits again (or the interval passes), so a burst
                // after a quiet spell is checkpointed from its start.
                Volatile.Write(ref _idle, 1);
                if (Interlocked.Read(ref _commits) == seen)
                {
                    WaitHandle.WaitAny([stop.WaitHandle, _wake], IdleInterval);
                }

                Volatile.Write(ref _idle, 0);
            }
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

    /// <summary>
    /// Runs one passive checkpoint: whether it could not run (another connection held the
    /// checkpoint lock — SQLite reports that in the result row, not as an error) and the number of
    /// frames in the log.
    /// </summary>
    public static (bool Busy, long LogFrames) Checkpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) != 0, reader.GetInt64(1)) : (false, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.Run(_thread.Join);
        _stop.Dispose();
        _wake.Dispose();
    }
}
