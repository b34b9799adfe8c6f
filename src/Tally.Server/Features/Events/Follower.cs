namespace Tally.Server.Features.Events;

/// <summary>
/// One live stream's interest in one account: the hub wakes it, the stream reads the journal.
/// Holds no events, only what to do next (a seq to read up to, a resync, a ping), so a burst of
/// changes costs it nothing and never waits for its reader.
/// </summary>
public sealed class Follower(string account) : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _wanted;
    private int _resync;
    private int _ping;

    public string Account { get; } = account;

    /// <summary>The newest seq a wake-up named.</summary>
    public long Wanted => Volatile.Read(ref _wanted);

    /// <summary>A committed change up to <paramref name="seq"/>.</summary>
    public void Changed(long seq)
    {
        var seen = Volatile.Read(ref _wanted);
        while (seq > seen)
        {
            var was = Interlocked.CompareExchange(ref _wanted, seq, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }

        Signal();
    }

    /// <summary>Wake-ups may have been missed: read the journal again.</summary>
    public void Resync()
    {
        Volatile.Write(ref _resync, 1);
        Signal();
    }

    public void Ping()
    {
        Volatile.Write(ref _ping, 1);
        Signal();
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Whether a resync was asked for since the last call.</summary>
    public bool TakeResync() => Interlocked.Exchange(ref _resync, 0) == 1;

    public bool TakePing() => Interlocked.Exchange(ref _ping, 0) == 1;

    public void Dispose() => _signal.Dispose();

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Signalled meanwhile by another wake-up: one is enough.
            }
            catch (ObjectDisposedException)
            {
                // The stream ended.
            }
        }
    }
}
