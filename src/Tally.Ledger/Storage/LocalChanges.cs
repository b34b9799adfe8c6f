namespace Tally.Ledger.Storage;

/// <summary>
/// Change wake-ups within one process, for a store whose commits all happen in it (SQLite): the
/// store publishes after each commit, listeners hear it at once.
/// </summary>
public sealed class LocalChanges
{
    private readonly Lock _lock = new();
    private IChangeListener[] _listeners = [];

    /// <summary>Tells every listener what <paramref name="snapshot"/> committed; cheap when nobody listens.</summary>
    public void Publish(LedgerSnapshot snapshot)
    {
        var listeners = Volatile.Read(ref _listeners);
        if (listeners.Length == 0)
        {
            return;
        }

        var changes = ChangeMessages.Of(snapshot);
        if (changes.Count == 0)
        {
            return;
        }

        foreach (var listener in listeners)
        {
            listener.Changed(changes);
        }
    }

    /// <summary>Registers <paramref name="listener"/> until <paramref name="cancellationToken"/> ends, after one resync.</summary>
    public async Task ListenAsync(IChangeListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_lock)
        {
            _listeners = [.. _listeners, listener];
        }

        try
        {
            listener.Resync();
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            lock (_lock)
            {
                _listeners = [.. _listeners.Where(l => !ReferenceEquals(l, listener))];
            }
        }
    }
}
