using Gongji.Engine;

namespace Gongji.Engine.Tests;

public class MoneyTests
{
    [Fact]
    public void A_whole_number_is_refused_at_compile_time_as_neither_yuan_nor_fen()
    {
        // new Money(2000) once compiled as 2,000 yuan where fen were meant; now it does not compile.
        var ctor = typeof(Money).GetConstructor([typeof(long)])!;
        Assert.True(ctor.GetCustomAttributes(typeof(ObsoleteAttribute), false).Cast<ObsoleteAttribute>().Single().IsError);
        Assert.Equal(2000.00m, new Money(2000m).Yuan);
        Assert.Equal(20.00m, Money.FromFen(2000).Yuan);
    }

    [Fact]
    public void Refuses_amounts_finer_than_a_fen() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Money(1.005m));

    [Theory]
    [InlineData("100.005", "100.01")]
    [InlineData("100.004", "100.00")]
    [InlineData("0.125", "0.13")]
    public void Rounds_half_up_at_the_named_step(string exact, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Money.RoundHalfUp(decimal.Parse(exact, System.Globalization.CultureInfo.InvariantCulture)).Yuan);

    [Fact]
    public void Times_a_rate_rounds_half_up_to_the_fen() =>
        Assert.Equal(0.04m, new Money(0.05m).Times(new Rate(0.7m)).Yuan); // 0.035 → 0.04

    [Fact]
    public void Scaling_down_never_rounds_up()
    {
        // 10 × 2/3 = 6.666… → 6.66: a budget share never overspends.
        Assert.Equal(6.66m, new Money(10m).ScaledDown(new Money(2m), new Money(3m)).Yuan);
    }

    [Fact]
    public void Fen_round_trip() => Assert.Equal(123456L, Money.FromFen(123456).Fen);

    [Fact]
    public void Rate_outside_zero_to_one_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => new Rate(1.2m));

    [Fact]
    public void Date_range_refuses_an_end_before_its_start() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DateRange(new DateOnly(2024, 2, 1), new DateOnly(2024, 1, 31)));

    [Fact]
    public void Date_range_is_inclusive()
    {
        var r = new DateRange(new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 31));
        Assert.True(r.Contains(new DateOnly(2024, 1, 31)));
        Assert.False(r.Contains(new DateOnly(2024, 2, 1)));
    }
}
