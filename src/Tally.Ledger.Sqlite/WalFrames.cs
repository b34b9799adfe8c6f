using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// The number of frames in a connection's write-ahead log after its last commit, as SQLite reports
/// it to a WAL hook (<c>sqlite3_wal_hook</c>, which SQLitePCLRaw does not wrap, so it is bound
/// here from the same native library). The writer reads it after each commit to rewind the log
/// the moment it passes its limit, instead of when the background checkpointer next notices.
/// </summary>
/// <remarks>
/// "e_sqlite3" resolves exactly as in SQLitePCLRaw's e_sqlite3 provider (which imports it by the
/// same name), so the connection handle and the hook belong to one loaded copy of SQLite.
/// </remarks>
internal sealed unsafe partial class WalFrames : IDisposable
{
    private readonly SqliteConnection _connection;
    private int* _frames;

    private WalFrames(SqliteConnection connection, int* frames)
    {
        _connection = connection;
        _frames = frames;
    }

    /// <summary>Frames in the log after the latest commit on the hooked connection.</summary>
    public int Count => Volatile.Read(ref *_frames);

    /// <summary>
    /// Hooks <paramref name="connection"/>; null where the native library offers no hook (the
    /// background checkpointer then bounds the log on its own). Replaces SQLite's automatic
    /// checkpoint hook, which <c>PRAGMA wal_autocheckpoint = 0</c> has already removed.
    /// </summary>
    public static WalFrames? Attach(SqliteConnection connection)
    {
        var frames = (int*)NativeMemory.AllocZeroed(Size);
        try
        {
            sqlite3_wal_hook(connection.Handle!.DangerousGetHandle(), &OnCommit, (nint)frames);
            return new WalFrames(connection, frames);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            NativeMemory.Free(frames);
            return null;
        }
    }

    /// <summary>
    /// Commits the hook has seen on this connection. SQLite calls the hook once a commit is in the
    /// log and visible — so a COMMIT that reports an error yet moved this counter did commit.
    /// </summary>
    public long Commits => Interlocked.Read(ref *(long*)((byte*)_frames + CommitsOffset));

    // The native block: the frame count (int) at 0, the commit count (long) at 8.
    private const int CommitsOffset = 8;
    private const int Size = 16;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnCommit(nint frames, nint db, nint schema, int count)
    {
        Volatile.Write(ref *(int*)frames, count);
        Interlocked.Increment(ref *(long*)(frames + CommitsOffset));
        return 0;
    }

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial nint sqlite3_wal_hook(nint db, delegate* unmanaged[Cdecl]<nint, nint, nint, int, int> callback, nint argument);

    /// <summary>Unhooks the connection (it may live on in the pool) and frees the counter.</summary>
    public void Dispose()
    {
        if (_frames is null)
        {
            return;
        }

        if (_connection.Handle is { IsInvalid: false } handle)
        {
            sqlite3_wal_hook(handle.DangerousGetHandle(), null, 0);
        }

        NativeMemory.Free(_frames);
        _frames = null;
    }
}
