using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Credits keep their terms wherever they move (docs/api.md, "Reversals", "Transfers"). What a reversal
/// or transfer brings in is split by the lots that paid for it, and each part becomes a lot with
/// that lot's terms: a reversal keeps scope, expiry, priority and paid/granted nature (a part
/// whose lot has expired meanwhile comes back expired, and is written off at once); a transfer
/// keeps expiry and paid/granted nature (the receiver's own burn order and scopes apply).
/// </summary>
internal static class Lineage
{
    /// <summary>A part of an amount and the lot that paid it (null: it was paid by the overdraft).</summary>
    public readonly record struct Part(Credits Amount, LotRow? From);

    /// <summary>
    /// The parts of a reversal of <paramref name="amount"/> more of <paramref name="entry"/>:
    /// unwound from the last credits spent to the first — what the overdraft paid, then the lots in
    /// reverse burn order — after skipping what earlier reversals already returned, so partial
    /// reversals add up to exactly one full one.
    /// </summary>
    public static List<Part> Unwind(ReversibleEntry entry, Credits amount)
    {
        var lots = entry.PaidBy.OrderByDescending(p => p.Lot, Comparer<LotRow>.Create(BalanceMath.CompareBurnOrder)).ToList();
        var order = new List<Part>(lots.Count + 1);
        if (Overdraft(lots, -entry.Entry.Amount) is { IsPositive: true } overdraft)
        {
            order.Add(new Part(overdraft, null));
        }

        order.AddRange(lots.Select(p => new Part(p.Amount, p.Lot)));
        var skip = entry.ReversedSoFar;
        var want = amount;
        var parts = new List<Part>();
        foreach (var part in order)
        {
            var left = part.Amount - Credits.Min(skip, part.Amount);
            skip -= part.Amount - left;
            var take = Credits.Min(want, left);
            if (take.IsPositive)
            {
                parts.Add(part with { Amount = take });
                want -= take;
            }
        }

        Invariant.Holds(want.IsZero, "a reversal asks for more than is left of the entry");
        return parts;
    }

    /// <summary>What of <paramref name="total"/> the lots in <paramref name="paid"/> did not pay: the overdraft's part.</summary>
    public static Credits Overdraft(IEnumerable<PaidBy> paid, Credits total)
    {
        var byLots = Credits.Zero;
        foreach (var part in paid)
        {
            byLots += part.Amount;
        }

        Invariant.Holds(byLots <= total, "lineage adds up to more than the amount it paid");
        return total - byLots;
    }

    /// <summary>The terms of a reversal's part: the paying lot's, as a refund of <paramref name="reference"/>.</summary>
    public static LotTerms Returned(LotRow? from, string reference) => from is null
        ? new LotTerms(LotSource.Refund, Reference: reference)
        : new LotTerms(LotSource.Refund, from.Priority, from.ExpiresAt, from.Features, reference, Paid: from.Paid);

    /// <summary>The terms of a transfer's part on the receiving side: the paying lot's expiry and nature.</summary>
    public static LotTerms Transferred(LotRow? from, string reference) => from is null
        ? new LotTerms(LotSource.Transfer, Reference: reference)
        : new LotTerms(LotSource.Transfer, ExpiresAt: from.ExpiresAt, Reference: reference, Paid: from.Paid);

    /// <summary>
    /// Credits <paramref name="parts"/> to <paramref name="account"/> as lots, parts with equal terms
    /// merged into one lot. Returns the lot when exactly one was made (for the entry's <c>lotId</c>).
    /// </summary>
    public static LotRow? Credit(CommandContext ctx, AccountRow account, string unit, IEnumerable<(Credits Amount, LotTerms Terms)> parts, Guid entryId)
    {
        LotRow? only = null;
        var made = 0;
        foreach (var group in parts.GroupBy(p => p.Terms, TermsComparer.Instance))
        {
            var total = Credits.Zero;
            foreach (var part in group)
            {
                total += part.Amount;
            }

            if (Lots.Credit(ctx, account, unit, total, group.Key, entryId) is { } lot)
            {
                only = lot;
                made++;
            }
        }

        return made == 1 ? only : null;
    }

    /// <summary>Terms compared by value, feature lists included.</summary>
    private sealed class TermsComparer : IEqualityComparer<LotTerms>
    {
        public static readonly TermsComparer Instance = new();

        public bool Equals(LotTerms? x, LotTerms? y) =>
            x is not null && y is not null
            && (x with { Features = null }) == (y with { Features = null })
            && (x.Features ?? []).SequenceEqual(y.Features ?? [], StringComparer.Ordinal)
            && (x.Features is null) == (y.Features is null);

        public int GetHashCode(LotTerms obj) => (obj with { Features = null }).GetHashCode();
    }
}
