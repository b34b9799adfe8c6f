using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Rules;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>Operations that spend credits: charges, transfers and clawbacks.</summary>
internal static class DebitOps
{
    public static LedgerOutcome Charge(CommandContext ctx, Charge cmd)
    {
        var invalid = Pricing.Resolve(ctx, cmd.Price, out var priced) ?? Refusals.First(
            Refusals.Account(cmd.Account),
            Refusals.Text(cmd.Description, "description"),
            Refusals.Text(cmd.Reference, "reference", Refusals.MaxReferenceLength),
            Refusals.Metadata(cmd.Metadata));
        if (invalid is not null)
        {
            return invalid;
        }

        AccountRow account;
        RuleOutcome? rules = null;
        if (!ctx.Rules.AppliesToCharges)
        {
            if (Accounts.ResolveToSpend(ctx, cmd.Account, priced!, out account) is { } refused)
            {
                return refused;
            }
        }
        else
        {
            if (Accounts.ResolveSwept(ctx, cmd.Account, out account) is { } refusal)
            {
                return refusal;
            }

            if (account.Frozen)
            {
                return new AccountFrozen(account.ExternalId);
            }

            rules = RuleOps.Evaluate(ctx, account, RuleOperation.Charge, priced!.Unit, priced.Amount, priced.Feature, priced.Quantity);
            if (rules.Refusal is { } reason)
            {
                return new Invalid("amount", reason);
            }

            priced = priced with { Amount = rules.Amount };
            if (Accounts.Funds(ctx, account, priced) is { } insufficient)
            {
                return insufficient;
            }

            RuleOps.Take(account, rules.Uses);
        }

        var unit = priced!.Unit;

        var entryId = ctx.NewId();
        if (priced.Amount.IsPositive)
        {
            Lots.Burn(ctx, account, unit.Key, priced.Feature, priced.Amount, entryId);
        }

        var entry = Journal.Append(ctx, account, entryId, EntryType.Charge, unit.Key, -priced.Amount, new EntryDetails
        {
            Feature = priced.Feature,
            Quantity = priced.Quantity,
            Description = cmd.Description,
            Reference = cmd.Reference,
            Metadata = cmd.Metadata,
            Rules = AppliedRules.Encode(rules?.Applied),
        });
        return Projections.EntryResult(ctx, account, entry);
    }

    public static LedgerOutcome Transfer(CommandContext ctx, Transfer cmd)
    {
        var unit = ctx.Units.Find(cmd.Unit);
        if (unit is null)
        {
            return Refusals.UnknownUnit(cmd.Unit);
        }

        var invalid = Refusals.First(
            Refusals.Account(cmd.From, "from"),
            Refusals.Account(cmd.To, "to"),
            cmd.From == cmd.To ? new Invalid("to", "must be a different account than from") : null,
            Refusals.Amount(ctx, unit, cmd.Amount),
            Refusals.Text(cmd.Description, "description"));
        if (invalid is not null)
        {
            return invalid;
        }

        var from = Accounts.ResolveForMutation(ctx, cmd.From);
        var to = Accounts.ResolveForMutation(ctx, cmd.To);
        if (from is null || to is null)
        {
            return new NotFound("account", from is null ? cmd.From : cmd.To);
        }

        Expiry.Sweep(ctx, from);
        Expiry.Sweep(ctx, to);
        if (from.Frozen)
        {
            return new AccountFrozen(from.ExternalId);
        }

        var spendable = BalanceMath.SpendableAmount(from, unit.Key, null, ctx.Now);
        if (spendable + unit.FromWhole(from.OverdraftLimit) < cmd.Amount)
        {
            return new InsufficientCredits(unit, spendable, cmd.Amount);
        }

        if (CreditOps.ExceedsMaxBalance(ctx, to, unit, cmd.Amount))
        {
            return new Invalid("amount", $"would take the receiving balance above the maximum of {ctx.Options.MaxBalance}");
        }

        var transferId = ctx.NewId();
        var debitId = ctx.NewId();
        var paid = Lots.Burn(ctx, from, unit.Key, null, cmd.Amount, debitId);
        var debit = Journal.Append(ctx, from, debitId, EntryType.TransferOut, unit.Key, -cmd.Amount, new EntryDetails
        {
            Description = cmd.Description,
            Reference = to.ExternalId,
            TransferId = transferId,
        });
        var creditId = ctx.NewId();
        var parts = paid.Select(p => (p.Amount, Lineage.Transferred(p.Lot, from.ExternalId))).ToList();
        if (Lineage.Overdraft(paid, cmd.Amount) is { IsPositive: true } overdraft)
        {
            parts.Add((overdraft, Lineage.Transferred(null, from.ExternalId)));
        }

        var lot = Lineage.Credit(ctx, to, unit.Key, parts, creditId);
        var credit = Journal.Append(ctx, to, creditId, EntryType.TransferIn, unit.Key, cmd.Amount, new EntryDetails
        {
            Description = cmd.Description,
            Reference = from.ExternalId,
            TransferId = transferId,
            LotId = lot?.Id,
        });
        return new TransferResult(Projections.Entry(ctx, debit), Projections.Entry(ctx, credit));
    }

