using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>Finding, creating and configuring accounts.</summary>
internal static class Accounts
{
    /// <summary>
    /// The locked account, or a new one when <paramref name="create"/> allows: a new account gets
    /// the signup grant here, in the transaction that inserts it, so it is given exactly once.
    /// </summary>
    public static AccountRow? Resolve(CommandContext ctx, string externalId, bool create, out bool created)
    {
        created = false;
        if (ctx.Snapshot.Accounts.TryGetValue(externalId, out var account))
        {
            return account;
        }

        if (!create)
        {
            return null;
        }

        account = new AccountRow
        {
            Id = ctx.NewId(),
            ExternalId = externalId,
            CreatedAt = ctx.Now,
            UpdatedAt = ctx.Now,
            IsNew = true,
        };
        ctx.Snapshot.Add(account);
        created = true;
        var unit = ctx.Unit(Amounts.UnitInfo.DefaultKey);
        if (ctx.Options.InitialAmount > 0)
        {
            var amount = unit.FromWhole(ctx.Options.InitialAmount);
            var entryId = ctx.NewId();
            var lot = Lots.Credit(ctx, account, unit.Key, amount, new LotTerms(LotSource.Signup), entryId);
            Journal.Append(ctx, account, entryId, EntryType.Grant, unit.Key, amount, new EntryDetails
            {
                Description = "signup grant",
                LotId = lot?.Id,
            });
        }

        return account;
    }

    public static AccountRow? ResolveForMutation(CommandContext ctx, string externalId) =>
        Resolve(ctx, externalId, ctx.Options.AutoCreateAccounts, out _);

    /// <summary>
    /// The account a mutation writes to (created when allowed), with what expired written off;
    /// or the refusal (not found).
    /// </summary>
    public static LedgerOutcome? ResolveSwept(CommandContext ctx, string externalId, out AccountRow account) =>
        Swept(ctx, externalId, ResolveForMutation(ctx, externalId), out account);

    /// <summary>An account that must exist already (never created), brought up to now; or not found.</summary>
    public static LedgerOutcome? ResolveExistingSwept(CommandContext ctx, string externalId, out AccountRow account) =>
        Swept(ctx, externalId, Resolve(ctx, externalId, create: false, out _), out account);

    private static NotFound? Swept(CommandContext ctx, string externalId, AccountRow? found, out AccountRow account)
    {
        account = found!;
        if (found is null)
        {
            return new NotFound("account", externalId);
        }

        Expiry.Sweep(ctx, found);
        return null;
    }

    /// <summary>
    /// The account a debit spends from, when it may pay <paramref name="priced"/> now (overdraft
    /// included); or the refusal: not found, frozen, or insufficient credits.
    /// </summary>
    public static LedgerOutcome? ResolveToSpend(CommandContext ctx, string externalId, Pricing.Priced priced, out AccountRow account)
    {
        if (ResolveSwept(ctx, externalId, out account) is { } refusal)
        {
            return refusal;
        }

        if (account.Frozen)
        {
            return new AccountFrozen(account.ExternalId);
        }

        return Funds(ctx, account, priced);
    }

    /// <summary>Refuses a charge of <paramref name="priced"/> the account cannot pay (lots for its feature plus the overdraft limit).</summary>
    public static LedgerOutcome? Funds(CommandContext ctx, AccountRow account, Pricing.Priced priced)
    {
        var unit = priced.Unit;
        var spendable = BalanceMath.SpendableAmount(account, unit.Key, priced.Feature, ctx.Now);
        return spendable + unit.FromWhole(account.OverdraftLimit) < priced.Amount
            ? new InsufficientCredits(unit, spendable, priced.Amount)
            : null;
    }

    public static AccountView View(CommandContext ctx, AccountRow account) => new(
        account.ExternalId,
        account.Tier,
        account.Frozen,
        account.OverdraftLimit,
        account.LowBalanceThreshold,
        account.Metadata,
        account.CreatedAt,
        account.Seq,
        BalanceMath.Views(account, ctx.Units, ctx.Now));

