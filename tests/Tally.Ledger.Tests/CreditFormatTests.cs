using System.Globalization;
using FsCheck.Xunit;
using Shouldly;
using Tally.Ledger.Amounts;
using Xunit;

namespace Tally.Ledger.Tests;

public sealed class CreditFormatTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("999", "999")]
    [InlineData("12.5", "12.5")]
    [InlineData("-3", "-3")]
    [InlineData("999.999999", "999.999999")]
    [InlineData("1000", "1K")]
    [InlineData("1234", "1.2K")]
    [InlineData("1250", "1.2K")]
    [InlineData("1299.99", "1.2K")]
    [InlineData("999950", "999.9K")]
    [InlineData("999999", "999.9K")]
    [InlineData("1000000", "1M")]
    [InlineData("3400000", "3.4M")]
    [InlineData("2500000000", "2.5B")]
    [InlineData("7000000000000", "7T")]
    [InlineData("9223372036854775807", "9223372T")]
    [InlineData("-1250", "-1.3K")]
    [InlineData("-1000", "-1K")]
    [InlineData("-999950", "-1M")]
    [InlineData("-45700", "-45.7K")]
    public void Shortens_rounding_down(string amount, string shown)
    {
        CreditFormat.Compact(decimal.Parse(amount, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).ShouldBe(shown);
    }

    [Fact]
    public void Uses_the_cultures_decimal_separator()
    {
        // The tests run in globalization-invariant mode (no ICU): a culture with a decimal comma.
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        CreditFormat.Compact(1234m, german).ShouldBe("1,2K");
        CreditFormat.Compact(12.5m, german).ShouldBe("12,5");
    }

    [Fact]
    public void Formats_minor_units_of_a_unit()
    {
        CreditFormat.Compact(new Credits(123_456), new UnitInfo("usd", 2), CultureInfo.InvariantCulture).ShouldBe("1.2K");
        CreditFormat.Compact(new Credits(1_050), new UnitInfo("usd", 2), CultureInfo.InvariantCulture).ShouldBe("10.5");
    }

    [Property]
    public void Never_shows_more_than_there_is(long minor)
    {
        var amount = (decimal)minor;
        var (shown, step) = Parse(CreditFormat.Compact(amount, CultureInfo.InvariantCulture));
        shown.ShouldBeLessThanOrEqualTo(amount);
        // …by less than the last digit shown: a tenth of the step, or nothing in full.
        (amount - shown).ShouldBeLessThan(step == 1m ? 1m : step / 10m);
    }

    private static (decimal Shown, decimal Step) Parse(string shown)
    {
        var step = shown[^1] switch { 'K' => 1e3m, 'M' => 1e6m, 'B' => 1e9m, 'T' => 1e12m, _ => 1m };
        var number = step == 1m ? shown : shown[..^1];
        return (decimal.Parse(number, CultureInfo.InvariantCulture) * step, step);
    }
}
