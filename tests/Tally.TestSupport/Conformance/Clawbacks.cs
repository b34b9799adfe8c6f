using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>Clawbacks (SPEC §6): taking back what a refunded or disputed payment granted.</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private static Task<LedgerOutcome> PurchaseAsync(TestLedger t, string account, long amount, string payment, DateTimeOffset? expiresAt = null) =>
        t.RunAsync(new Grant(account, new Credits(amount), Source: LotSource.Purchase, ExpiresAt: expiresAt, Reference: payment));

    private static async Task<ClawbackResult> ClawbackAsync(TestLedger t, Clawback command) =>
        Is<ClawbackResult>(await t.RunAsync(command));

    private static async Task<AccountRow> RowAsync(TestLedger t, string account) =>
        (await t.Ledger.Store.ReadAccountAsync(account, CancellationToken.None)).ShouldNotBeNull();

    /// <summary>What is left of a lot; a store loads only lots with credits left, so a missing lot has none.</summary>
    private static async Task<long> RemainingAsync(TestLedger t, string account, Guid lot) =>
        (await RowAsync(t, account)).Lots.SingleOrDefault(l => l.Id == lot)?.Remaining.Minor ?? 0;

    [Fact]
    public async Task A_clawback_of_an_untouched_payment_takes_exactly_its_lot()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(50);
        var refunded = Is<EntryResult>(await PurchaseAsync(t, id, 30, "pay_refunded")).Entry.LotId!.Value;
        var other = Is<EntryResult>(await PurchaseAsync(t, id, 20, "pay_other")).Entry.LotId!.Value;

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(30), LotReference: "pay_refunded", Reason: "refund.succeeded", Reference: "rfd_1"));

        result.Recovered.Minor.ShouldBe(30);
        result.Unrecovered.Minor.ShouldBe(0);
        result.Owed.Minor.ShouldBe(0);
        result.FreezeReason.ShouldBeNull();
        var entry = result.Entry.ShouldNotBeNull();
        entry.Type.ShouldBe(EntryType.Clawback);
        entry.Amount.Minor.ShouldBe(-30);
        entry.BalanceAfter.Minor.ShouldBe(70);
        entry.Description.ShouldBe("refund.succeeded");
        entry.Reference.ShouldBe("rfd_1");
        result.Balance.Total.Minor.ShouldBe(70);
        (await RemainingAsync(t, id, refunded)).ShouldBe(0);
        (await RemainingAsync(t, id, other)).ShouldBe(20);
        (await t.EntriesAsync(id))[0].ShouldBe(entry);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_clawback_of_a_partly_spent_payment_takes_its_lot_then_other_paid_lots_then_granted_ones_scoped_included()
    {
        var t = NewLedger();
        var feature = await t.NewFeatureAsync(1);
        var id = await t.NewAccountAsync(8); // granted, spent first by the charge below
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var refunded = Is<EntryResult>(await PurchaseAsync(t, id, 20, "pay_refunded")).Entry.LotId!.Value;
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var paid = Is<EntryResult>(await PurchaseAsync(t, id, 5, "pay_other")).Entry.LotId!.Value;
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        var promo = Is<EntryResult>(await t.GrantAsync(id, 10, expiresAt: t.Clock.GetUtcNow().AddDays(1), features: [feature.Key])).Entry.LotId!.Value;
        var plain = Is<EntryResult>(await t.GrantAsync(id, 3)).Entry.LotId!.Value;
        Is<EntryResult>(await t.ChargeAsync(id, 12)); // 8 from the first grant, 4 from the refunded payment

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(30), LotReference: "pay_refunded"));

        // 16 left of the payment, then 5 of the other paid lot, then 9 granted: the scoped promo
        // burns before the plain grant (it expires sooner), and a clawback takes scoped credits too.
        result.Recovered.Minor.ShouldBe(30);
        result.Unrecovered.Minor.ShouldBe(0);
        result.Entry.ShouldNotBeNull().Amount.Minor.ShouldBe(-30);
        (await RemainingAsync(t, id, refunded)).ShouldBe(0);
        (await RemainingAsync(t, id, paid)).ShouldBe(0);
        (await RemainingAsync(t, id, promo)).ShouldBe(1);
        (await RemainingAsync(t, id, plain)).ShouldBe(3);
        result.Balance.Total.Minor.ShouldBe(4);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Without_a_lot_reference_paid_credits_are_taken_before_granted_ones()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(10);
        var bought = Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1")).Entry.LotId!.Value;

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(12)));

        result.Recovered.Minor.ShouldBe(12);
        (await RemainingAsync(t, id, bought)).ShouldBe(0);
        (await t.TotalAsync(id)).ShouldBe(8);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Clamping_a_spent_payment_takes_what_is_left_and_reports_the_rest_as_unrecovered()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 20, "pay_1"));
        Is<EntryResult>(await t.ChargeAsync(id, 15));

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(20), LotReference: "pay_1"));

        result.Recovered.Minor.ShouldBe(5);
        result.Unrecovered.Minor.ShouldBe(15);
        result.Owed.Minor.ShouldBe(0);
        result.Entry.ShouldNotBeNull().Amount.Minor.ShouldBe(-5);
        result.Balance.Total.Minor.ShouldBe(0);
        (await t.TotalAsync(id)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Clamping_a_fully_spent_or_empty_account_writes_nothing_and_reports_it_all_unrecovered()
    {
        var t = NewLedger();
        var spent = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, spent, 20, "pay_1"));
        Is<EntryResult>(await t.ChargeAsync(spent, 20));
        var empty = await t.NewAccountAsync();
        var seqs = (await t.SeqAsync(spent), await t.SeqAsync(empty));
        var entries = ((await t.EntriesAsync(spent)).Count, (await t.EntriesAsync(empty)).Count);

        var fromSpent = await ClawbackAsync(t, new Clawback(spent, new Credits(20), LotReference: "pay_1"));
        var fromEmpty = await ClawbackAsync(t, new Clawback(empty, new Credits(7)));

        foreach (var (result, asked) in new[] { (fromSpent, 20L), (fromEmpty, 7L) })
        {
            result.Entry.ShouldBeNull();
            result.Recovered.Minor.ShouldBe(0);
            result.Unrecovered.Minor.ShouldBe(asked);
            result.Balance.Total.Minor.ShouldBe(0);
        }

        (await t.SeqAsync(spent), await t.SeqAsync(empty)).ShouldBe(seqs);
        ((await t.EntriesAsync(spent)).Count, (await t.EntriesAsync(empty)).Count).ShouldBe(entries);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Under_the_debt_policy_what_the_lots_cannot_cover_is_owed_and_the_balance_goes_negative()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 20, "pay_1"));
        Is<EntryResult>(await t.ChargeAsync(id, 15));

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(20), LotReference: "pay_1", Policy: ClawbackPolicy.Debt));

        result.Recovered.Minor.ShouldBe(20);
        result.Unrecovered.Minor.ShouldBe(0);
        result.Owed.Minor.ShouldBe(15);
        result.FreezeReason.ShouldBeNull();
        var entry = result.Entry.ShouldNotBeNull();
        entry.Amount.Minor.ShouldBe(-20);
        entry.BalanceAfter.Minor.ShouldBe(-15);
        result.Balance.Total.Minor.ShouldBe(-15);
        result.Balance.Available.Minor.ShouldBe(-15);
        var journal = await t.EntriesAsync(id);
        journal.Sum(e => e.Amount.Minor).ShouldBe(-15);
        journal[0].BalanceAfter.Minor.ShouldBe(-15);
        (await RowAsync(t, id)).Balances[UnitInfo.DefaultKey].Debt.Minor.ShouldBe(15);
        (await t.Ledger.GetAccountAsync(id)).ShouldNotBeNull().Frozen.ShouldBeFalse();
        Is<InsufficientCredits>(await t.ChargeAsync(id, 1)).Available.Minor.ShouldBe(-15);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Debt_with_freeze_on_debt_freezes_the_account_and_later_grants_repay_the_debt_first()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1"));
        Is<EntryResult>(await t.ChargeAsync(id, 10));
        var seq = await t.SeqAsync(id);

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(10), LotReference: "pay_1", Policy: ClawbackPolicy.Debt, FreezeOnDebt: true));

        result.Owed.Minor.ShouldBe(10);
        result.FreezeReason.ShouldBe(Clawback.DebtFreezeReason);
        result.FreezeReason.ShouldBe("debt after clawback");
        var account = (await t.Ledger.GetAccountAsync(id)).ShouldNotBeNull();
        account.Frozen.ShouldBeTrue();
        account.Seq.ShouldBeGreaterThan(seq);
        Is<AccountFrozen>(await t.ChargeAsync(id, 1));

        var grant = Is<EntryResult>(await t.GrantAsync(id, 25));
        grant.Balance.Total.Minor.ShouldBe(15);
        (await RemainingAsync(t, id, grant.Entry.LotId!.Value)).ShouldBe(15); // 10 of the 25 repaid the debt
        (await RowAsync(t, id)).Balances[UnitInfo.DefaultKey].Debt.Minor.ShouldBe(0);
        Is<AccountResult>(await t.RunAsync(new SetFrozen(id, false)));
        Is<EntryResult>(await t.ChargeAsync(id, 15)).Balance.Total.Minor.ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Freeze_on_debt_names_the_reason_given_and_freezes_only_when_debt_was_made()
    {
        var t = NewLedger();
        var owing = await t.NewAccountAsync();
        var covered = await t.NewAccountAsync(10);

        var frozen = await ClawbackAsync(t, new Clawback(owing, new Credits(4), Policy: ClawbackPolicy.Debt, FreezeOnDebt: true, Reason: "dispute lost"));
        var notFrozen = await ClawbackAsync(t, new Clawback(covered, new Credits(4), Policy: ClawbackPolicy.Debt, FreezeOnDebt: true));

        frozen.FreezeReason.ShouldBe("dispute lost");
        frozen.Entry.ShouldNotBeNull().Description.ShouldBe("dispute lost");
        (await t.Ledger.GetAccountAsync(owing)).ShouldNotBeNull().Frozen.ShouldBeTrue();
        notFrozen.Owed.Minor.ShouldBe(0);
        notFrozen.FreezeReason.ShouldBeNull();
        (await t.Ledger.GetAccountAsync(covered)).ShouldNotBeNull().Frozen.ShouldBeFalse();
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_frozen_account_is_still_clawed_back()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1"));
        Is<AccountResult>(await t.RunAsync(new SetFrozen(id, true, "fraud review")));

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(10), LotReference: "pay_1"));

        result.Recovered.Minor.ShouldBe(10);
        result.Balance.Total.Minor.ShouldBe(0);
        (await t.Ledger.GetAccountAsync(id)).ShouldNotBeNull().Frozen.ShouldBeTrue();
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Credits_held_by_an_active_hold_are_not_clawed_back()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1"));
        var hold = Is<HoldResult>(await t.ReserveAsync(id, 6)).Hold;

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(10), LotReference: "pay_1"));

        result.Recovered.Minor.ShouldBe(4);
        result.Unrecovered.Minor.ShouldBe(6);
        result.Balance.Held.Minor.ShouldBe(6);
        result.Balance.Total.Minor.ShouldBe(6);
        var capture = Is<HoldResult>(await t.RunAsync(new Capture(hold.Id)));
        capture.Hold.Status.ShouldBe(HoldStatus.Captured);
        capture.Balance.Total.Minor.ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Expired_lots_are_not_clawed_back()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        var expiring = Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1", t.Clock.GetUtcNow().AddHours(1))).Entry.LotId!.Value;
        Is<EntryResult>(await t.GrantAsync(id, 5));
        t.Clock.Advance(TimeSpan.FromHours(2));

        var result = await ClawbackAsync(t, new Clawback(id, new Credits(10), LotReference: "pay_1"));

        result.Recovered.Minor.ShouldBe(5);
        result.Unrecovered.Minor.ShouldBe(5);
        result.Balance.Total.Minor.ShouldBe(0);
        var journal = await t.EntriesAsync(id);
        journal[0].Type.ShouldBe(EntryType.Clawback);
        journal[1].Type.ShouldBe(EntryType.Expire); // swept first: the expired remainder is breakage, not clawed back
        journal[1].Amount.Minor.ShouldBe(-10);
        (await RemainingAsync(t, id, expiring)).ShouldBe(0);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_keyed_clawback_replays_its_first_outcome_without_taking_again()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 10, "pay_1"));
        Is<EntryResult>(await t.ChargeAsync(id, 4));
        var key = Guid.NewGuid().ToString();
        var clawback = new Clawback(id, new Credits(10), LotReference: "pay_1", Policy: ClawbackPolicy.Debt, FreezeOnDebt: true, Reference: "rfd_1");

        var first = await t.Ledger.ExecuteAsync(Keyed(clawback, key));
        var second = await t.Ledger.ExecuteAsync(Keyed(clawback, key));

        first.Replayed.ShouldBeFalse();
        second.Replayed.ShouldBeTrue();
        var original = first.Single.ShouldBeOfType<ClawbackResult>();
        original.Owed.Minor.ShouldBe(4);
        original.FreezeReason.ShouldBe(Clawback.DebtFreezeReason);
        second.Single.ShouldBeOfType<ClawbackResult>().ShouldBe(original, "a replay returns the stored outcome");
        (await t.TotalAsync(id)).ShouldBe(-4);
        (await t.EntriesAsync(id)).Count(e => e.Type == EntryType.Clawback).ShouldBe(1);
        (await t.Ledger.ExecuteAsync(Keyed(clawback with { Amount = new Credits(9) }, key))).Single.ShouldBeOfType<IdempotencyConflict>();
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task A_clawback_of_an_unknown_account_is_not_found_and_creates_nothing()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 0, AutoCreateAccounts = true });
        var id = TestLedger.NewId("ghost");

        Is<NotFound>(await t.RunAsync(new Clawback(id, new Credits(5), Policy: ClawbackPolicy.Debt))).ShouldSatisfyAllConditions(
            n => n.What.ShouldBe("account"),
            n => n.Id.ShouldBe(id));

        (await t.Ledger.GetAccountAsync(id)).ShouldBeNull();
    }

    [Fact]
    public async Task Invalid_clawbacks_are_refused_with_the_field_and_write_nothing()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(25);
        var seq = await t.SeqAsync(id);

        InvalidField(await t.RunAsync(new Clawback(id, new Credits(0))), "amount");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(-5), Policy: ClawbackPolicy.Debt)), "amount");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(1_000_001))), "amount");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(5), Unit: "no-such-unit")), "unit");
        InvalidField(await t.RunAsync(new Clawback("has space", new Credits(5))), "account");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(5), Policy: (ClawbackPolicy)7)), "policy");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(5), Reason: new string('r', 10_000))), "reason");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(5), Reference: new string('r', 10_000))), "reference");
        InvalidField(await t.RunAsync(new Clawback(id, new Credits(5), LotReference: new string('r', 10_000))), "lotReference");

        (await t.SeqAsync(id)).ShouldBe(seq);
        (await t.TotalAsync(id)).ShouldBe(25);
    }

    [Fact]
    public async Task Concurrent_charges_and_clawbacks_keep_every_credit_accounted_for()
    {
        const int Workers = 16;
        const int StepsPerWorker = 40;
        var t = NewLedger();
        var accounts = new string[4];
        var granted = new long[accounts.Length];
        for (var i = 0; i < accounts.Length; i++)
        {
            accounts[i] = await t.NewAccountAsync(50, "claw");
            for (var p = 0; p < 3; p++)
            {
                Is<EntryResult>(await PurchaseAsync(t, accounts[i], 40, $"pay_{i}_{p}"));
            }

            granted[i] = 50 + (3 * 40);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            var mine = new List<(int Account, LedgerCommand Command, LedgerOutcome Outcome)>(StepsPerWorker);
            for (var i = 0; i < StepsPerWorker; i++)
            {
                var a = random.Next(accounts.Length);
                LedgerCommand command = random.Next(3) == 0
                    ? new Clawback(accounts[a], new Credits(random.Next(1, 30)), LotReference: $"pay_{a}_{random.Next(3)}",
                        Policy: random.Next(2) == 0 ? ClawbackPolicy.Clamp : ClawbackPolicy.Debt, FreezeOnDebt: random.Next(4) == 0)
                    : new Charge(accounts[a], Price.Of(new Credits(random.Next(1, 10))));
                mine.Add((a, command, await t.RunAsync(command)));
            }

            return mine;
        })));

        var all = results.SelectMany(r => r).ToList();
        var clawbacks = all.Where(r => r.Command is Clawback).ToList();
        clawbacks.ShouldNotBeEmpty();
        foreach (var (_, command, outcome) in clawbacks)
        {
            var asked = ((Clawback)command).Amount;
            var result = outcome.ShouldBeOfType<ClawbackResult>();
            (result.Recovered + result.Unrecovered).ShouldBe(asked);
            result.Recovered.ShouldBeLessThanOrEqualTo(asked);
            result.Owed.ShouldBeLessThanOrEqualTo(result.Recovered);
            if (((Clawback)command).Policy == ClawbackPolicy.Debt)
            {
                result.Unrecovered.ShouldBe(Credits.Zero);
            }
            else
            {
                result.Owed.ShouldBe(Credits.Zero);
            }

            if (result.Recovered.IsPositive)
            {
                result.Entry.ShouldNotBeNull().Amount.ShouldBe(-result.Recovered);
            }
            else
            {
                result.Entry.ShouldBeNull();
            }
        }

        all.Where(r => r.Command is Charge).ShouldAllBe(r => r.Outcome is EntryResult || r.Outcome is InsufficientCredits || r.Outcome is AccountFrozen);
        for (var i = 0; i < accounts.Length; i++)
        {
            var charged = all.Where(r => r.Account == i && r.Outcome is EntryResult).Sum(r => -((EntryResult)r.Outcome).Entry.Amount.Minor);
            var clawed = all.Where(r => r.Account == i && r.Outcome is ClawbackResult).Sum(r => ((ClawbackResult)r.Outcome).Recovered.Minor);
            var total = await t.TotalAsync(accounts[i]);
            total.ShouldBe(granted[i] - charged - clawed);
            (await t.EntriesAsync(accounts[i])).Sum(e => e.Amount.Minor).ShouldBe(total);
            var row = await RowAsync(t, accounts[i]);
            (row.Lots.Sum(l => l.Remaining.Minor) - row.Balances[UnitInfo.DefaultKey].Debt.Minor).ShouldBe(total);
        }

        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Verify_allows_the_debt_a_clawback_created_past_the_overdraft_limit_and_not_a_credit_more()
    {
        await using var store = await Fixture.CreateIsolatedStoreAsync();
        await store.MigrateAsync(CancellationToken.None);
        var t = new TestLedger(store);
        var id = await t.NewAccountAsync();
        Is<EntryResult>(await PurchaseAsync(t, id, 5, "pay_1"));
        Is<ClawbackResult>(await t.RunAsync(new Clawback(id, new Credits(15), LotReference: "pay_1", Policy: ClawbackPolicy.Debt)));
        await t.ShouldHoldInvariantsAsync();

        await Fixture.ExecuteRawAsync(store, $"UPDATE balances SET debt = debt + 1 WHERE account_id = (SELECT id FROM accounts WHERE external_id = '{id}')");
        var report = await t.Ledger.VerifyAsync();

        report.Violations.ShouldContain(v => v.Check == "overdraft" && v.Account == id && v.Expected == 10 && v.Actual == 11);
    }
}
