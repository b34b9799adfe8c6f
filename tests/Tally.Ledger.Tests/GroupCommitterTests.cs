using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.Ledger.Tests;

/// <summary>How the group committer spreads requests over its lanes (the store is a stand-in that records batches).</summary>
public sealed class GroupCommitterTests
{
    [Fact]
    public async Task An_account_with_requests_pending_keeps_their_lane_and_others_take_the_idle_one()
    {
        var batches = new List<string[]>();
        var firstBatchMayCommit = new TaskCompletionSource();
        var firstBatchStarted = new TaskCompletionSource();
        await using var committer = new GroupCommitter(async (requests, _) =>
        {
            var accounts = requests.Select(r => ((Charge)r.Commands[0]).Account).ToArray();
            lock (batches)
            {
                batches.Add(accounts);
            }

            if (accounts.Contains("busy"))
            {
                firstBatchStarted.TrySetResult();
                await firstBatchMayCommit.Task;
            }

            return requests.Select(_ => new RequestOutcome([], null)).ToList();
        }, lanes: 2, maxBatch: 128);

        // "busy" occupies one lane, its transaction held open.
        var first = Submit(committer, "busy");
        await firstBatchStarted.Task;

        // More for "busy" wait on the same lane, behind the open transaction; another account
        // does not wait behind it: it goes to the idle lane and is answered meanwhile.
        var second = Submit(committer, "busy");
        var third = Submit(committer, "busy");
        await Submit(committer, "other").WaitAsync(TimeSpan.FromSeconds(30)); // hash routing could queue it behind "busy"
        second.IsCompleted.ShouldBeFalse();

        firstBatchMayCommit.SetResult();
        await Task.WhenAll(first, second, third);

        batches.ShouldContain(b => b.SequenceEqual(new[] { "other" }));
        batches.ShouldContain(b => b.SequenceEqual(new[] { "busy", "busy" })); // queued together, one batch
    }

    [Fact]
    public async Task Many_requests_for_one_account_coalesce_in_one_lane()
    {
        var gate = new object();
        var inFlight = 0;
        var maxInFlight = 0;
        await using var committer = new GroupCommitter(async (requests, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (gate)
            {
                maxInFlight = Math.Max(maxInFlight, now);
            }

            await Task.Delay(1, ct);
            Interlocked.Decrement(ref inFlight);
            return requests.Select(_ => new RequestOutcome([], null)).ToList();
        }, lanes: 4, maxBatch: 128);

        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(_ => Submit(committer, "hot")));

        maxInFlight.ShouldBe(1); // never two transactions for the same account at once
    }

    private static Task<RequestOutcome> Submit(GroupCommitter committer, string account) =>
        committer.SubmitAsync(LedgerRequest.Of(new Charge(account, Price.Of(new Credits(1)))), account, CancellationToken.None);
}
