using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Brings an account up to <c>now</c>: holds past their TTL give their credits back, and lot
/// remainders past their expiry are written off by one <c>expire</c> entry per unit (breakage).
/// Every mutation sweeps its accounts first, so the journal balance always equals what a reader
/// sees; reads sweep a throwaway copy.
/// </summary>
internal static class Expiry
{
    public static (int Lots, int Holds) Sweep(CommandContext ctx, AccountRow account)
    {
        var holds = ExpireHolds(ctx, account);
        var lots = ExpireLots(ctx, account);
        return (lots, holds);
    }

    private static int ExpireHolds(CommandContext ctx, AccountRow account)
    {
        var count = 0;
        foreach (var hold in account.Holds)
        {
            if (hold.Status != HoldStatus.Active || hold.ExpiresAt > ctx.Now)
            {
                continue;
            }

            foreach (var pin in hold.Pins)
            {
                Lots.Restore(account, pin.LotId, pin.Amount);
            }

            hold.Status = HoldStatus.Expired;
            hold.UpdatedAt = ctx.Now;
            hold.IsDirty = true;
            count++;
        }

        if (count > 0)
        {
            Journal.Touch(ctx, account);
        }

        return count;
    }

    private static int ExpireLots(CommandContext ctx, AccountRow account)
    {
        var count = 0;
        Dictionary<string, (Guid EntryId, Credits Total, Guid LotId, int Lots)>? byUnit = null;
        foreach (var lot in account.Lots)
        {
            if (!lot.Remaining.IsPositive || !lot.IsExpiredAt(ctx.Now))
            {
                continue;
            }

            byUnit ??= new(StringComparer.Ordinal);
            if (!byUnit.TryGetValue(lot.Unit, out var sum))
            {
                sum = (ctx.NewId(), Credits.Zero, lot.Id, 0);
            }

            account.NewBurns.Add(new BurnRow(sum.EntryId, lot.Id, account.Id, lot.Remaining));
            byUnit[lot.Unit] = (sum.EntryId, sum.Total + lot.Remaining, sum.LotId, sum.Lots + 1);
            lot.Remaining = Credits.Zero;
            lot.IsDirty = true;
            count++;
        }

        if (byUnit is null)
        {
            return 0;
        }

        foreach (var (unit, sum) in byUnit.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var details = new EntryDetails
            {
                Description = "expired credits",
                BySystem = true,
                LotId = sum.Lots == 1 ? sum.LotId : null,
            };
            Journal.Append(ctx, account, sum.EntryId, EntryType.Expire, unit, -sum.Total, details);
        }

        return count;
    }
}
