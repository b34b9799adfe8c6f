using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

public abstract partial class LedgerStoreConformance<TFixture>
{
    [Fact]
    public async Task Ensure_creates_an_account_with_the_signup_grant_exactly_once()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 100 });
        var id = TestLedger.NewId();

        var first = Is<AccountResult>(await t.RunAsync(new EnsureAccount(id)));
        var second = Is<AccountResult>(await t.RunAsync(new EnsureAccount(id)));

        first.Created.ShouldBeTrue();
        second.Created.ShouldBeFalse();
        (await t.TotalAsync(id)).ShouldBe(100);
        var entries = await t.EntriesAsync(id);
        entries.Count.ShouldBe(1);
        entries[0].Type.ShouldBe(EntryType.Grant);
        entries[0].BalanceAfter.Minor.ShouldBe(100);
    }

    [Fact]
    public async Task Concurrent_ensures_create_one_account_with_one_signup_grant()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 100 });
        var id = TestLedger.NewId();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => t.RunAsync(new EnsureAccount(id)))));

        results.Count(r => r is AccountResult { Created: true }).ShouldBe(1);
        results.ShouldAllBe(r => r is AccountResult);
        (await t.TotalAsync(id)).ShouldBe(100);
        (await t.EntriesAsync(id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Ensure_updates_tier_limits_and_metadata_without_a_new_grant()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 5 });
        var id = TestLedger.NewId();
        await t.RunAsync(new EnsureAccount(id));

        var updated = Is<AccountResult>(await t.RunAsync(new EnsureAccount(id, "premium", 25, Patch.To<long?>(10), """{"k":"v"}""")));

        updated.Account.Tier.ShouldBe("premium");
        updated.Account.OverdraftLimit.ShouldBe(25);
        updated.Account.LowBalanceThreshold.ShouldBe(10);
        updated.Account.Metadata.ShouldBe("""{"k":"v"}""");
        var read = (await t.Ledger.GetAccountAsync(id)).ShouldNotBeNull();
        read.Tier.ShouldBe("premium");
        read.Metadata.ShouldBe("""{"k":"v"}""");
        (await t.TotalAsync(id)).ShouldBe(5);

        var cleared = Is<AccountResult>(await t.RunAsync(new EnsureAccount(id, LowBalanceThreshold: Patch.To<long?>(null))));
        cleared.Account.LowBalanceThreshold.ShouldBeNull();
        cleared.Account.Tier.ShouldBe("premium");
    }

    [Fact]
    public async Task Without_a_signup_amount_a_new_account_has_no_entries()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();

        (await t.EntriesAsync(id)).ShouldBeEmpty();
        var balance = await t.BalanceAsync(id);
        (balance.Total.Minor, balance.Available.Minor, balance.Held.Minor).ShouldBe((0L, 0L, 0L));
    }

    [Fact]
    public async Task An_invalid_account_id_is_refused()
    {
        var t = NewLedger();

        InvalidField(await t.RunAsync(new EnsureAccount("has space")), "id");
        InvalidField(await t.RunAsync(new EnsureAccount(new string('a', 201))), "id");
        InvalidField(await t.ChargeAsync("", 1), "account");
    }

    [Fact]
    public async Task Unknown_accounts_read_as_null()
    {
        var t = NewLedger();
        var id = TestLedger.NewId("nobody");

        (await t.Ledger.GetAccountAsync(id)).ShouldBeNull();
        (await t.Ledger.GetEntriesAsync(new EntryQuery(id, 10))).ShouldBeNull();
        (await t.Ledger.GetHoldsAsync(id, null)).ShouldBeNull();
    }

    [Fact]
    public async Task A_mutation_on_an_unknown_account_creates_it_unless_auto_create_is_off()
    {
        var auto = NewLedger(new LedgerOptions { InitialAmount = 100 });
        var id = TestLedger.NewId();
        Is<EntryResult>(await auto.GrantAsync(id, 10));
        (await auto.TotalAsync(id)).ShouldBe(110);

        var strict = NewLedger(new LedgerOptions { InitialAmount = 100, AutoCreateAccounts = false });
        var other = TestLedger.NewId();
        Is<NotFound>(await strict.GrantAsync(other, 10)).What.ShouldBe("account");
        Is<NotFound>(await strict.ChargeAsync(other, 1));
        (await strict.Ledger.GetAccountAsync(other)).ShouldBeNull();
    }

    [Fact]
    public async Task Admin_operations_on_an_unknown_account_are_not_found()
    {
        var t = NewLedger();
        var id = TestLedger.NewId();

        Is<NotFound>(await t.RunAsync(new SetFrozen(id, true)));
        Is<NotFound>(await t.RunAsync(new Adjust(id, new(5), "fix")));
        (await t.Ledger.GetAccountAsync(id)).ShouldBeNull();
    }

    [Fact]
    public async Task The_overdraft_limit_cannot_drop_below_what_the_account_owes()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 10));
        Is<EntryResult>(await t.ChargeAsync(id, 8));

        InvalidField(await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 5)), "overdraftLimit");
        Is<AccountResult>(await t.RunAsync(new EnsureAccount(id, OverdraftLimit: 8)));
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Freeze_refuses_spending_but_not_grants_and_unfreeze_restores_it()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(20);
        var seq = await t.SeqAsync(id);

        Is<AccountResult>(await t.RunAsync(new SetFrozen(id, true, "fraud check"))).Account.Frozen.ShouldBeTrue();
        (await t.SeqAsync(id)).ShouldBeGreaterThan(seq);
        Is<AccountFrozen>(await t.ChargeAsync(id, 1));
        Is<AccountFrozen>(await t.ReserveAsync(id, 1));
        Is<AccountFrozen>(await t.RunAsync(new Transfer(id, TestLedger.NewId(), new(1))));
        Is<EntryResult>(await t.GrantAsync(id, 5));
        (await t.TotalAsync(id)).ShouldBe(25);

        Is<AccountResult>(await t.RunAsync(new SetFrozen(id, false))).Account.Frozen.ShouldBeFalse();
        Is<EntryResult>(await t.ChargeAsync(id, 1));
        (await t.TotalAsync(id)).ShouldBe(24);
    }

    [Fact]
    public async Task Seq_takes_the_next_value_at_every_visible_change_whether_or_not_it_writes_an_entry()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(50);
        var seq = await t.SeqAsync(id);
        var steps = new Func<Task<LedgerOutcome>>[]
        {
            () => t.ChargeAsync(id, 1),
            () => t.ReserveAsync(id, 5),
            () => t.ChargeAsync(id, 2),
            () => t.RunAsync(new SetFrozen(id, true)),
            () => t.RunAsync(new SetFrozen(id, false)),
            () => t.ChargeAsync(id, 3),
            () => t.GrantAsync(id, 4),
        };

        foreach (var step in steps)
        {
            (await step()).ShouldBeAssignableTo<Success>();
            var next = await t.SeqAsync(id);
            next.ShouldBe(seq + 1);
            seq = next;
        }

        Is<AccountResult>(await t.RunAsync(new EnsureAccount(id, "pro"))).Account.Seq.ShouldBe(seq);
        Is<EntryResult>(await t.ChargeAsync(id, 1)).Entry.Seq.ShouldBe(seq + 1);
        var entries = await t.EntriesAsync(id);
        entries.Select(e => e.Seq).Distinct().Count().ShouldBe(entries.Count);
        (await t.SeqAsync(id)).ShouldBe(seq + 1);
        await t.ShouldHoldInvariantsAsync();
    }
}
