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
    public async Task Concurrent_charges_never_spend_the_same_credit_twice()
    {
        const int Tasks = 64;
        const int ChargesPerTask = 200;
        const int Affordable = 1000;
        var t = NewLedger();
        var id = await t.NewAccountAsync(Affordable);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => Task.Run(async () =>
        {
            var mine = new List<LedgerOutcome>(ChargesPerTask);
            for (var i = 0; i < ChargesPerTask; i++)
            {
                mine.Add(await t.ChargeAsync(id, 1));
            }

            return mine;
        })));

        var all = outcomes.SelectMany(o => o).ToList();
        all.Count(o => o is EntryResult).ShouldBe(Affordable);
        all.Count(o => o is InsufficientCredits).ShouldBe((Tasks * ChargesPerTask) - Affordable);
        (await t.TotalAsync(id)).ShouldBe(0);
        var entries = await t.EntriesAsync(id);
        entries.Select(e => e.Seq).Distinct().Count().ShouldBe(entries.Count);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Concurrent_reserves_captures_and_releases_keep_every_credit()
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(500);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            var captured = 0L;
            for (var i = 0; i < 25; i++)
            {
                if (await t.ReserveAsync(id, 3) is not HoldResult { Hold: var hold })
                {
                    continue;
                }

                if ((worker + i) % 3 == 0)
                {
                    Is<HoldResult>(await t.RunAsync(new Release(hold.Id)));
                }
                else
                {
                    var amount = 1 + ((worker + i) % 3);
                    Is<HoldResult>(await t.RunAsync(new Capture(hold.Id, amount)));
                    captured += amount;
                }
            }

            return captured;
        })));

        var balance = await t.BalanceAsync(id);
        balance.Held.Minor.ShouldBe(0);
        balance.Total.Minor.ShouldBe(500 - results.Sum());
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Transfers_in_both_directions_never_surface_a_deadlock()
    {
        var t = NewLedger();
        var a = await t.NewAccountAsync(1000);
        var b = await t.NewAccountAsync(1000);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            var mine = new List<LedgerOutcome>();
            for (var i = 0; i < 40; i++)
            {
                var (from, to) = (worker + i) % 2 == 0 ? (a, b) : (b, a);
                mine.Add(await t.RunAsync(new Transfer(from, to, new Credits(1 + (i % 5)))));
            }

            return mine;
        })));

        outcomes.SelectMany(o => o).ShouldAllBe(o => o is TransferResult || o is InsufficientCredits);
        ((await t.TotalAsync(a)) + (await t.TotalAsync(b))).ShouldBe(2000);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Concurrent_mixed_operations_on_many_accounts_keep_the_invariants()
    {
        var t = NewLedger(new LedgerOptions { InitialAmount = 50 });
        var accounts = Enumerable.Range(0, 8).Select(_ => TestLedger.NewId("mix")).ToArray();
        foreach (var account in accounts)
        {
            await t.RunAsync(new EnsureAccount(account));
        }


        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 60; i++)
            {
                var account = accounts[random.Next(accounts.Length)];
                LedgerCommand command = random.Next(6) switch
                {
                    0 => new Grant(account, new Credits(random.Next(1, 20))),
                    1 => new Transfer(account, accounts[random.Next(accounts.Length)], new Credits(random.Next(1, 10))),
                    2 => new Reserve(account, Price.Of(new Credits(random.Next(1, 10))), 1),
                    3 => new Adjust(account, new Credits(random.Next(-5, 5) | 1), "mix"),
                    _ => new Charge(account, Price.Of(new Credits(random.Next(1, 15)))),
                };
                var outcome = await t.RunAsync(command);
                if (outcome is HoldResult { Hold: var hold } && random.Next(2) == 0)
                {
                    await t.RunAsync(new Capture(hold.Id, 1));
                }
            }
        })));

        t.Clock.Advance(TimeSpan.FromSeconds(2));
        foreach (var account in accounts)
        {
            await t.RunAsync(new Sweep(account));
            (await t.BalanceAsync(account)).Held.Minor.ShouldBe(0);
        }

        await t.ShouldHoldInvariantsAsync();
    }
}