    public static LedgerOutcome Ensure(CommandContext ctx, EnsureAccount cmd)
    {
        var invalid = Refusals.First(
            Refusals.Account(cmd.Account, "id"),
            Refusals.Field("tier", FieldRules.Tier(cmd.Tier)),
            Refusals.Metadata(cmd.Metadata),
            Refusals.Field("overdraftLimit", FieldRules.AccountLimit(cmd.OverdraftLimit)),
            Refusals.Field("lowBalanceThreshold", FieldRules.AccountLimit(cmd.LowBalanceThreshold.Value)));
        if (invalid is not null)
        {
            return invalid;
        }

        var account = Resolve(ctx, cmd.Account, create: true, out var created)!;
        Expiry.Sweep(ctx, account);
        if (cmd.OverdraftLimit is { } limit && limit != account.OverdraftLimit)
        {
            if (OwesMoreThan(ctx, account, limit))
            {
                return new Invalid("overdraftLimit", "is below what the account already owes");
            }

            account.OverdraftLimit = limit;
            MarkSettingsChanged(ctx, account);
        }

        if (cmd.Tier is { } tier && tier != account.Tier)
        {
            account.Tier = tier;
            MarkSettingsChanged(ctx, account);
        }

        if (cmd.LowBalanceThreshold.IsSet && cmd.LowBalanceThreshold.Value != account.LowBalanceThreshold)
        {
            account.LowBalanceThreshold = cmd.LowBalanceThreshold.Value;
            MarkSettingsChanged(ctx, account);
        }

        if (cmd.Metadata is { } metadata && metadata != account.Metadata)
        {
            account.Metadata = metadata;
            MarkSettingsChanged(ctx, account);
        }

        return new AccountResult(View(ctx, account), created);
    }

    public static LedgerOutcome SetFrozen(CommandContext ctx, SetFrozen cmd)
    {
        if (Refusals.First(Refusals.Account(cmd.Account), Refusals.Text(cmd.Reason, "reason")) is { } invalid)
        {
            return invalid;
        }

        var account = Resolve(ctx, cmd.Account, create: false, out _);
        if (account is null)
        {
            return new NotFound("account", cmd.Account);
        }

        Freeze(ctx, account, cmd.Frozen);
        return new AccountResult(View(ctx, account), false);
    }

    /// <summary>
    /// Freezes or unfreezes the account: a settings change, and a visible one, so the account's
    /// <c>seq</c> moves even though no journal line is written.
    /// </summary>
    public static void Freeze(CommandContext ctx, AccountRow account, bool frozen)
    {
        if (account.Frozen == frozen)
        {
            return;
        }

        account.Frozen = frozen;
        account.BecameFrozen = frozen;
        MarkSettingsChanged(ctx, account);
        Journal.Touch(ctx, account);
    }

    public static LedgerOutcome Sweep(CommandContext ctx, Sweep cmd)
    {
        var account = Resolve(ctx, cmd.Account, create: false, out _);
        if (account is null)
        {
            return new NotFound("account", cmd.Account);
        }

        var (lots, holds) = Expiry.Sweep(ctx, account);
        return new SweepResult(lots, holds);
    }

    /// <summary>True when some unit's debt plus overdraft-backed holds exceed <paramref name="limit"/>.</summary>
    private static bool OwesMoreThan(CommandContext ctx, AccountRow account, long limit)
    {
        foreach (var balance in account.Balances.Values)
        {
            var unbacked = Amounts.Credits.Zero;
            foreach (var hold in account.Holds)
            {
                if (hold.Unit == balance.Unit && hold.Status == HoldStatus.Active)
                {
                    unbacked += hold.Unbacked;
                }
            }

            if (balance.Debt + unbacked > ctx.Unit(balance.Unit).FromWhole(limit))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A setting changed: the row is written and its <c>updated_at</c> moves.</summary>
    private static void MarkSettingsChanged(CommandContext ctx, AccountRow account)
    {
        account.SettingsChanged = true;
        account.IsDirty = true;
        account.UpdatedAt = ctx.Now;
    }
}
