using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Rules;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>Operations that add credits: grants, reversals, positive adjustments.</summary>
internal static class CreditOps
{
    public static LedgerOutcome Grant(CommandContext ctx, Grant cmd)
    {
        var unit = ctx.Units.Find(cmd.Unit);
        if (unit is null)
        {
            return Refusals.UnknownUnit(cmd.Unit);
        }

        var invalid = Refusals.First(
            Refusals.Account(cmd.Account),
            Refusals.Amount(ctx, unit, cmd.Amount),
            Refusals.Field("priority", FieldRules.Priority(cmd.Priority)),
            cmd.ExpiresAt is { } expires && expires <= ctx.Now ? new Invalid("expiresAt", "must be in the future") : null,
            cmd.EffectiveAt is { } effective && effective > ctx.Now ? new Invalid("effectiveAt", "must not be in the future; grant scheduled credits when they take effect") : null,
            Refusals.Features(cmd.Features),
            Refusals.Text(cmd.Reference, "reference", Refusals.MaxReferenceLength),
            Refusals.Text(cmd.Description, "description"),
            Refusals.Metadata(cmd.Metadata));
        if (invalid is not null)
        {
            return invalid;
        }

        if (Accounts.ResolveSwept(ctx, cmd.Account, out var account) is { } notFound)
        {
            return notFound;
        }

        var amount = cmd.Amount;
        RuleOutcome? rules = null;
        if (ctx.Rules.AppliesToGrants)
        {
            rules = RuleOps.Evaluate(ctx, account, RuleOperation.Grant, unit, amount, source: cmd.Source);
            if (rules.Refusal is { } reason)
            {
                return new Invalid("amount", reason);
            }

            amount = rules.Amount;
            if (!amount.IsPositive)
            {
                return new Invalid("amount", $"the rules left nothing to grant ({string.Join(", ", rules.Applied.Select(r => r.Rule))})");
            }
        }

        if (ExceedsMaxBalance(ctx, account, unit, amount))
        {
            return new Invalid("amount", $"would take the balance above the maximum of {ctx.Options.MaxBalance}");
        }

        if (rules is not null)
        {
            RuleOps.Take(account, rules.Uses);
        }

        var entryId = ctx.NewId();
        var terms = new LotTerms(cmd.Source, cmd.Priority, cmd.ExpiresAt, cmd.Features, cmd.Reference, cmd.EffectiveAt, LotTerms.IsPaid(cmd.Source));
        var lot = Lots.Credit(ctx, account, unit.Key, amount, terms, entryId);
        var entry = Journal.Append(ctx, account, entryId, EntryType.Grant, unit.Key, amount, new EntryDetails
        {
            Rules = AppliedRules.Encode(rules?.Applied),
            Description = cmd.Description,
            Reference = cmd.Reference,
            Metadata = cmd.Metadata,
            LotId = lot?.Id,
        });
        return Projections.EntryResult(ctx, account, entry);
    }

    public static LedgerOutcome Reverse(CommandContext ctx, Reverse cmd)
    {
        if (Refusals.Text(cmd.Reason, "reason") is { } reasonInvalid)
        {
            return reasonInvalid;
        }

        if (!ctx.Snapshot.Entries.TryGetValue(cmd.EntryId, out var original))
        {
            return new NotFound("entry", LedgerIds.Entry(cmd.EntryId));
        }

        var charged = original.Entry;
        if (charged.Type is not (EntryType.Charge or EntryType.Capture))
        {
            return new InvalidState($"only charges and captures can be reversed, not a {Names.Of(charged.Type)}");
        }

        var account = ctx.Snapshot.FindAccount(charged.AccountId);
        Invariant.Holds(account is not null, "the account of an entry named for reversal was not locked");
        var unit = ctx.Unit(charged.Unit);
        var left = -charged.Amount - original.ReversedSoFar;
        if (!left.IsPositive)
        {
            return new InvalidState("the charge has been reversed in full already");
        }

        if (Refusals.Whole(ctx, unit, cmd.Amount, left, out var amount) is { } invalid)
        {
            return invalid;
        }

        if (amount > left)
        {
            return new InvalidState($"cannot reverse more than what is left of the charge ({unit.ToDecimal(left)})");
        }

        Expiry.Sweep(ctx, account);
        var entryId = ctx.NewId();
        var reference = LedgerIds.Entry(charged.Id);
        var parts = Lineage.Unwind(original, amount).Select(p => (p.Amount, Lineage.Returned(p.From, reference)));
        var lot = Lineage.Credit(ctx, account, unit.Key, parts, entryId);
        var entry = Journal.Append(ctx, account, entryId, EntryType.Reversal, unit.Key, amount, new EntryDetails
        {
            Feature = charged.Feature,
            Description = cmd.Reason,
            LotId = lot?.Id,
            HoldId = charged.HoldId,
            ReversesEntryId = charged.Id,
        });
        original.ReversedSoFar += amount;

        // Parts whose paying lot expired meanwhile came back expired: written off now, as breakage.
        Expiry.Sweep(ctx, account);
        return Projections.EntryResult(ctx, account, entry);
    }

