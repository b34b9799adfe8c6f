using Shouldly;
using Tally.Cli.Import;
using Tally.Ledger.Model;
using Xunit;

namespace Tally.Cli.Tests.Import;

/// <summary>How a seed user's balance is split into lots by what its unspent credits were.</summary>
public sealed class OpeningBalanceTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static SeedData Seed(long? balance, params (long Amount, string Type)[] history)
    {
        var data = new SeedData();
        if (balance is { } b)
        {
            data.Balances["u"] = new SeedBalance("row1", "u", b, Now, 1);
        }

        data.Transactions["u"] = [.. history.Select((t, i) => new SeedTransaction($"t{i}", "u", t.Amount, t.Type, null, null, Now.AddDays(-100 + i), i))];
        return data;
    }

    [Fact]
    public void Spending_burns_the_oldest_credits_first_and_what_is_left_keeps_its_nature()
    {
        var data = Seed(30, (100, "purchase"), (50, "bonus"), (-120, "deduction"));

        var opening = OpeningBalance.Plan(data, "u", Now);

        opening.Lots.Select(l => (l.Source, l.Amount)).ShouldBe([(LotSource.Promo, 30L)]);
        data.Problems.ShouldBeEmpty();
    }

    [Fact]
    public void A_balance_above_the_history_adds_unexplained_credits_and_one_below_cuts_the_oldest()
    {
        var above = Seed(80, (50, "purchase"));
        var below = Seed(60, (50, "purchase"), (50, "bonus"));

        OpeningBalance.Plan(above, "u", Now).Lots.Select(l => (l.Source, l.Amount)).ShouldBe([(LotSource.Purchase, 50L), (LotSource.Import, 30L)]);
        OpeningBalance.Plan(below, "u", Now).Lots.Select(l => (l.Source, l.Amount)).ShouldBe([(LotSource.Purchase, 10L), (LotSource.Promo, 50L)]);
        above.Problems.Single().Kind.ShouldBe(ProblemKinds.BalanceMismatch);
        below.Problems.Single().Kind.ShouldBe(ProblemKinds.BalanceMismatch);
    }

    [Fact]
    public void A_negative_balance_becomes_debt_and_no_balance_row_trusts_the_transactions()
    {
        var negative = Seed(-25, (10, "purchase"), (-35, "deduction"));
        var orphan = Seed(null, (10, "purchase"), (-4, "deduction"));

        var debt = OpeningBalance.Plan(negative, "u", Now);
        var fromHistory = OpeningBalance.Plan(orphan, "u", Now);

        debt.Debt.ShouldBe(25);
        debt.Lots.ShouldBeEmpty();
        negative.Problems.Single().Kind.ShouldBe(ProblemKinds.NegativeBalance);
        fromHistory.Balance.ShouldBe(6);
        fromHistory.Lots.Single().Amount.ShouldBe(6);
        orphan.Problems.Single().Kind.ShouldBe(ProblemKinds.NoBalanceRow);
    }

    [Fact]
    public void This_periods_unused_subscription_allocation_expires_at_period_end()
    {
        var data = Seed(300, (100, "purchase"), (200, "subscription"));
        var end = Now.AddDays(10);
        data.Subscriptions["u"] = [new SeedSubscription("s1", "u", "pro", "active", 200, 50, end)];

        var lots = OpeningBalance.Plan(data, "u", Now).Lots;

        lots.ShouldContain(l => l.Source == LotSource.Subscription && l.Amount == 150 && l.ExpiresAt == end);
        lots.ShouldContain(l => l.Source == LotSource.Subscription && l.Amount == 50 && l.ExpiresAt == null);
        lots.ShouldContain(l => l.Source == LotSource.Purchase && l.Amount == 100);
    }
}
