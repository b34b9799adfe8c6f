using System.Globalization;

namespace Tally.Payments.Dodo;

/// <summary>
/// A dispute's amount, which Dodo sends as a string, to exact minor units. Digits alone are minor
/// units, like every other Dodo amount ("999" = $9.99); a decimal point means major units ("9.99"),
/// scaled by the currency's exponent. Anything else, or more decimals than the currency has (other
/// than trailing zeros), is refused with <see cref="FormatException"/>: money is never rounded here.
/// </summary>
internal static class DisputeAmount
{
    private const int MaxDigits = 18; // fits a long

    public static long ToMinor(string amount, string currency)
    {
        ArgumentNullException.ThrowIfNull(amount);
        var text = amount.Trim();
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point < 0)
            return Digits(text);

        var exponent = Currencies.Exponent(currency);
        var whole = Digits(text[..point]);
        var fraction = text[(point + 1)..].TrimEnd('0');
        if (fraction.Length > exponent)
            throw new FormatException($"dispute amount '{amount}' has more decimals than {currency}");
        var fractionMinor = fraction.Length == 0 ? 0 : Digits(fraction) * Currencies.Scale(exponent - fraction.Length);
        return checked(whole * Currencies.Scale(exponent) + fractionMinor);
    }

    private static long Digits(string text)
    {
        if (text.Length is 0 or > MaxDigits || !text.All(char.IsAsciiDigit))
            throw new FormatException($"dispute amount part '{text}' is not digits");
        return long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