    public static LedgerOutcome Adjust(CommandContext ctx, Adjust cmd)
    {
        var unit = ctx.Units.Find(cmd.Unit);
        if (unit is null)
        {
            return Refusals.UnknownUnit(cmd.Unit);
        }

        var invalid = Refusals.First(
            Refusals.Account(cmd.Account),
            string.IsNullOrWhiteSpace(cmd.Reason) ? new Invalid("reason", "is required for an adjustment") : null,
            Refusals.Text(cmd.Reason, "reason"),
            cmd.Amount.IsZero ? new Invalid("amount", FieldRules.MustNotBeZero) : null,
            cmd.Amount.IsZero ? null : Refusals.Amount(ctx, unit, cmd.Amount.IsNegative ? -cmd.Amount : cmd.Amount),
            cmd.Paid && cmd.Amount.IsNegative ? new Invalid("paid", "applies to credits added (a positive amount)") : null,
            cmd.FromLot is not null && cmd.Amount.IsPositive ? new Invalid("lotId", "applies to credits taken (a negative amount)") : null);
        if (invalid is not null)
        {
            return invalid;
        }

        if (Accounts.ResolveExistingSwept(ctx, cmd.Account, out var account) is { } notFound)
        {
            return notFound;
        }

        var entryId = ctx.NewId();
        var details = new EntryDetails { Description = cmd.Reason };
        if (cmd.Amount.IsPositive)
        {
            var lot = Lots.Credit(ctx, account, unit.Key, cmd.Amount, new LotTerms(LotSource.Admin, Paid: cmd.Paid), entryId);
            details = details with { LotId = lot?.Id };
        }
        else if (cmd.FromLot is { } lotId)
        {
            // Only what the lot has left and nobody holds: a lot is never taken below zero, and a
            // hold keeps what it pinned.
            var lot = account.Lots.FirstOrDefault(l => l.Id == lotId && l.Unit == unit.Key && l.Remaining.IsPositive && !l.IsExpiredAt(ctx.Now));
            if (lot is null)
            {
                return new Invalid("lotId", "is not a lot of this account in this unit with credits left");
            }

            if (lot.Remaining < -cmd.Amount)
            {
                return new InsufficientCredits(unit, lot.Remaining, -cmd.Amount);
            }

            Lots.BurnFrom(account, [lot], -cmd.Amount, entryId);
            details = details with { LotId = lot.Id };
        }
        else
        {
            var spendable = BalanceMath.SpendableAmount(account, unit.Key, null, ctx.Now);
            if (spendable + unit.FromWhole(account.OverdraftLimit) < -cmd.Amount)
            {
                return new InsufficientCredits(unit, spendable, -cmd.Amount);
            }

            Lots.Burn(ctx, account, unit.Key, null, -cmd.Amount, entryId);
        }

        var entry = Journal.Append(ctx, account, entryId, EntryType.Adjust, unit.Key, cmd.Amount, details);
        return Projections.EntryResult(ctx, account, entry);
    }

    public static bool ExceedsMaxBalance(CommandContext ctx, AccountRow account, UnitInfo unit, Credits amount)
    {
        var balance = account.Balances.TryGetValue(unit.Key, out var row) ? row.Balance : Credits.Zero;
        return balance + amount > unit.FromWhole(ctx.Options.MaxBalance);
    }
}
