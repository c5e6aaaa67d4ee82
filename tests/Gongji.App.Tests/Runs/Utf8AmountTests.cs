using System.Text;
using Gongji.Engine;
using Gongji.Runs;

namespace Gongji.App.Tests.Runs;

public class Utf8AmountTests
{
    public static IEnumerable<long> Amounts()
    {
        long[] edges = [0, 1, -1, 5, 9, 10, 99, 100, 101, 999, 1000, 9999, 10_000, 99_999, 100_000, 123_456_789, -123_456_789, long.MaxValue, long.MinValue, long.MinValue + 1, long.MaxValue / 100 * 100];
        foreach (var edge in edges)
        {
            yield return edge;
        }
        // Every power of ten and its neighbours, where the number of digits changes.
        for (var power = 1L; power <= long.MaxValue / 10; power *= 10)
        {
            foreach (var near in new[] { power - 1, power, power + 1 })
            {
                yield return near;
                yield return -near;
            }
        }
        var random = new Random(20261206);
        for (var i = 0; i < 200_000; i++)
        {
            // Of every size: a random number of bits, either sign.
            var value = random.NextInt64() >> random.Next(0, 63);
            yield return i % 2 == 0 ? value : -value;
        }
    }

    [Fact]
    public void Writes_every_amount_as_Money_writes_it()
    {
        Span<byte> to = stackalloc byte[Utf8Amount.MaxLength];
        var checkedCount = 0;
        foreach (var fen in Amounts())
        {
            var expected = Money.FromFen(fen).ToString();
            var written = Utf8Amount.Write(to, fen);
            Assert.True(expected == Encoding.UTF8.GetString(to[..written]), $"{fen}: {Encoding.UTF8.GetString(to[..written])} against {expected}");
            checkedCount++;
        }
        Assert.True(checkedCount > 200_000);
    }
}
