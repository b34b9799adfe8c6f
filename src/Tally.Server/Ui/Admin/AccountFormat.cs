using System.Globalization;
using Tally.Ledger.Amounts;
using PaymentMoney = Tally.Payments.Pricing.Money;

namespace Tally.Server.Ui.Admin;

/// <summary>How the account and dashboard pages write amounts, money, times and addresses: exact, invariant culture.</summary>
public static class AccountFormat
{
    /// <summary>An amount of a unit in its decimals, exactly (e.g. "1,250.5").</summary>
    public static string Amount(UnitInfo unit, Credits credits)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return Number(unit.ToDecimal(credits));
    }

    /// <summary>An exact decimal with thousands separators and no trailing zeros.</summary>
    public static string Number(decimal value) => value.ToString("#,0.######", CultureInfo.InvariantCulture);

    /// <summary>A signed amount: "+5" or "-3".</summary>
    public static string Signed(decimal value) => (value > 0 ? "+" : "") + Number(value);

    /// <summary>Money in minor units as its currency's major units, exactly ("9.99 USD").</summary>
    public static string Money(long minor, string currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        var digits = PaymentMoney.MinorDigits(currency);
        var format = digits == 0 ? "#,0" : "#,0." + new string('0', digits);
        return MajorUnits(minor, currency).ToString(format, CultureInfo.InvariantCulture) + " " + currency;
    }

    public static string Money(PaymentMoney money) => Money(money.Amount, money.Currency);

    /// <summary>Minor units as major units of the currency, exactly.</summary>
    public static decimal MajorUnits(long minor, string currency)
    {
        var scale = 1m;
        for (var i = 0; i < PaymentMoney.MinorDigits(currency); i++)
        {
            scale *= 10;
        }

        return minor / scale;
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at, string none = "—") => at is { } t ? Time(t) : none;

    /// <summary>The machine-readable form for a <c>&lt;time datetime&gt;</c> attribute.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The admin page of an account.</summary>
    public static string AccountUrl(string id) => "/admin/accounts/" + Uri.EscapeDataString(id);

    /// <summary>A long id shortened for a table cell (the full id in its title).</summary>
    public static string Short(string id) => id.Length <= 16 ? id : id[..12] + "…" + id[^4..];
}
