using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
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
        }, lanes: 2, maxBatch: 128, NullLogger.Instance);

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
        }, lanes: 4, maxBatch: 128, NullLogger.Instance);

        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(_ => Submit(committer, "hot")));

        maxInFlight.ShouldBe(1); // never two transactions for the same account at once
    }

    [Fact]
    public async Task A_group_whose_commit_is_in_doubt_is_never_run_again()
    {
        var (calls, outcomes) = await RunSecondBatchAsync(_ => throw new CommitOutcomeUnknownException("cut during COMMIT"));

        calls.ShouldBe(2); // the held first batch, then the queued three once: no per-request re-run
        foreach (var outcome in outcomes)
        {
            (await Should.ThrowAsync<CommitOutcomeUnknownException>(() => outcome)).Message.ShouldBe("cut during COMMIT");
        }
    }

    [Fact]
    public async Task A_group_the_database_could_not_take_fails_every_caller_without_running_again()
    {
        var (calls, outcomes) = await RunSecondBatchAsync(_ => throw new StoreUnavailableException("down"));

        calls.ShouldBe(2);
        foreach (var outcome in outcomes)
        {
            await Should.ThrowAsync<StoreUnavailableException>(() => outcome);
        }
    }

    [Fact]
    public async Task A_group_that_certainly_rolled_back_runs_each_request_alone_so_only_the_poison_fails()
    {
        var (calls, outcomes) = await RunSecondBatchAsync(accounts =>
            accounts.Contains("poison") ? throw new InvalidOperationException("bug") : null);

        calls.ShouldBe(2 + 3); // the batch of three, then each alone
        (await outcomes[0]).ShouldNotBeNull();
        await Should.ThrowAsync<InvalidOperationException>(() => outcomes[1]);
        (await outcomes[2]).ShouldNotBeNull();
    }

    /// <summary>
    /// Holds a first batch open so that three requests ("a", "poison", "b") queue into one second
    /// batch, whose commit runs <paramref name="second"/> (throw, or null to succeed).
    /// </summary>
    private static async Task<(int Calls, Task<RequestOutcome>[] Outcomes)> RunSecondBatchAsync(Func<string[], object?> second)
    {
        var calls = 0;
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        await using var committer = new GroupCommitter(async (requests, _) =>
        {
            var accounts = requests.Select(r => ((Charge)r.Commands[0]).Account).ToArray();
            if (Interlocked.Increment(ref calls) == 1)
            {
                started.SetResult();
                await release.Task;
            }
            else
            {
                second(accounts);
            }

            return requests.Select(_ => new RequestOutcome([], null)).ToList();
        }, lanes: 1, maxBatch: 128, NullLogger.Instance);

        var first = Submit(committer, "first");
        await started.Task;
        Task<RequestOutcome>[] outcomes = [Submit(committer, "a"), Submit(committer, "poison"), Submit(committer, "b")];
        release.SetResult();
        await first;
        await Task.WhenAll(outcomes).ContinueWith(_ => { }, TaskScheduler.Default);
        return (calls, outcomes);
    }

    private static Task<RequestOutcome> Submit(GroupCommitter committer, string account) =>
        committer.SubmitAsync(LedgerRequest.Of(new Charge(account, Price.Of(new Credits(1)))), account, CancellationToken.None);
}
