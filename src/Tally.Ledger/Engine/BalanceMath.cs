using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Balances and spending order, computed from an account's rows. Every function here expects the
/// account to be swept at <c>now</c> (<see cref="Expiry.Sweep"/>): no expired lot has a remainder
/// and no active hold is past its TTL.
/// </summary>
internal static class BalanceMath
{
    /// <summary>Burn order: priority, then soonest expiry (none last), then oldest, then id.</summary>
    public static int CompareBurnOrder(LotRow x, LotRow y)
    {
        var c = x.Priority.CompareTo(y.Priority);
        if (c != 0)
        {
            return c;
        }

        c = (x.ExpiresAt, y.ExpiresAt) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            ({ } a, { } b) => a.CompareTo(b),
        };
        if (c != 0)
        {
            return c;
        }

        c = x.CreatedAt.CompareTo(y.CreatedAt);
        return c != 0 ? c : x.Id.CompareTo(y.Id);
    }

    /// <summary>A scoped lot pays only for its features; an unscoped lot pays for anything.</summary>
    public static bool Pays(LotRow lot, string? feature) =>
        lot.Features is null || (feature is not null && lot.Features.Contains(feature, StringComparer.Ordinal));

    /// <summary>Lots this charge may spend, in burn order.</summary>
    public static List<LotRow> Spendable(AccountRow account, string unit, string? feature, DateTimeOffset now)
    {
        var lots = new List<LotRow>();
        foreach (var lot in account.Lots)
        {
            if (lot.Unit == unit && lot.Remaining.IsPositive && !lot.IsExpiredAt(now) && Pays(lot, feature))
            {
                lots.Add(lot);
            }
        }

        lots.Sort(CompareBurnOrder);
        return lots;
    }

    /// <summary>
    /// Lots a clawback takes from, in the order it takes them: first those granted under
    /// <paramref name="reference"/> (the refunded payment's own credits), oldest first; then every
    /// other lot of the unit, whatever its scope, paid before granted (paid credits are what the
    /// refund gives back), each group in burn order. Only unexpired, effective lots with credits
    /// left; what active holds pinned is not in <c>Remaining</c>, so it is never taken.
    /// </summary>
    public static List<LotRow> Reclaimable(AccountRow account, string unit, string? reference, DateTimeOffset now)
    {
        var own = new List<LotRow>();
        var paid = new List<LotRow>();
        var granted = new List<LotRow>();
        foreach (var lot in account.Lots)
        {
            if (lot.Unit != unit || !lot.Remaining.IsPositive || lot.IsExpiredAt(now) || lot.EffectiveAt > now)
            {
                continue;
            }

            var list = reference is not null && string.Equals(lot.Reference, reference, StringComparison.Ordinal) ? own
                : lot.Paid ? paid
                : granted;
            list.Add(lot);
        }

        own.Sort(static (x, y) => x.CreatedAt != y.CreatedAt ? x.CreatedAt.CompareTo(y.CreatedAt) : x.Id.CompareTo(y.Id));
        paid.Sort(CompareBurnOrder);
        granted.Sort(CompareBurnOrder);
        own.AddRange(paid);
        own.AddRange(granted);
        return own;
    }

    /// <summary>
    /// What a charge for <paramref name="feature"/> could spend before the overdraft: its lots less
    /// debt and less holds backed by the overdraft. May be negative.
    /// </summary>
    public static Credits SpendableAmount(AccountRow account, string unit, string? feature, DateTimeOffset now)
    {
        var total = Credits.Zero;
        foreach (var lot in account.Lots)
        {
            if (lot.Unit == unit && lot.Remaining.IsPositive && !lot.IsExpiredAt(now) && Pays(lot, feature))
            {
                total += lot.Remaining;
            }
        }

        return total - Debt(account, unit) - Unbacked(account, unit);
    }

    public static Credits Debt(AccountRow account, string unit) =>
        account.Balances.TryGetValue(unit, out var balance) ? balance.Debt : Credits.Zero;

    private static Credits Unbacked(AccountRow account, string unit)
    {
        var total = Credits.Zero;
        foreach (var hold in account.Holds)
        {
            if (hold.Unit == unit && hold.Status == HoldStatus.Active)
            {
                total += hold.Unbacked;
            }
        }

        return total;
    }

    public static BalanceView View(AccountRow account, UnitInfo unit, DateTimeOffset now)
    {
        var lots = Credits.Zero;
        DateTimeOffset? nextAt = null;
        var nextAmount = Credits.Zero;
        foreach (var lot in account.Lots)
        {
            if (lot.Unit != unit.Key || !lot.Remaining.IsPositive || lot.IsExpiredAt(now))
            {
                continue;
            }

            lots += lot.Remaining;
            if (lot.ExpiresAt is not { } at)
            {
                continue;
            }

            if (nextAt is null || at < nextAt)
            {
                (nextAt, nextAmount) = (at, lot.Remaining);
            }
            else if (at == nextAt)
            {
                nextAmount += lot.Remaining;
            }
        }

        var held = Credits.Zero;
        var pinned = Credits.Zero;
        foreach (var hold in account.Holds)
        {
            if (hold.Unit == unit.Key && hold.Status == HoldStatus.Active)
            {
                held += hold.Amount;
                pinned += hold.Amount - hold.Unbacked;
            }
        }

        var total = lots + pinned - Debt(account, unit.Key);
        var expiry = nextAt is { } when ? new NextExpiry(when, nextAmount) : null;
        return new BalanceView(unit, total - held, held, total, expiry);
    }

    /// <summary>The default unit always, then every unit the account has used, by key.</summary>
    public static IReadOnlyList<BalanceView> Views(AccountRow account, IUnitCatalog units, DateTimeOffset now)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal) { UnitInfo.DefaultKey };
        keys.UnionWith(account.Balances.Keys);
        foreach (var lot in account.Lots)
        {
            keys.Add(lot.Unit);
        }

        var views = new List<BalanceView>(keys.Count);
        foreach (var key in keys)
        {
            if (units.Find(key) is { } unit)
            {
                views.Add(View(account, unit, now));
            }
        }

        return views;
    }
}
