using FsCheck;
using FsCheck.Fluent;
using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>One step of a random scenario; account and hold numbers are resolved when it runs.</summary>
public sealed record Step(string Kind, int Account, int Other, long Amount)
{
    public override string ToString() => $"{Kind}(a{Account}, {Other}, {Amount})";
}

/// <summary>
/// The simplest model of the ledger that predicts every outcome: per account, what is spendable
/// and what is held; per hold, its amount and whether it is still active.
/// </summary>
internal sealed class LedgerModel(int accounts)
{
    public long[] Available { get; } = new long[accounts];
    public long[] Held { get; } = new long[accounts];
    public List<(int Account, long Amount, bool Active)> Holds { get; } = [];

    public string Predict(Step step)
    {
        var a = step.Account;
        switch (step.Kind)
        {
            case "grant":
                Available[a] += step.Amount;
                return "ok";
            case "charge" or "adjust-":
                return Spend(a, step.Amount) ? "ok" : "insufficient";
            case "adjust+":
                Available[a] += step.Amount;
                return "ok";
            case "reserve":
                if (!Spend(a, step.Amount))
                {
                    return "insufficient";
                }

                Held[a] += step.Amount;
                Holds.Add((a, step.Amount, true));
                return "ok";
            case "capture" or "release":
                return Finish(step);
            case "transfer":
                if (a == step.Other)
                {
                    return "invalid";
                }

                if (!Spend(a, step.Amount))
                {
                    return "insufficient";
                }

                Available[step.Other] += step.Amount;
                return "ok";
            default:
                throw new InvalidOperationException(step.Kind);
        }
    }

    private string Finish(Step step)
    {
        if (Holds.Count == 0)
        {
            return "skip";
        }

        var index = step.Other % Holds.Count;
        var (account, amount, active) = Holds[index];
        if (!active)
        {
            return "invalid_state";
        }

        if (step.Kind == "capture" && step.Amount > amount)
        {
            return "invalid";
        }

        Holds[index] = (account, amount, false);
        Held[account] -= amount;
        Available[account] += step.Kind == "capture" ? amount - step.Amount : amount;
        return "ok";
    }

    private bool Spend(int account, long amount)
    {
        if (Available[account] < amount)
        {
            return false;
        }

        Available[account] -= amount;
        return true;
    }
}

public abstract partial class LedgerStoreConformance<TFixture>
{
    private static readonly string[] Kinds = ["grant", "charge", "charge", "reserve", "capture", "release", "transfer", "adjust+", "adjust-"];

    private static Gen<List<Step>> Scenarios(int accounts) =>
        Gen.ListOf(
            from kind in Gen.Elements(Kinds)
            from account in Gen.Choose(0, accounts - 1)
            from other in Gen.Choose(0, 50)
            from amount in Gen.Choose(1, 40)
            select new Step(kind, account, kind == "transfer" ? other % accounts : other, amount))
        .Select(steps => steps.ToList());

    [Fact]
    public void Random_operation_sequences_match_a_simple_model_and_keep_the_invariants()
    {
        const int Accounts = 3;
        var property = Prop.ForAll(Arb.From(Scenarios(Accounts)), steps =>
            RunScenarioAsync(steps, Accounts).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40).WithEndSize(40), property);
    }

    private async Task<bool> RunScenarioAsync(List<Step> steps, int accountCount)
    {
        var t = NewLedger();
        var accounts = new string[accountCount];
        for (var i = 0; i < accountCount; i++)
        {
            accounts[i] = await t.NewAccountAsync(20, "prop");
        }

        var model = new LedgerModel(accountCount);
        for (var i = 0; i < accountCount; i++)
        {
            model.Predict(new Step("grant", i, 0, 20));
        }

        var holds = new List<Guid>();
        foreach (var step in steps)
        {
            var expected = model.Predict(step);
            if (expected == "skip")
            {
                continue;
            }

            var outcome = await t.RunAsync(ToCommand(step, accounts, holds));
            if (outcome is HoldResult { Hold: var hold } && step.Kind == "reserve")
            {
                holds.Add(hold.Id);
            }

            Kind(outcome).ShouldBe(expected, $"{step} after {string.Join(", ", steps.TakeWhile(s => !ReferenceEquals(s, step)))}");
            for (var i = 0; i < accountCount; i++)
            {
                var balance = await t.BalanceAsync(accounts[i]);
                (balance.Available.Minor, balance.Held.Minor).ShouldBe((model.Available[i], model.Held[i]), $"account {i} after {step}");
                balance.Total.Minor.ShouldBe(model.Available[i] + model.Held[i]);
            }
        }

        await t.ShouldHoldInvariantsAsync();
        return true;
    }

    private static LedgerCommand ToCommand(Step step, string[] accounts, List<Guid> holds)
    {
        var account = accounts[step.Account];
        var amount = new Credits(step.Amount);
        return step.Kind switch
        {
            "grant" => new Grant(account, amount),
            "charge" => new Charge(account, Price.Of(amount)),
            "adjust+" => new Adjust(account, amount, "property"),
            "adjust-" => new Adjust(account, -amount, "property"),
            "reserve" => new Reserve(account, Price.Of(amount)),
            "capture" => new Capture(holds[step.Other % holds.Count], step.Amount),
            "release" => new Release(holds[step.Other % holds.Count]),
            "transfer" => new Transfer(account, accounts[step.Other], amount),
            _ => throw new InvalidOperationException(step.Kind),
        };
    }

    private static string Kind(LedgerOutcome outcome) => outcome switch
    {
        InsufficientCredits => "insufficient",
        InvalidState => "invalid_state",
        Invalid => "invalid",
        { Succeeded: true } => "ok",
        _ => outcome.GetType().Name,
    };
}
