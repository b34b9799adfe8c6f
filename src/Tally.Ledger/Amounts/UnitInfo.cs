namespace Tally.Ledger.Amounts;

/// <summary>A kind of credit and the number of decimals its amounts may carry (0–6).</summary>
public sealed record UnitInfo(string Key, int Precision)
{
    public const string DefaultKey = "credits";
    public const int MaxPrecision = 6;

    public static readonly UnitInfo Default = new(DefaultKey, 0);

    /// <summary>10^precision: how many minor units make one whole unit.</summary>
    public long Scale => Pow10(Precision);

    /// <summary>
    /// Converts a JSON/decimal amount to minor units exactly. Fails (returns false) when the value
    /// has more decimals than the unit allows or does not fit in 64 bits; never rounds.
    /// </summary>
    public bool TryToMinor(decimal value, out Credits credits)
    {
        credits = Credits.Zero;
        // Refuse what 64 bits of minor units cannot hold before scaling, which would overflow decimal itself.
        if (Math.Abs(value) > (decimal)long.MaxValue / Scale)
        {
            return false;
        }

        var scaled = value * Scale;
        if (scaled != decimal.Truncate(scaled))
        {
            return false;
        }

        if (scaled > long.MaxValue || scaled < long.MinValue)
        {
            return false;
        }

        credits = new Credits((long)scaled);
        return true;
    }

    /// <summary>Whole-unit value of <paramref name="credits"/> as an exact decimal.</summary>
    public decimal ToDecimal(Credits credits) => credits.Minor / (decimal)Scale;

    /// <summary>Minor units of a whole-unit integer (limits, thresholds and maxima are set in whole units).</summary>
    public Credits FromWhole(long whole) => new(checked(whole * Scale));

    public static bool IsValidPrecision(int precision) => precision is >= 0 and <= MaxPrecision;

    internal static long Pow10(int exponent)
    {
        long result = 1;
        for (var i = 0; i < exponent; i++)
        {
            result = checked(result * 10);
        }

        return result;
    }
}
