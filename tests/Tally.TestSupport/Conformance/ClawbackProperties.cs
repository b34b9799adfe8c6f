using FsCheck;
using FsCheck.Fluent;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>
/// The simplest model of one account under grants, charges and clawbacks: what its lots hold and
/// what it owes. Credits in repay debt first; a charge spends only what the lots hold beyond the
/// debt (no overdraft); a clawback takes what the lots hold and, under the debt policy, owes the rest.
/// </summary>
internal sealed class ClawbackModel
{
    public long Lots { get; private set; }
    public long Debt { get; private set; }

    public long Balance => Lots - Debt;

    public void Credit(long amount)
    {
        var repaid = Math.Min(Debt, amount);
        Debt -= repaid;
        Lots += amount - repaid;
    }

    public bool Charge(long amount)
    {
        if (Lots - Debt < amount)
        {
            return false;
        }

        Lots -= amount;
        return true;
    }

    /// <summary>What the clawback recovers and how much of that becomes debt.</summary>
    public (long Recovered, long Owed) Clawback(long amount, ClawbackPolicy policy)
    {
        var taken = Math.Min(Lots, amount);
        Lots -= taken;
        var owed = policy == ClawbackPolicy.Debt ? amount - taken : 0;
        Debt += owed;
        return (taken + owed, owed);
    }
}

public abstract partial class LedgerStoreConformance<TFixture>
{
    private static readonly string[] ClawbackKinds = ["purchase", "grant", "charge", "charge", "clamp", "debt"];

    private static Gen<List<Step>> ClawbackScenarios() =>
        Gen.ListOf(
            from kind in Gen.Elements(ClawbackKinds)
            from payment in Gen.Choose(0, 3)
            from amount in Gen.Choose(1, 40)
            select new Step(kind, 0, payment, amount))
        .Select(steps => steps.ToList());

    [Fact]
    public void Random_grants_charges_and_clawbacks_keep_the_balance_equal_to_lots_less_debt()
    {
        var property = Prop.ForAll(Arb.From(ClawbackScenarios()), steps =>
            RunClawbackScenarioAsync(steps).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30).WithEndSize(40), property);
    }

    private async Task<bool> RunClawbackScenarioAsync(List<Step> steps)
    {
        var t = NewLedger();
        var id = await t.NewAccountAsync(prefix: "clawprop");
        var model = new ClawbackModel();
        foreach (var step in steps)
        {
            var amount = new Credits(step.Amount);
            var payment = $"pay_{step.Other}";
            var context = $"{step} after {string.Join(", ", steps.TakeWhile(s => !ReferenceEquals(s, step)))}";
            switch (step.Kind)
            {
                case "purchase" or "grant":
                    var source = step.Kind == "purchase" ? LotSource.Purchase : LotSource.Promo;
                    Is<EntryResult>(await t.RunAsync(new Grant(id, amount, Source: source, Reference: payment)));
                    model.Credit(step.Amount);
                    break;
                case "charge":
                    var charged = await t.RunAsync(new Charge(id, Price.Of(amount)));
                    (charged is EntryResult).ShouldBe(model.Charge(step.Amount), context);
                    break;
                default:
                    var policy = step.Kind == "debt" ? ClawbackPolicy.Debt : ClawbackPolicy.Clamp;
                    var result = Is<ClawbackResult>(await t.RunAsync(new Clawback(id, amount, LotReference: payment, Policy: policy)));
                    var (recovered, owed) = model.Clawback(step.Amount, policy);
                    (result.Recovered.Minor, result.Owed.Minor).ShouldBe((recovered, owed), context);
                    result.Recovered.ShouldBeLessThanOrEqualTo(amount);
                    (result.Recovered + result.Unrecovered).ShouldBe(amount);
                    (result.Entry is null).ShouldBe(recovered == 0, context);
                    break;
            }

            var row = (await t.Ledger.Store.ReadAccountAsync(id, CancellationToken.None)).ShouldNotBeNull();
            var debt = row.Balances.TryGetValue(UnitInfo.DefaultKey, out var balance) ? balance.Debt.Minor : 0;
            (row.Lots.Sum(l => l.Remaining.Minor), debt).ShouldBe((model.Lots, model.Debt), context);
            (await t.TotalAsync(id)).ShouldBe(model.Balance, context);
        }

        await t.ShouldHoldInvariantsAsync();
        return true;
    }
}
