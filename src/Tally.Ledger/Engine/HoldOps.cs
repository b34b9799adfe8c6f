using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Holds take credits out of their lots when made (pins, in burn order; any rest is backed by
/// the overdraft), so a hold for a scoped feature reserves exactly the credits that feature may
/// spend. Capturing burns from the pins and puts the rest back; releasing puts everything back.
/// </summary>
internal static class HoldOps
{
    public static LedgerOutcome Reserve(CommandContext ctx, Reserve cmd)
    {
        var invalid = Pricing.Resolve(ctx, cmd.Price, out var priced) ?? Refusals.First(
            Refusals.Account(cmd.Account),
            Refusals.Field("ttlSeconds", FieldRules.TtlSeconds(cmd.TtlSeconds)),
            Refusals.Text(cmd.Description, "description"));
        if (invalid is not null)
        {
            return invalid;
        }

        if (Accounts.ResolveToSpend(ctx, cmd.Account, priced!, out var account) is { } refused)
        {
            return refused;
        }

        var unit = priced!.Unit;

        var holdId = ctx.NewId();
        var (pins, unbacked) = Lots.Pin(ctx, account, unit.Key, priced.Feature, priced.Amount, holdId);
        var hold = new HoldRow
        {
            Id = holdId,
            AccountId = account.Id,
            Unit = unit.Key,
            Amount = priced.Amount,
            Unbacked = unbacked,
            Status = HoldStatus.Active,
            Feature = priced.Feature,
            Description = cmd.Description,
            ExpiresAt = ctx.Now.AddSeconds(cmd.TtlSeconds),
            CreatedAt = ctx.Now,
            UpdatedAt = ctx.Now,
            Pins = pins,
            IsNew = true,
        };
        account.Holds.Add(hold);
        Journal.Touch(ctx, account);
        return new HoldResult(Projections.Hold(ctx, account, hold), null, BalanceMath.View(account, unit, ctx.Now));
    }

    public static LedgerOutcome Capture(CommandContext ctx, Capture cmd)
    {
        if (Find(ctx, cmd.HoldId, out var account, out var hold) is { } refused)
        {
            return refused;
        }

        var unit = ctx.Unit(hold.Unit);
        if (Refusals.Whole(ctx, unit, cmd.Amount, hold.Amount, out var amount) is { } invalid)
        {
            return invalid;
        }

        if (amount > hold.Amount)
        {
            return new Invalid("amount", $"must not exceed the held amount ({unit.ToDecimal(hold.Amount)})");
        }

        var entryId = ctx.NewId();
        var need = amount;
        foreach (var pin in hold.Pins)
        {
            var take = Credits.Min(pin.Amount, need);
            if (take.IsPositive)
            {
                account.NewBurns.Add(new BurnRow(entryId, pin.LotId, account.Id, take));
                need -= take;
            }

            if (pin.Amount - take is { IsPositive: true } rest)
            {
                Lots.Restore(account, pin.LotId, rest);
            }
        }

        if (need.IsPositive)
        {
            Invariant.Holds(need <= hold.Unbacked, "capture beyond the pinned and overdraft-backed parts of a hold");
            var balance = Journal.BalanceOf(account, unit.Key);
            balance.Debt += need;
            balance.IsDirty = true;
        }

        Finish(ctx, hold, HoldStatus.Captured, amount);
        var entry = Journal.Append(ctx, account, entryId, EntryType.Capture, unit.Key, -amount, new EntryDetails
        {
            Feature = hold.Feature,
            Description = hold.Description,
            HoldId = hold.Id,
        });
        Expiry.Sweep(ctx, account);
        return new HoldResult(Projections.Hold(ctx, account, hold), Projections.Entry(ctx, entry), BalanceMath.View(account, unit, ctx.Now));
    }

    public static LedgerOutcome Release(CommandContext ctx, Release cmd)
    {
        if (Find(ctx, cmd.HoldId, out var account, out var hold) is { } refused)
        {
            return refused;
        }

        foreach (var pin in hold.Pins)
        {
            Lots.Restore(account, pin.LotId, pin.Amount);
        }

        Finish(ctx, hold, HoldStatus.Released, Credits.Zero);
        Journal.Touch(ctx, account);
        Expiry.Sweep(ctx, account);
        return new HoldResult(Projections.Hold(ctx, account, hold), null, BalanceMath.View(account, ctx.Unit(hold.Unit), ctx.Now));
    }

    /// <summary>The hold, swept to now, if it can still be captured or released; else the refusal.</summary>
    private static LedgerOutcome? Find(CommandContext ctx, Guid holdId, out AccountRow account, out HoldRow hold)
    {
        account = null!;
        hold = null!;
        if (ctx.Snapshot.FindHold(holdId) is not { } found)
        {
            return new NotFound("hold", LedgerIds.Hold(holdId));
        }

        (account, hold) = found;
        Expiry.Sweep(ctx, account);
        return hold.Status == HoldStatus.Active
            ? null
            : new InvalidState($"the hold is {Names.Of(hold.Status)}");
    }

    private static void Finish(CommandContext ctx, HoldRow hold, HoldStatus status, Credits captured)
    {
        hold.Status = status;
        hold.Captured = captured;
        hold.UpdatedAt = ctx.Now;
        hold.IsDirty = true;
    }
}
