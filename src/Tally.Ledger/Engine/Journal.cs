using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>What an entry says besides its type and amount.</summary>
internal sealed record EntryDetails
{
    public string? Feature { get; init; }
    public Micros? Quantity { get; init; }
    public string? Description { get; init; }
    public string? Reference { get; init; }
    public string? Metadata { get; init; }
    public Guid? HoldId { get; init; }
    public Guid? LotId { get; init; }
    public Guid? ReversesEntryId { get; init; }
    public Guid? TransferId { get; init; }

    /// <summary>The rules that changed the amount (stored form, <see cref="Rules.AppliedRules"/>); null when none.</summary>
    public string? Rules { get; init; }

    /// <summary>Written by the ledger itself (expiry), not on behalf of the caller.</summary>
    public bool BySystem { get; init; }

    public static readonly EntryDetails None = new();
}

/// <summary>Appends to an account's journal and keeps its counters: the only way the balance changes.</summary>
internal static class Journal
{
    /// <summary>
    /// Writes one entry: the unit's journal balance moves by <paramref name="amount"/> and the
    /// entry records the balance after it, under the account's next <c>seq</c>.
    /// </summary>
    public static EntryRow Append(CommandContext ctx, AccountRow account, Guid entryId, EntryType type, string unit, Credits amount, EntryDetails details)
    {
        var balance = BalanceOf(account, unit);
        balance.Balance += amount;
        balance.IsDirty = true;
        Touch(ctx, account);
        var entry = new EntryRow
        {
            Id = entryId,
            AccountId = account.Id,
            AccountExternalId = account.ExternalId,
            Seq = account.Seq,
            Type = type,
            Unit = unit,
            Amount = amount,
            BalanceAfter = balance.Balance,
            Feature = details.Feature,
            Quantity = details.Quantity,
            Description = details.Description,
            Reference = details.Reference,
            Metadata = details.Metadata ?? "{}",
            Actor = details.BySystem ? Actors.System : ctx.Actor,
            HoldId = details.HoldId,
            LotId = details.LotId,
            ReversesEntryId = details.ReversesEntryId,
            TransferId = details.TransferId,
            IdempotencyKey = details.BySystem ? null : ctx.IdempotencyKey,
            CreatedAt = ctx.Now,
            Rules = details.Rules,
        };
        account.NewEntries.Add(entry);
        return entry;
    }

    /// <summary>
    /// Records a change without a journal line (a hold made or released, a freeze): the account's
    /// <c>seq</c> still advances, so ETags and event ids move with every visible change.
    /// </summary>
    public static void Touch(CommandContext ctx, AccountRow account)
    {
        account.Seq++;
        account.IsDirty = true;
    }

    public static BalanceRow BalanceOf(AccountRow account, string unit)
    {
        if (!account.Balances.TryGetValue(unit, out var balance))
        {
            balance = new BalanceRow { AccountId = account.Id, Unit = unit, IsNew = true };
            account.Balances[unit] = balance;
        }

        return balance;
    }
}
