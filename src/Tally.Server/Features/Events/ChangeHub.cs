using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Tally.Ledger;
using Tally.Ledger.Storage;
using Tally.Server.Hosting;

namespace Tally.Server.Features.Events;

/// <summary>
/// This instance's live streams by account. Listens to the store's change feed (PostgreSQL:
/// LISTEN/NOTIFY, so changes from every instance arrive; SQLite: in-process) and wakes the
/// followers of each changed account; tells every follower to resync when the feed (re)connects;
/// asks every stream for a <c>: ping</c> each <c>TALLY_SSE_PING_SECONDS</c>.
/// </summary>
public sealed class ChangeHub(CreditLedger ledger, IOptions<TallyOptions> options, TimeProvider time) : BackgroundService, IChangeListener
{
    private readonly ConcurrentDictionary<string, Follower[]> _followers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>Streams open on this instance.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Follows <paramref name="account"/>; null when this instance already serves its maximum of streams.</summary>
    public Follower? Follow(string account)
    {
        lock (_lock)
        {
            if (_count >= options.Value.SseMaxStreams)
            {
                return null;
            }

            var follower = new Follower(account);
            _followers[account] = _followers.TryGetValue(account, out var others) ? [.. others, follower] : [follower];
            _count++;
            return follower;
        }
    }

    public void Unfollow(Follower follower)
    {
        ArgumentNullException.ThrowIfNull(follower);
        lock (_lock)
        {
            if (!_followers.TryGetValue(follower.Account, out var others))
            {
                return;
            }

            var rest = others.Where(f => !ReferenceEquals(f, follower)).ToArray();
            if (rest.Length == others.Length)
            {
                return;
            }

            _count--;
            if (rest.Length == 0)
            {
                _followers.TryRemove(follower.Account, out _);
            }
            else
            {
                _followers[follower.Account] = rest;
            }
        }
    }

    public void Changed(IReadOnlyList<AccountChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            if (_followers.TryGetValue(change.Account, out var followers))
            {
                foreach (var follower in followers)
                {
                    follower.Changed(change.Seq);
                }
            }
        }
    }

    public void Resync() => ForEach(f => f.Resync());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pings = PingAsync(stoppingToken);
        await ledger.Store.ListenAsync(this, stoppingToken);
        await pings;
    }

    private async Task PingAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SsePingSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                ForEach(f => f.Ping());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void ForEach(Action<Follower> action)
    {
        foreach (var followers in _followers.Values)
        {
            foreach (var follower in followers)
            {
                action(follower);
            }
        }
    }
}
