using System.Globalization;
using Tally.Payments.Pricing;

namespace Tally.Server.Ui.Portal;

/// <summary>How the portal writes numbers, money and dates (the same on the server and in portal.js's answers).</summary>
public static class PortalFormat
{
    /// <summary>An amount of credits: thousands separated, no trailing zeros ("1,500", "2.5").</summary>
    public static string Credits(decimal value) => value.ToString("#,0.######", CultureInfo.InvariantCulture);

    /// <summary>Money from minor units: "$4.99" for US dollars, else "4.99 EUR".</summary>
    public static string Money(Money money)
    {
        var digits = Payments.Pricing.Money.MinorDigits(money.Currency);
        var scale = 1m;
        for (var i = 0; i < digits; i++)
        {
            scale *= 10;
        }

        var major = money.Amount / scale;
        var text = major.ToString("#,0." + new string('0', digits), CultureInfo.InvariantCulture).TrimEnd('.');
        return money.Currency == "USD" ? (major < 0 ? "-$" + text[1..] : "$" + text) : $"{text} {money.Currency}";
    }

    /// <summary>A price per credit in major units ("$0.01", "0.005 EUR").</summary>
    public static string UnitPrice(decimal price, string currency)
    {
        var text = price.ToString("0.00####", CultureInfo.InvariantCulture);
        return currency == "USD" ? "$" + text : $"{text} {currency}";
    }

    /// <summary>A percentage without trailing zeros ("15 %", "12.5 %").</summary>
    public static string Percent(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture) + " %";

    /// <summary>A date (UTC), e.g. "3 Dec 2026".</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>A date and time (UTC), e.g. "3 Dec 2026 09:30 UTC".</summary>
    public static string DateTime(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
