using FsCheck.Xunit;
using Shouldly;
using Tally.Ledger.Amounts;
using Xunit;

namespace Tally.Ledger.Tests;

public sealed class AmountTests
{
    [Theory]
    [InlineData(0, "10", 10)]
    [InlineData(2, "10.25", 1025)]
    [InlineData(2, "0.01", 1)]
    [InlineData(6, "0.000001", 1)]
    [InlineData(0, "-3", -3)]
    public void Whole_amounts_convert_exactly_to_minor_units(int precision, string value, long minor)
    {
        new UnitInfo("u", precision).TryToMinor(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), out var credits).ShouldBeTrue();
        credits.Minor.ShouldBe(minor);
    }

    [Theory]
    [InlineData(0, "0.5")]
    [InlineData(2, "1.001")]
    [InlineData(6, "0.0000001")]
    [InlineData(0, "99999999999999999999")]
    public void Too_many_decimals_or_too_large_are_refused_never_rounded(int precision, string value)
    {
        new UnitInfo("u", precision).TryToMinor(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), out _).ShouldBeFalse();
    }

    [Fact]
    public void Credit_arithmetic_throws_instead_of_overflowing()
    {
        Should.Throw<OverflowException>(() => new Credits(long.MaxValue) + new Credits(1));
        Should.Throw<OverflowException>(() => -new Credits(long.MinValue));
        Should.Throw<OverflowException>(() => new UnitInfo("u", 6).FromWhole(long.MaxValue / 10));
    }

    [Property]
    public bool Minor_units_round_trip_through_decimal(long minor, byte precisionSeed)
    {
        var unit = new UnitInfo("u", precisionSeed % 7);
        return unit.TryToMinor(unit.ToDecimal(new Credits(minor)), out var back) && back.Minor == minor;
    }

    [Theory]
    [InlineData("7", "3", 0, 21)]
    [InlineData("0.25", "3", 0, 1)]
    [InlineData("0.25", "5", 0, 2)]
    [InlineData("0.25", "4", 0, 1)]
    [InlineData("0.002", "1000", 0, 2)]
    [InlineData("0.002", "1", 0, 1)]
    [InlineData("0.002", "1", 2, 1)]
    [InlineData("0.002", "1", 3, 2)]
    [InlineData("0.000001", "0.000001", 6, 1)]
    [InlineData("0", "5", 0, 0)]
    public void Feature_prices_round_up_to_the_units_precision(string cost, string quantity, int precision, long minor)
    {
        Micros.TryFrom(decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture), out var c).ShouldBeTrue();
        Micros.TryFrom(decimal.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture), out var q).ShouldBeTrue();
        FeaturePricing.TryPrice(c, q, new UnitInfo("u", precision), out var amount).ShouldBeTrue();
        amount.Minor.ShouldBe(minor);
    }

    [Fact]
    public void A_feature_price_that_does_not_fit_64_bits_is_refused()
    {
        FeaturePricing.TryPrice(new Micros(long.MaxValue), new Micros(long.MaxValue), UnitInfo.Default, out _).ShouldBeFalse();
    }

    [Property]
    public bool Feature_prices_are_never_below_the_exact_cost(int costMicros, int quantityMicros)
    {
        var cost = new Micros(Math.Abs((long)costMicros));
        var quantity = new Micros(Math.Abs((long)quantityMicros));
        FeaturePricing.TryPrice(cost, quantity, UnitInfo.Default, out var amount);
        var exact = (decimal)cost.Value * quantity.Value / 1_000_000_000_000m;
        return amount.Minor >= exact && amount.Minor - exact < 1;
    }
}
