using System.Text;
using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    private static LedgerRequest Keyed(LedgerCommand command, string key) =>
        LedgerRequest.Of(command, RequestIdempotency.For(key, [command]));

    [Fact]
    public async Task The_same_key_and_request_returns_the_first_outcome_without_doing_it_again()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var key = Guid.NewGuid().ToString();
        var charge = new Charge(id, Price.Of(new Credits(3)));

        var first = await t.Ledger.ExecuteAsync(Keyed(charge, key));
        var second = await t.Ledger.ExecuteAsync(Keyed(charge, key));

        first.Replayed.ShouldBeFalse();
        second.Replayed.ShouldBeTrue();
        second.Single.ShouldBeOfType<EntryResult>().Entry.Id.ShouldBe(first.Single.ShouldBeOfType<EntryResult>().Entry.Id);
        second.Single.ShouldBe(first.Single, "a replay returns the stored outcome");
        (await t.TotalAsync(id)).ShouldBe(7);
    }

    [Fact]
    public async Task The_same_key_with_a_different_request_is_a_conflict()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var key = Guid.NewGuid().ToString();
        await t.Ledger.ExecuteAsync(Keyed(new Charge(id, Price.Of(new Credits(3))), key));

        var conflict = await t.Ledger.ExecuteAsync(Keyed(new Charge(id, Price.Of(new Credits(4))), key));

        conflict.Single.ShouldBeOfType<IdempotencyConflict>();
        (await t.TotalAsync(id)).ShouldBe(7);
    }

    [Fact]
    public async Task A_refusal_that_is_not_remembered_leaves_the_key_free_for_a_retry()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 0, MaxBalance = 100 });
        var id = await t.NewAccountAsync(90);
        var key = Guid.NewGuid().ToString();
        var grant = new Grant(id, new Credits(20));
        var request = Keyed(grant, key) with { RememberRefusals = false };

        (await t.Ledger.ExecuteAsync(request)).Single.ShouldBeOfType<Invalid>();
        await t.Ledger.ExecuteAsync(LedgerRequest.Of(new Charge(id, Price.Of(new Credits(50)))));
        var applied = await t.Ledger.ExecuteAsync(request);
        var replay = await t.Ledger.ExecuteAsync(request);

        applied.Replayed.ShouldBeFalse();
        applied.Single.ShouldBeOfType<EntryResult>();
        replay.Replayed.ShouldBeTrue();
        (await t.TotalAsync(id)).ShouldBe(60);
    }

    [Fact]
    public async Task A_refusal_is_replayed_too()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var key = Guid.NewGuid().ToString();
        var charge = new Charge(id, Price.Of(new Credits(30)));

        (await t.Ledger.ExecuteAsync(Keyed(charge, key))).Single.ShouldBeOfType<InsufficientCredits>();
        await t.GrantAsync(id, 100);
        var replay = await t.Ledger.ExecuteAsync(Keyed(charge, key));

        replay.Replayed.ShouldBeTrue();
        replay.Single.ShouldBeOfType<InsufficientCredits>().Available.Minor.ShouldBe(10);
        (await t.TotalAsync(id)).ShouldBe(110);
    }

    [Fact]
    public async Task A_stored_response_is_replayed_byte_for_byte()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var charge = new Charge(id, Price.Of(new Credits(1)));
        var calls = 0;
        var idempotency = RequestIdempotency.For(Guid.NewGuid().ToString(), [charge]);
        var request = LedgerRequest.Of(charge, idempotency) with
        {
            Render = outcome => new StoredResponse(201, Encoding.UTF8.GetBytes($"call {++calls}")),
        };

        var first = await t.Ledger.ExecuteAsync(request);
        var second = await t.Ledger.ExecuteAsync(request);

        first.Response.ShouldNotBeNull().Body.ShouldBe(Encoding.UTF8.GetBytes("call 1"));
        second.Response.ShouldNotBeNull().Status.ShouldBe(201);
        second.Response.Body.ShouldBe(Encoding.UTF8.GetBytes("call 1"));
    }

    [Fact]
    public async Task A_response_that_cannot_be_rendered_rolls_its_write_back()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var request = LedgerRequest.Of(new Charge(id, Price.Of(new Credits(4)))) with
        {
            Render = _ => throw new InvalidOperationException("cannot render"),
        };

        await Should.ThrowAsync<InvalidOperationException>(() => t.Ledger.ExecuteAsync(request));

        (await t.TotalAsync(id)).ShouldBe(10);
        (await t.Ledger.GetEntriesAsync(new EntryQuery(id, 10))).ShouldNotBeNull().Entries.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_have_exactly_one_effect()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(100);
        var key = Guid.NewGuid().ToString();
        var charge = new Charge(id, Price.Of(new Credits(1)));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => t.Ledger.ExecuteAsync(Keyed(charge, key)))));

        outcomes.Count(o => !o.Replayed).ShouldBe(1);
        outcomes.Select(o => o.Single.ShouldBeOfType<EntryResult>().Entry.Id).Distinct().Count().ShouldBe(1);
        (await t.TotalAsync(id)).ShouldBe(99);
    }

    [Fact]
    public async Task A_batch_request_is_idempotent_as_a_whole()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        LedgerCommand[] commands = [new Grant(id, new Credits(5)), new Charge(id, Price.Of(new Credits(2)))];
        var request = new LedgerRequest(commands, BatchMode.Atomic, RequestIdempotency.For(Guid.NewGuid().ToString(), commands, BatchMode.Atomic));

        await t.Ledger.ExecuteAsync(request);
        (await t.Ledger.ExecuteAsync(request)).Replayed.ShouldBeTrue();

        (await t.TotalAsync(id)).ShouldBe(13);
    }
}
