namespace Gongji.Engine.Tests;

public class PsnNoIndexTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_psn_no_is_found_where_it_stands_and_no_other(bool sorted)
    {
        var random = new Random(3);
        var psnNos = Enumerable.Range(0, 5000).Select(i => $"33010800{i * 7:D8}").ToList();
        if (!sorted)
        {
            psnNos = [.. psnNos.OrderBy(_ => random.Next())];
        }
        var index = new PsnNoIndex(psnNos);
        for (var i = 0; i < psnNos.Count; i++)
        {
            Assert.Equal(i, index.Find(psnNos[i]));
        }
        Assert.Equal(-1, index.Find("33010800" + 1.ToString("D8")));
        Assert.Equal(-1, index.Find(""));
        Assert.Equal(-1, index.Find("99999999999999999"));

        // Rows in registry order, with repeats, gaps and strays: the hint never changes an answer.
        var hint = 0;
        foreach (var k in Enumerable.Range(0, 20000).Select(_ => random.Next(-200, psnNos.Count + 200)).Order())
        {
            var psn = k >= 0 && k < psnNos.Count ? psnNos[k] : "X" + k;
            Assert.Equal(index.Find(psn), index.Find(psn, ref hint));
        }
        // And rows in no order at all.
        for (var n = 0; n < 5000; n++)
        {
            var k = random.Next(-10, psnNos.Count + 10);
            var psn = k >= 0 && k < psnNos.Count ? psnNos[k] : "0" + k;
            Assert.Equal(index.Find(psn), index.Find(psn, ref hint));
        }
    }
}
