using CsCheck;
using Gongji.Engine.Rules;

namespace Gongji.Engine.Tests.Rules;

public sealed class FundSharingTests
{
    [Fact]
    public void Pro_rata_scales_down_to_the_fen_and_never_exceeds_the_budget()
    {
        Assert.Equal([100_00, 200_00], FundSharing.ProRata([100_00, 200_00], 1_000_00));
        Assert.Equal([33_33, 66_66], FundSharing.ProRata([100_00, 200_00], 100_00));
        Gen.Select(Gen.Long[0, 10_000_000].Array[1, 50], Gen.Long[0, 100_000_000]).Sample((due, budget) =>
        {
            var granted = FundSharing.ProRata(due, budget);
            return granted.Sum() <= Math.Max(budget, due.Sum()) && granted.Zip(due).All(g => g.First <= g.Second && g.First >= 0)
                && (due.Sum() > budget || granted.SequenceEqual(due));
        }, iter: 2000);
    }

    [Fact]
    public void First_come_pays_in_order_while_money_lasts()
    {
        Assert.Equal([5_000_00, 3_000_00, 0], FundSharing.FirstCome([5_000_00, 4_000_00, 2_000_00], 8_000_00));
        Gen.Select(Gen.Long[0, 10_000_000].Array[1, 50], Gen.Long[0, 100_000_000]).Sample((due, budget) =>
        {
            var granted = FundSharing.FirstCome(due, budget);
            var firstShort = Enumerable.Range(0, due.Length).FirstOrDefault(i => granted[i] < due[i], -1);
            return granted.Sum() == Math.Min(budget, due.Sum()) && granted.Zip(due).All(g => g.First <= g.Second)
                && (firstShort < 0 || granted.Skip(firstShort + 1).All(g => g == 0)); // after the first one short, nobody is paid
        }, iter: 2000);
    }
}
