namespace Tally.Bench;

/// <summary>
/// Samples a file's size every 10 ms and keeps the largest: how far SQLite's write-ahead log grows
/// under load, with the background checkpointer and the writer's rewinds both at work. (A test can
/// only prove the writer's bound; this size depends on scheduling, so it is measured here.)
/// </summary>
public sealed class LogWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _largest;

    public LogWatcher(string path)
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var file = new FileInfo(path);
                if (file.Exists)
                {
                    Interlocked.Exchange(ref _largest, Math.Max(Interlocked.Read(ref _largest), file.Length));
                }
            }
        });
    }

    public long LargestBytes => Interlocked.Read(ref _largest);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
