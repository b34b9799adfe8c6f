using System.Threading.Channels;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger.Engine;

/// <summary>
/// Group commit: concurrent single-command requests queue per lane and each lane applies what has
/// queued as one store transaction — one lock-and-load, one set of writes, one commit — while
/// every request keeps its own outcome, its own refusal and its own idempotency key.
/// </summary>
/// <remarks>
/// Batching is natural rather than timed: a lane takes everything that queued while its previous
/// transaction ran, so an idle ledger adds no latency and a busy one batches more. Requests are
/// spread over lanes by their account, so one account's requests meet in one lane (a hot account's
/// charges coalesce into one row update per batch) while different accounts commit in parallel.
/// A batch that throws (a store failure or a bug) is retried one request at a time, so a poison
/// request fails alone.
/// </remarks>
internal sealed class GroupCommitter : IAsyncDisposable
{
    private readonly Lane[] _lanes;

    public GroupCommitter(Func<IReadOnlyList<LedgerRequest>, CancellationToken, Task<IReadOnlyList<RequestOutcome>>> commit, int lanes, int maxBatch)
    {
        _lanes = Enumerable.Range(0, lanes).Select(_ => new Lane(commit, maxBatch)).ToArray();
    }

    public Task<RequestOutcome> SubmitAsync(LedgerRequest request, string laneKey, CancellationToken cancellationToken)
    {
        var lane = _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(laneKey) % (uint)_lanes.Length)];
        return lane.SubmitAsync(request, cancellationToken);
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
        private readonly Task _loop;

        public Lane(Func<IReadOnlyList<LedgerRequest>, CancellationToken, Task<IReadOnlyList<RequestOutcome>>> commit, int maxBatch)
        {
            _commit = commit;
            _maxBatch = maxBatch;
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
            catch (Exception) when (batch.Count > 1)
            {
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
