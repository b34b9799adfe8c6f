using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>What a new lot looks like, apart from its amount.</summary>
internal sealed record LotTerms(
    LotSource Source,
    int Priority = Commands.Grant.DefaultPriority,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? Features = null,
    string? Reference = null,
    DateTimeOffset? EffectiveAt = null,
    bool Paid = false)
{
    /// <summary>Credits from a purchase or subscription are paid for; every other source grants them.</summary>
    public static bool IsPaid(LotSource source) => source is LotSource.Purchase or LotSource.Subscription;
}

/// <summary>Credits in and out of lots, with lineage.</summary>
internal static class Lots
{
    /// <summary>
    /// Credits coming in first repay the unit's debt (overdraft); the rest becomes a new lot.
    /// Returns the lot, or null when everything went to the debt. Credits that arrive already
    /// expired (a reversal of credits whose lot expired meanwhile) repay nothing: they become a lot
    /// that the next sweep writes off.
    /// </summary>
    public static LotRow? Credit(CommandContext ctx, AccountRow account, string unit, Credits amount, LotTerms terms, Guid entryId)
    {
        Invariant.Holds(amount.IsPositive, "credits in must be positive");
        var balance = Journal.BalanceOf(account, unit);
        var expired = terms.ExpiresAt is { } at && at <= ctx.Now;
        var repaid = expired ? Credits.Zero : Credits.Min(balance.Debt, amount);
        if (repaid.IsPositive)
        {
            balance.Debt -= repaid;
            balance.IsDirty = true;
        }

        var rest = amount - repaid;
        if (!rest.IsPositive)
        {
            return null;
        }

        var lot = new LotRow
        {
            Id = ctx.NewId(),
            AccountId = account.Id,
            Unit = unit,
            Source = terms.Source,
            Amount = rest,
            Remaining = rest,
            Priority = terms.Priority,
            EffectiveAt = terms.EffectiveAt ?? ctx.Now,
            ExpiresAt = terms.ExpiresAt,
            Features = terms.Features,
            Reference = terms.Reference,
            EntryId = entryId,
            CreatedAt = ctx.Now,
            Paid = terms.Paid,
            IsNew = true,
        };
        account.Lots.Add(lot);
        return lot;
    }

    /// <summary>
    /// Spends <paramref name="amount"/> from the lots this feature may use, in burn order, recording
    /// which lot paid what; whatever the lots cannot cover becomes debt. The caller has checked
    /// that the overdraft allows it. Returns what each lot paid, in burn order.
    /// </summary>
    public static List<PaidBy> Burn(CommandContext ctx, AccountRow account, string unit, string? feature, Credits amount, Guid entryId)
    {
        var paid = BurnFrom(account, BalanceMath.Spendable(account, unit, feature, ctx.Now), amount, entryId);
        var need = Lineage.Overdraft(paid, amount);
        if (need.IsPositive)
        {
            Owe(account, unit, need);
        }

        return paid;
    }

    /// <summary>
    /// Spends up to <paramref name="amount"/> from <paramref name="lots"/> in the order given,
    /// recording which lot paid what (burns); the caller decides what happens to the rest.
    /// </summary>
    public static List<PaidBy> BurnFrom(AccountRow account, IEnumerable<LotRow> lots, Credits amount, Guid entryId)
    {
        var paid = new List<PaidBy>();
        var need = amount;
        foreach (var lot in lots)
        {
            if (!need.IsPositive)
            {
                break;
            }

            var take = Credits.Min(lot.Remaining, need);
            Take(lot, take);
            account.NewBurns.Add(new BurnRow(entryId, lot.Id, account.Id, take));
            paid.Add(new PaidBy(lot, take));
            need -= take;
        }

        return paid;
    }

    /// <summary>Adds to the unit's debt: credits spent beyond the lots, repaid first by the next credits in.</summary>
    public static void Owe(AccountRow account, string unit, Credits amount)
    {
        Invariant.Holds(amount.IsPositive, "debt grows by a positive amount");
        var balance = Journal.BalanceOf(account, unit);
        balance.Debt += amount;
        balance.IsDirty = true;
    }

    /// <summary>Pins credits for a hold from the lots it may use; returns the pins and the unbacked rest.</summary>
    public static (List<PinRow> Pins, Credits Unbacked) Pin(CommandContext ctx, AccountRow account, string unit, string? feature, Credits amount, Guid holdId)
    {
        var pins = new List<PinRow>();
        var need = amount;
        foreach (var lot in BalanceMath.Spendable(account, unit, feature, ctx.Now))
        {
            if (!need.IsPositive)
            {
                break;
            }

            var take = Credits.Min(lot.Remaining, need);
            Take(lot, take);
            pins.Add(new PinRow(holdId, lot.Id, take));
            need -= take;
        }

        return (pins, need);
    }

    /// <summary>Puts pinned credits back into their lot (a released, expired or partly captured hold).</summary>
    public static void Restore(AccountRow account, Guid lotId, Credits amount)
    {
        var lot = account.Lots.Find(l => l.Id == lotId);
        Invariant.Holds(lot is not null, "a hold pins a lot that was not loaded");
        lot.Remaining += amount;
        lot.IsDirty = true;
        Invariant.Holds(lot.Remaining <= lot.Amount, "lot remaining above its amount after a restore");
    }

    private static void Take(LotRow lot, Credits take)
    {
        Invariant.Holds(take.IsPositive, "a lot is taken from by a positive amount");
        lot.Remaining -= take;
        lot.IsDirty = true;
        Invariant.Holds(!lot.Remaining.IsNegative, "lot remaining below zero");
    }
}
