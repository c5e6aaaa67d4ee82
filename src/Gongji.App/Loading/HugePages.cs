using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gongji.Loading;

/// <summary>
/// Asks Linux to back a large array with 2 MiB pages (madvise MADV_HUGEPAGE; transparent huge pages
/// are "madvise" on Debian). Filling a table of millions of rows otherwise takes a page fault every
/// 4 KiB, and on a virtual machine those faults cost about a third of reading a settlements file.
/// A hint only: where it is refused or not Linux, nothing changes.
/// </summary>
internal static partial class HugePages
{
    private const int MadviseHugePage = 14;
    private const long HugePage = 2 << 20;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    public static unsafe void Advise<T>(T[] array)
        where T : unmanaged
    {
        var bytes = (long)array.Length * sizeof(T);
        if (!OperatingSystem.IsLinux() || bytes < 2 * HugePage)
        {
            return;
        }
        // Large arrays live on the large object heap, which is not compacted: the address stays.
        var start = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var from = (start + HugePage - 1) & ~(HugePage - 1);
        var to = (start + bytes) & ~(HugePage - 1);
        if (to > from)
        {
            _ = Madvise((nint)from, (nuint)(to - from), MadviseHugePage);
        }
    }
}
