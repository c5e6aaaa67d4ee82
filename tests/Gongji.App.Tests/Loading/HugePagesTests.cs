using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class HugePagesTests
{
    [Fact]
    public void Advice_on_an_arrays_pages_keeps_what_it_holds()
    {
        // Advice that dropped pages (MADV_DONTNEED, MADV_FREE) would hand back zeros: what is written stays.
        var held = new long[3_000_000];
        for (var i = 0; i < held.Length; i++)
        {
            held[i] = i * 7L + 1;
        }
        var fresh = new int[5_000_000];
        foreach (Array array in new Array[] { held, fresh })
        {
            HugePages.KeepSmallPages(array);
            HugePages.FaultIn(array);
        }
        Assert.Equal(-1, Enumerable.Range(0, held.Length).FirstOrDefault(i => held[i] != i * 7L + 1, -1)); // the first changed value
        Assert.True(fresh.AsSpan().IndexOfAnyExcept(0) < 0);
        fresh[^1] = 5;
        Assert.Equal(5, fresh[^1]);
    }

    [Fact]
    public void Advice_on_an_array_of_structs_is_left_out_not_refused()
    {
        var pairs = new (long, long)[1_000_000];
        pairs[^1] = (1, 2);
        HugePages.KeepSmallPages(pairs);
        HugePages.FaultIn(pairs);
        Assert.Equal((1L, 2L), pairs[^1]);
    }
}
