namespace Tally.Ledger.Amounts;

/// <summary>
/// An exact amount of credits in minor units of its unit (credits × 10^precision).
/// The precision lives on the <see cref="UnitInfo"/>; all arithmetic is <c>checked</c> so an
/// overflow throws instead of wrapping into a wrong balance.
/// </summary>
public readonly record struct Credits(long Minor) : IComparable<Credits>
{
    public static readonly Credits Zero = new(0);

    public bool IsPositive => Minor > 0;
    public bool IsNegative => Minor < 0;
    public bool IsZero => Minor == 0;

    public static Credits operator +(Credits a, Credits b) => new(checked(a.Minor + b.Minor));
    public static Credits operator -(Credits a, Credits b) => new(checked(a.Minor - b.Minor));
    public static Credits operator -(Credits a) => new(checked(-a.Minor));
    public static bool operator <(Credits a, Credits b) => a.Minor < b.Minor;
    public static bool operator >(Credits a, Credits b) => a.Minor > b.Minor;
    public static bool operator <=(Credits a, Credits b) => a.Minor <= b.Minor;
    public static bool operator >=(Credits a, Credits b) => a.Minor >= b.Minor;

    public static Credits Min(Credits a, Credits b) => a.Minor <= b.Minor ? a : b;
    public static Credits Max(Credits a, Credits b) => a.Minor >= b.Minor ? a : b;

    public int CompareTo(Credits other) => Minor.CompareTo(other.Minor);

    public Credits Add(Credits other) => this + other;
    public Credits Subtract(Credits other) => this - other;
    public Credits Negate() => -this;

    public override string ToString() => Minor.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