    /// <summary>
    /// Takes back what a refunded or disputed payment granted (SPEC §6, clawback policy). Not the
    /// customer spending, so a frozen account is clawed back too and the overdraft limit does not
    /// apply: under the debt policy the lots' shortfall is owed whatever the limit.
    /// </summary>
    public static LedgerOutcome Clawback(CommandContext ctx, Clawback cmd)
    {
        var unit = ctx.Units.Find(cmd.Unit);
        if (unit is null)
        {
            return Refusals.UnknownUnit(cmd.Unit);
        }

        var invalid = Refusals.First(
            Refusals.Account(cmd.Account),
            Refusals.Amount(ctx, unit, cmd.Amount),
            Enum.IsDefined(cmd.Policy) ? null : new Invalid("policy", "must be clamp or debt"),
            Refusals.Text(cmd.LotReference, "lotReference", Refusals.MaxReferenceLength),
            Refusals.Text(cmd.Reason, "reason"),
            Refusals.Text(cmd.Reference, "reference", Refusals.MaxReferenceLength));
        if (invalid is not null)
        {
            return invalid;
        }

        if (Accounts.ResolveExistingSwept(ctx, cmd.Account, out var account) is { } notFound)
        {
            return notFound;
        }

        var entryId = ctx.NewId();
        var paid = Lots.BurnFrom(account, BalanceMath.Reclaimable(account, unit.Key, cmd.LotReference, ctx.Now), cmd.Amount, entryId);
        var shortfall = Lineage.Overdraft(paid, cmd.Amount);
        var taken = cmd.Amount - shortfall;
        var owed = cmd.Policy == ClawbackPolicy.Debt ? shortfall : Credits.Zero;
        var recovered = taken + owed;
        Invariant.Holds(recovered <= cmd.Amount, "a clawback recovers more than it was asked for");
        if (!recovered.IsPositive)
        {
            // Clamp on lots with nothing left: nothing happened, so nothing is journaled.
            return new ClawbackResult(null, Credits.Zero, cmd.Amount, BalanceMath.View(account, unit, ctx.Now));
        }

        if (owed.IsPositive)
        {
            Lots.Owe(account, unit.Key, owed);
        }

        string? freezeReason = null;
        if (owed.IsPositive && cmd.FreezeOnDebt && !account.Frozen)
        {
            freezeReason = cmd.Reason ?? Commands.Clawback.DebtFreezeReason;
            Accounts.Freeze(ctx, account, frozen: true);
        }

        var entry = Journal.Append(ctx, account, entryId, EntryType.Clawback, unit.Key, -recovered, new EntryDetails
        {
            Description = cmd.Reason,
            Reference = cmd.Reference,
        });
        return new ClawbackResult(Projections.Entry(ctx, entry), recovered, cmd.Amount - recovered, BalanceMath.View(account, unit, ctx.Now))
        {
            Owed = owed,
            FreezeReason = freezeReason,
        };
    }
}
