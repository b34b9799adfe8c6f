using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task One_group_transaction_gives_every_request_its_own_outcome()
    {
        var t = NewLedger();
        var rich = await t.NewAccountAsync(100);
        var poor = await t.NewAccountAsync(5);
        var frozen = await t.NewAccountAsync(50);
        await t.RunAsync(new SetFrozen(frozen, true));
        var fresh = TestLedger.NewId();
        var earlier = new Charge(rich, Price.Of(new Credits(1)));
        var earlierKey = RequestIdempotency.For(Guid.NewGuid().ToString(), [earlier]);
        await t.Ledger.ExecuteAsync(LedgerRequest.Of(earlier, earlierKey));
        var keyed = new Charge(rich, Price.Of(new Credits(20)));
        var key = RequestIdempotency.For(Guid.NewGuid().ToString(), [keyed]);
        var otherBody = new Charge(rich, Price.Of(new Credits(21)));
        LedgerRequest[] requests =
        [
            LedgerRequest.Of(new Charge(rich, Price.Of(new Credits(10)))),
            LedgerRequest.Of(new Charge(poor, Price.Of(new Credits(6)))),
            LedgerRequest.Of(new Charge(rich, Price.Of(new Credits(0)))),
            LedgerRequest.Of(new Charge(frozen, Price.Of(new Credits(1)))),
            LedgerRequest.Of(new Grant(fresh, new Credits(7))),
            LedgerRequest.Of(keyed, key),
            LedgerRequest.Of(keyed, key),
            LedgerRequest.Of(otherBody, key with { Fingerprint = RequestIdempotency.For(key.Key, [otherBody]).Fingerprint }),
            LedgerRequest.Of(new Charge(rich, Price.Of(new Credits(2))), earlierKey with { Fingerprint = RequestIdempotency.For(earlierKey.Key, [new Charge(rich, Price.Of(new Credits(2)))]).Fingerprint }),
            LedgerRequest.Of(new Charge(poor, Price.Of(new Credits(5)))),
            LedgerRequest.Of(new Capture(Guid.CreateVersion7())),
            LedgerRequest.Of(new Reserve(rich, Price.Of(new Credits(100)))),
        ];

        var outcomes = await t.Ledger.ExecuteGroupAsync(requests);

        outcomes[0].Single.ShouldBeOfType<EntryResult>().Balance.Total.Minor.ShouldBe(89);
        outcomes[1].Single.ShouldBeOfType<InsufficientCredits>().Available.Minor.ShouldBe(5);
        outcomes[2].Single.ShouldBeOfType<Invalid>().Field.ShouldBe("amount");
        outcomes[3].Single.ShouldBeOfType<AccountFrozen>();
        outcomes[4].Single.ShouldBeOfType<EntryResult>().Balance.Total.Minor.ShouldBe(7);
        var first = outcomes[5].Single.ShouldBeOfType<EntryResult>();
        outcomes[6].Replayed.ShouldBeTrue();
        outcomes[6].Single.ShouldBeOfType<EntryResult>().Entry.Id.ShouldBe(first.Entry.Id);
        outcomes[7].Single.ShouldBeOfType<IdempotencyConflict>();
        outcomes[8].Single.ShouldBeOfType<IdempotencyConflict>();
        outcomes[9].Single.ShouldBeOfType<EntryResult>().Balance.Total.Minor.ShouldBe(0);
        outcomes[10].Single.ShouldBeOfType<NotFound>();
        outcomes[11].Single.ShouldBeOfType<InsufficientCredits>().Available.Minor.ShouldBe(69);
        (await t.TotalAsync(rich)).ShouldBe(69);
        (await t.TotalAsync(poor)).ShouldBe(0);
        (await t.TotalAsync(frozen)).ShouldBe(50);
        (await t.TotalAsync(fresh)).ShouldBe(7);
        (await t.Ledger.ExecuteAsync(LedgerRequest.Of(keyed, key))).Replayed.ShouldBeTrue();
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Concurrent_charges_on_many_accounts_share_transactions_and_keep_every_result()
    {
        var t = NewLedger();
        var accounts = new string[20];
        for (var i = 0; i < accounts.Length; i++)
        {
            accounts[i] = await t.NewAccountAsync(10);
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => t.ChargeAsync(accounts[i % accounts.Length], 1 + (i % 3)))));

        foreach (var account in accounts.Select((id, index) => (id, index)))
        {
            var mine = outcomes.Where((_, i) => i % accounts.Length == account.index).ToList();
            var spent = mine.OfType<EntryResult>().Sum(r => -r.Entry.Amount.Minor);
            (await t.TotalAsync(account.id)).ShouldBe(10 - spent);
            mine.ShouldAllBe(o => o is EntryResult || o is InsufficientCredits);
        }

        await t.ShouldHoldInvariantsAsync();
    }
}
