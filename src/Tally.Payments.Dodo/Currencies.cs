namespace Tally.Payments.Dodo;

/// <summary>ISO 4217 minor-unit exponents: how many decimals a currency's major unit has.</summary>
internal static class Currencies
{
    private static readonly HashSet<string> ZeroDecimal =
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"];

    private static readonly HashSet<string> ThreeDecimal = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

    /// <summary>0, 2 or 3; 2 for any currency not listed as otherwise.</summary>
    public static int Exponent(string currency)
    {
        var code = currency.ToUpperInvariant();
        return ZeroDecimal.Contains(code) ? 0 : ThreeDecimal.Contains(code) ? 3 : 2;
    }

    /// <summary>10^<paramref name="n"/> for an exponent.</summary>
    public static long Scale(int n)
    {
        long p = 1;
        for (var i = 0; i < n; i++)
            p = checked(p * 10);
        return p;
    }

    /// <summary>An amount in minor units written in major units, exactly ("9.99 USD", "500 JPY").</summary>
    public static string Format(long minor, string currency)
    {
        var exponent = Exponent(currency);
        if (exponent == 0)
            return $"{minor} {currency}";
        var scale = Scale(exponent);
        var sign = minor < 0 ? "-" : "";
        var abs = Math.Abs(minor);
        return $"{sign}{abs / scale}.{(abs % scale).ToString().PadLeft(exponent, '0')} {currency}";
    }
}
