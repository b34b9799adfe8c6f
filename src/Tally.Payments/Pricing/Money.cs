namespace Tally.Payments.Pricing;

/// <summary>An exact amount of money: integer minor units of an ISO 4217 currency (1999 USD = $19.99).</summary>
public readonly record struct Money(long Amount, string Currency)
{
    /// <summary>Digits after the decimal point of a currency's minor unit (ISO 4217; 2 unless listed).</summary>
    public static int MinorDigits(string currency) => currency.ToUpperInvariant() switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "ISK" or "JPY" or "KMF" or "KRW" or "PYG" or "RWF" or "UGX" or "UYI" or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 0,
        "BHD" or "IQD" or "JOD" or "KWD" or "LYD" or "OMR" or "TND" => 3,
        _ => 2,
    };

    /// <summary>Whether <paramref name="currency"/> looks like an ISO 4217 code (three letters A–Z).</summary>
    public static bool IsCurrencyCode(string? currency) => currency is { Length: 3 } && currency.All(char.IsAsciiLetterUpper);
}
