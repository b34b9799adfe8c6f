using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Group commit: concurrent single-command requests queue per lane and each lane applies what has
/// queued as one store transaction — one lock-and-load, one set of writes, one commit — while
/// every request keeps its own outcome, its own refusal and its own idempotency key.
/// </summary>
/// <remarks>
/// Batching is natural rather than timed: a lane takes everything that queued while its previous
/// transaction ran, so an idle ledger adds no latency and a busy one batches more. A request goes
/// to the lane that already holds requests of its account, so one account's requests meet in one
/// lane (a hot account's charges coalesce into one row update per batch, and never wait on each
/// other's row locks across lanes); an account with nothing pending goes to the least-loaded lane,
/// so different accounts commit in parallel and no lane idles while another has a queue.
/// A batch that failed for sure (a bug, a constraint: the store rolled it back) is run again one
/// request at a time, so a poison request fails alone. A batch the database could not take
/// (<see cref="StoreUnavailableException"/>) fails every caller at once, and one whose commit is
/// in doubt (<see cref="CommitOutcomeUnknownException"/>) is never run again: it may have committed.
/// </remarks>
internal sealed class GroupCommitter : IAsyncDisposable
{
    private readonly Lane[] _lanes;
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly Lock _routing = new();

    public GroupCommitter(Func<IReadOnlyList<LedgerRequest>, CancellationToken, Task<IReadOnlyList<RequestOutcome>>> commit, int lanes, int maxBatch, ILogger logger)
    {
        _lanes = Enumerable.Range(0, lanes).Select(_ => new Lane(commit, maxBatch, logger)).ToArray();
    }

    /// <param name="request">The request.</param>
    /// <param name="laneKey">Its account (or the hold or entry naming it): requests with one key share a lane while any is pending.</param>
    /// <param name="cancellationToken">Gives up waiting; a request already in a batch runs to its end.</param>
    public async Task<RequestOutcome> SubmitAsync(LedgerRequest request, string laneKey, CancellationToken cancellationToken)
    {
        if (_lanes.Length == 1)
        {
            return await _lanes[0].SubmitAsync(request, cancellationToken);
        }

        var lane = Enter(laneKey);
        try
        {
            return await lane.SubmitAsync(request, cancellationToken);
        }
        finally
        {
            Leave(laneKey);
        }
    }

    private Lane Enter(string key)
    {
        lock (_routing)
        {
            if (!_routes.TryGetValue(key, out var route))
            {
                var lane = _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_lanes.Length)];
                foreach (var other in _lanes)
                {
                    if (other.Pending < lane.Pending)
                    {
                        lane = other;
                    }
                }

                route = new Route(lane);
                _routes[key] = route;
            }

            route.Pending++;
            route.Lane.Pending++;
            return route.Lane;
        }
    }

    private void Leave(string key)
    {
        lock (_routing)
        {
            var route = _routes[key];
            route.Lane.Pending--;
            if (--route.Pending == 0)
            {
                _routes.Remove(key);
            }
        }
    }

    /// <summary>The lane a key's pending requests are on, and how many there are.</summary>
    private sealed class Route(Lane lane)
    {
        public Lane Lane { get; } = lane;

        public int Pending { get; set; }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes)
        {
            await lane.DisposeAsync();
        }
    }

    private sealed record Pending(LedgerRequest Request, TaskCompletionSource<RequestOutcome> Completion, CancellationToken CancellationToken);

    private sealed class Lane : IAsyncDisposable
    {
        private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(10_000)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        private readonly Func<IReadOnlyList<LedgerRequest>, CancellationToken, Task<IReadOnlyList<RequestOutcome>>> _commit;
        private readonly int _maxBatch;
        private readonly ILogger _logger;

        /// <summary>Requests routed here and not yet answered (guarded by the committer's routing lock).</summary>
        public int Pending { get; set; }
        private readonly Task _loop;

        public Lane(Func<IReadOnlyList<LedgerRequest>, CancellationToken, Task<IReadOnlyList<RequestOutcome>>> commit, int maxBatch, ILogger logger)
        {
            _commit = commit;
            _maxBatch = maxBatch;
            _logger = logger;
            _loop = Task.Run(RunAsync);
        }

        public async Task<RequestOutcome> SubmitAsync(LedgerRequest request, CancellationToken cancellationToken)
        {
            var pending = new Pending(request, new TaskCompletionSource<RequestOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
            await _queue.Writer.WriteAsync(pending, cancellationToken);
            return await pending.Completion.Task;
        }

        private async Task RunAsync()
        {
            var batch = new List<Pending>(_maxBatch);
            while (await _queue.Reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
                {
                    // A caller that gave up before its request ran is answered "canceled" and skipped;
                    // once a request is in a batch it runs to its end.
                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        pending.Completion.TrySetCanceled(pending.CancellationToken);
                    }
                    else
                    {
                        batch.Add(pending);
                    }
                }

                if (batch.Count > 0)
                {
                    await CommitAsync(batch);
                    await LetAnsweredCallersReturnAsync(batch.Count);
                }
            }
        }

        /// <summary>
        /// The callers just answered run on the thread pool, and busy callers come straight back
        /// with their next request. Yielding the lane's thread a few times (never sleeping) lets
        /// them queue before the next batch is cut, so a closed loop of n callers keeps batches of
        /// n instead of fragmenting into small ones; an idle lane returns at once.
        /// </summary>
        private async ValueTask LetAnsweredCallersReturnAsync(int answered)
        {
            for (var i = 0; i < 4 && answered > 1 && _queue.Reader.Count < answered; i++)
            {
                await Task.Yield();
            }
        }

        private async Task CommitAsync(List<Pending> batch)
        {
            try
            {
                var outcomes = await _commit(batch.ConvertAll(p => p.Request), CancellationToken.None);
                LedgerMetrics.BatchSize.Record(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(outcomes[i]);
                }
            }
            catch (StoreUnavailableException e)
            {
                // The store has already run again whatever certainly did not commit; an in-doubt
                // commit must not run again, and an unreachable database fails every caller alike.
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(e);
                }
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // Rolled back for sure (the store's contract for every other exception): find the
                // request that causes it by running each alone.
                LedgerMetrics.GroupFallback();
                StoreLog.GroupFallback(_logger, batch.Count, StoreLog.Describe(e));
                foreach (var pending in batch)
                {
                    await CommitAsync([pending]);
                }
            }
            catch (Exception e)
            {
                batch[0].Completion.TrySetException(e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            await _loop;
        }
    }
}
