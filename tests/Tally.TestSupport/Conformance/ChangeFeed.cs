using System.Collections.Concurrent;
using Shouldly;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    /// <summary>Records what a store's change feed says.</summary>
    private sealed class RecordingListener : IChangeListener
    {
        public ConcurrentDictionary<string, long> Newest { get; } = new(StringComparer.Ordinal);

        public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Changed(IReadOnlyList<AccountChange> changes)
        {
            foreach (var change in changes)
            {
                Newest.AddOrUpdate(change.Account, change.Seq, (_, seen) => Math.Max(seen, change.Seq));
            }
        }

        public void Resync() => Listening.TrySetResult();
    }

    [Fact]
    public async Task The_change_feed_names_every_account_a_commit_changed_with_its_final_seq()
    {
        var t = NewLedger();
        var accounts = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            accounts.Add(await t.NewAccountAsync(1000));
        }

        var listener = new RecordingListener();
        using var stop = new CancellationTokenSource();
        var listening = Fixture.Store.ListenAsync(listener, stop.Token);
        await listener.Listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Many tasks at once, so group commit puts several accounts (and several charges of one) in a transaction.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(async task =>
        {
            for (var i = 0; i < 10; i++)
            {
                await t.ChargeAsync(accounts[(task + i) % accounts.Count], 1);
            }
        }));
        (await t.ReserveAsync(accounts[0], 5)).ShouldBeOfType<HoldResult>();

        foreach (var account in accounts)
        {
            var seq = await t.SeqAsync(account);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (listener.Newest.GetValueOrDefault(account) < seq && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            listener.Newest.GetValueOrDefault(account).ShouldBe(seq, $"the feed's newest seq of {account}");
        }

        await stop.CancelAsync();
        await listening;
    }

    [Fact]
    public async Task Changes_after_a_seq_are_the_journal_after_it_oldest_first_bounded_and_complete_only_when_all_fit()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var start = await t.SeqAsync(id);
        for (var i = 0; i < 5; i++)
        {
            await t.ChargeAsync(id, 1);
        }

        var all = (await t.Ledger.ReadChangesAsync(id, start, 10)).ShouldNotBeNull();
        all.Complete.ShouldBeTrue();
        all.Entries.Select(e => e.Seq).ShouldBe([start + 1, start + 2, start + 3, start + 4, start + 5]);
        all.View.Seq.ShouldBe(start + 5);

        var some = (await t.Ledger.ReadChangesAsync(id, start, 3)).ShouldNotBeNull();
        some.Complete.ShouldBeFalse();
        some.Entries.Select(e => e.Seq).ShouldBe([start + 1, start + 2, start + 3]);

        (await t.Ledger.ReadChangesAsync(id, start + 5, 10)).ShouldNotBeNull().Entries.ShouldBeEmpty();
        (await t.Ledger.ReadChangesAsync(id, start + 99, 10)).ShouldNotBeNull().Complete.ShouldBeFalse();
        (await t.Ledger.ReadChangesAsync(TestLedger.NewId(), 0, 10)).ShouldBeNull();
    }
}
