using System.Runtime.InteropServices;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public partial class HugePagesTests
{
    [LibraryImport("libc", EntryPoint = "mincore")]
    private static partial int Mincore(nint address, nuint length, [Out] byte[] vector);

    /// <summary>The share of the array's whole 4 KiB pages the kernel has in memory (mincore).</summary>
    private static double Resident(Array array)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            var start = (long)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
            var from = (start + 4095) & ~4095L;
            var to = (start + Buffer.ByteLength(array)) & ~4095L;
            var vector = new byte[(to - from) / 4096];
            Assert.Equal(0, Mincore((nint)from, (nuint)(to - from), vector));
            return vector.Count(b => (b & 1) != 0) / (double)vector.Length;
        }
        finally
        {
            handle.Free();
        }
    }

    // MADV_POPULATE_WRITE is Linux 5.14 and later (Debian 12 has 6.1); before it FaultIn leaves the pages to come as written.
    [Fact]
    public void Pages_are_taken_from_the_kernel_at_once()
    {
        Assert.True(HugePages.TakePagesAtOnce, "GONGJI_PREFAULT=0 is set");
        var fresh = new long[16_000_000]; // 128 MB
        HugePages.KeepSmallPages(fresh);
        HugePages.FaultIn(fresh);
        Assert.Equal(1.0, Resident(fresh));
    }

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
