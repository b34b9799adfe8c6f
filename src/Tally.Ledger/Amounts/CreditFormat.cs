using System.Globalization;

namespace Tally.Ledger.Amounts;

/// <summary>
/// Credit amounts for people: in full under 1,000 (<c>999</c>, <c>12.5</c>), otherwise with one
/// decimal and K, M, B or T (<c>1.2K</c>, <c>3.4M</c>). The one rounding rule: <b>down</b>, toward
/// negative infinity, so what is shown is never more than what there is — 1,250 shows as
/// <c>1.2K</c> and 999,950 as <c>999.9K</c> (a balance never looks bigger than it is), −1,250 as
/// <c>−1.3K</c> (a debt never looks smaller). A trailing <c>.0</c> is dropped. The decimal separator
/// and the minus sign come from the culture (<c>1,2K</c> in German); the suffixes do not change.
/// The seed's formatter (float division and <c>toFixed(1)</c>) showed 999,950 as "1000.0K" and
/// 1,250 as "1.3K", rounding balances up; the JS client's <c>formatCredits</c> follows this rule.
/// </summary>
public static class CreditFormat
{
    private static readonly (decimal Size, string Suffix)[] Steps =
    [
        (1_000_000_000_000m, "T"),
        (1_000_000_000m, "B"),
        (1_000_000m, "M"),
        (1_000m, "K"),
    ];

    /// <summary>The short form of <paramref name="amount"/> of <paramref name="unit"/>.</summary>
    public static string Compact(Credits amount, UnitInfo unit, IFormatProvider? culture = null)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return Compact(unit.ToDecimal(amount), culture);
    }

    /// <summary>The short form of a whole-unit amount (decimals allowed, shown in full under 1,000).</summary>
    public static string Compact(decimal amount, IFormatProvider? culture = null)
    {
        culture ??= CultureInfo.CurrentCulture;
        var magnitude = Math.Abs(amount);
        for (var i = 0; i < Steps.Length; i++)
        {
            if (magnitude >= Steps[i].Size)
            {
                var tenths = Tenths(amount, Steps[i].Size);
                if (Math.Abs(tenths) >= 10_000m && i > 0)
                {
                    // −999,950 rounds down to −1000.0K: that is −1M.
                    i--;
                    tenths = Tenths(amount, Steps[i].Size);
                }

                return (tenths / 10m).ToString("0.#", culture) + Steps[i].Suffix;
            }
        }

        // Under 1,000: exactly, every decimal the amount has (a unit has at most 6).
        return amount.ToString("0.######", culture);
    }

    private static decimal Tenths(decimal amount, decimal size) => decimal.Floor(amount / size * 10m);
}
