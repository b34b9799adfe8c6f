using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>Turns rows into the read-only views that outcomes carry.</summary>
internal static class Projections
{
    public static EntryView Entry(CommandContext ctx, EntryRow row) => Entry(row, ctx.Unit(row.Unit));

    public static EntryView Entry(EntryRow row, Amounts.UnitInfo unit) => new(
        row.Id,
        row.AccountExternalId,
        row.Seq,
        row.Type,
        unit,
        row.Amount,
        row.BalanceAfter,
        row.Feature,
        row.Quantity,
        row.Description,
        row.Reference,
        row.Metadata,
        row.Actor,
        row.HoldId,
        row.LotId,
        row.ReversesEntryId,
        row.CreatedAt)
    {
        RulesJson = row.Rules,
    };

    public static HoldView Hold(CommandContext ctx, AccountRow account, HoldRow hold) => Hold(account.ExternalId, hold, ctx.Unit(hold.Unit));

    public static HoldView Hold(string account, HoldRow hold, Amounts.UnitInfo unit) => new(
        hold.Id,
        account,
        unit,
        hold.Amount,
        hold.Captured,
        hold.Status,
        hold.Feature,
        hold.Description,
        hold.ExpiresAt,
        hold.CreatedAt);

    public static EntryResult EntryResult(CommandContext ctx, AccountRow account, EntryRow entry) =>
        new(Entry(ctx, entry), BalanceMath.View(account, ctx.Unit(entry.Unit), ctx.Now));
}
