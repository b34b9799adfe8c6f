namespace Tally.Ledger.Amounts;

/// <summary>
/// A feature quantity or a per-unit feature cost with up to six decimals, held as an integer
/// number of millionths so that cost × quantity stays exact.
/// </summary>
public readonly record struct Micros(long Value)
{
    public const int Decimals = 6;
    public const long PerUnit = 1_000_000;

    /// <summary>Largest whole value a quantity may have (10^12): far past any real use, well inside 64 bits of millionths.</summary>
    public const long MaxWhole = 1_000_000_000_000;

    public static readonly Micros One = new(PerUnit);

    /// <summary>Exact conversion; false when <paramref name="value"/> has more than six decimals or overflows.</summary>
    public static bool TryFrom(decimal value, out Micros micros)
    {
        micros = default;
        if (Math.Abs(value) > (decimal)long.MaxValue / PerUnit)
        {
            return false;
        }

        var scaled = value * PerUnit;
        if (scaled != decimal.Truncate(scaled) || scaled > long.MaxValue || scaled < long.MinValue)
        {
            return false;
        }

        micros = new Micros((long)scaled);
        return true;
    }

    public decimal ToDecimal() => Value / (decimal)PerUnit;

    public override string ToString() => ToDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Prices a feature use: cost × quantity, rounded <b>up</b> to the unit's precision (docs/api.md).</summary>
public static class FeaturePricing
{
    /// <summary>
    /// The charge amount in minor units for <paramref name="quantity"/> uses of a feature costing
    /// <paramref name="cost"/> per use. cost and quantity are both in millionths, so their product
    /// is in 10^-12 units; dividing by 10^(12 − precision) with a ceiling gives minor units.
    /// Returns false when the amount does not fit in 64 bits.
    /// </summary>
    public static bool TryPrice(Micros cost, Micros quantity, UnitInfo unit, out Credits amount)
    {
        amount = Credits.Zero;
        var product = (Int128)cost.Value * quantity.Value;
        Int128 divisor = UnitInfo.Pow10((2 * Micros.Decimals) - unit.Precision);
        var quotient = Int128.DivRem(product, divisor);
        var minor = quotient.Quotient + (quotient.Remainder > 0 ? 1 : 0);
        if (minor > long.MaxValue)
        {
            return false;
        }

        amount = new Credits((long)minor);
        return true;
    }
}
