using System.Globalization;
using System.Text.Json;
using Tally.Payments.Pricing;

namespace Tally.Server.Ui.Admin;

/// <summary>How the admin ops pages show money, times and stored JSON.</summary>
internal static class OpsFormat
{
    /// <summary>Exact: minor units shifted by the currency's digits (1999 USD → "19.99 USD").</summary>
    public static string Money(Money money)
    {
        var digits = Tally.Payments.Pricing.Money.MinorDigits(money.Currency ?? "");
        var major = money.Amount / (decimal)Pow10(digits);
        return major.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + money.Currency;
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Stored JSON indented for reading (Razor escapes it when rendering); text that is not JSON as it is.</summary>
    public static string PrettyJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return "";
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static long Pow10(int digits)
    {
        var value = 1L;
        for (var i = 0; i < digits; i++)
        {
            value *= 10;
        }

        return value;
    }
}
