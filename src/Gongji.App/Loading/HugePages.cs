using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gongji.Loading;

/// <summary>
/// Advice to Linux on the page size behind large memory (madvise; transparent huge pages are
/// "madvise" on Debian). A hint only: where it is refused or not Linux, nothing changes.
/// </summary>
/// <remarks>
/// Measured on this workplace's virtual machine (Firecracker, which takes freed memory back from the
/// guest): the first touch of a GiB costs 0.4–1.1 s in 4 KiB pages and 2.1–2.4 s in 2 MiB pages, while
/// memory touched before is 0.04 s/GiB either way. So the runtime's heap, where a city-year's many
/// objects come and go, is advised into 2 MiB pages (fewer faults, fewer TLB misses for the engine),
/// and the settlement columns, written once front to back by every core, are kept in 4 KiB pages.
/// </remarks>
public static partial class HugePages
{
    private const int MadviseHugePage = 14;
    private const int MadviseNoHugePage = 15;
    private const int MadvisePopulateWrite = 23;
    private const long HugePage = 2 << 20;
    private const long SmallPage = 4096;
    private const nuint PopulateStep = 4 << 20;

    /// <summary>
    /// Whether <see cref="FaultIn"/> takes pages from the kernel at once. Off with GONGJI_PREFAULT=0: on a
    /// host that is sometimes slow to hand memory back (see README, "Measured") the taking is where that
    /// slowness lands, and a county may rather have the pages come as they are written.
    /// </summary>
    public static bool TakePagesAtOnce { get; } = Environment.GetEnvironmentVariable("GONGJI_PREFAULT") != "0";

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>
    /// For a batch run: the runtime's own reservations (the garbage collector reserves its heap as large
    /// anonymous mappings up front) in 2 MiB pages. Measured on a city-year (1,000,000 people, run from
    /// files): 26.0 → 23.8–25.1 s. Off with GONGJI_HUGE_PAGES=0.
    /// </summary>
    public static void AdviseRuntimeHeap()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("GONGJI_HUGE_PAGES") == "0" || !File.Exists("/proc/self/maps"))
        {
            return;
        }
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode [path]: anonymous mappings have no path.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5)
            {
                continue;
            }
            var range = fields[0].Split('-');
            if (range.Length == 2 && long.TryParse(range[0], System.Globalization.NumberStyles.HexNumber, null, out var from)
                && long.TryParse(range[1], System.Globalization.NumberStyles.HexNumber, null, out var to) && to - from >= (1L << 30))
            {
                _ = Madvise((nint)from, (nuint)(to - from), MadviseHugePage);
            }
        }
    }

    /// <summary>
    /// A large array filled once front to back (the settlement columns) kept in 4 KiB pages, out of the
    /// runtime heap's advice: reading a city-year's settlements 4.1–4.8 s against 5.1–5.6 s, and
    /// 1–1.5 s less of the kernel's time (see the remarks).
    /// </summary>
    public static void KeepSmallPages(Array array)
    {
        // The huge pages wholly inside the array.
        if (Inside(array, HugePage) is var (from, length) && length > 0)
        {
            _ = Madvise(from, length, MadviseNoHugePage);
        }
    }

    /// <summary>
    /// Takes the pages of a fresh large array from the kernel now, 4 MiB a call (MADV_POPULATE_WRITE,
    /// Linux 5.14), rather than a fault a page where it is first written. Measured here: 0.3 s/GiB
    /// so against 0.4 s/GiB touched page by page, and ~1.4 s/GiB when the cores of a parallel
    /// fill fault at once.
    /// </summary>
    public static void FaultIn(Array array)
    {
        if (TakePagesAtOnce && Inside(array, SmallPage) is var (from, length) && length > 0)
        {
            // In steps of 4 MiB: the kernel holds the process's memory map (mmap_lock) through a call, and
            // the collector, committing heap on other threads, waits for it. (Steps alone did not stop the
            // registry's slow runs when the room was made beside its files; see SettlementFileReader.Room.)
            for (nuint done = 0; done < length; done += PopulateStep)
            {
                if (Madvise(from + (nint)done, Math.Min(PopulateStep, length - done), MadvisePopulateWrite) != 0)
                {
                    return; // refused (before Linux 5.14): the pages come as they are written
                }
            }
        }
    }

    /// <summary>
    /// A new array in 4 KiB pages taken from the kernel at once (<see cref="KeepSmallPages"/>, <see cref="FaultIn"/>),
    /// for one a parallel step fills at random places: the duplicate check's 190 MB of a city-year took
    /// 0.43 s of the cores' time in 2 MiB page faults (perf); the check 0.2–0.3 s so, against 0.3–0.5 s.
    /// </summary>
    public static T[] NewInSmallPages<T>(int length)
        where T : unmanaged
    {
        var array = new T[length];
        KeepSmallPages(array);
        FaultIn(array);
        return array;
    }

    /// <summary>The whole pages of <paramref name="pageSize"/> inside a large array's data, on Linux (arrays of primitives and enums only: advice on others is left out).</summary>
    private static unsafe (nint From, nuint Length)? Inside(Array array, long pageSize)
    {
        if (!OperatingSystem.IsLinux() || array.GetType().GetElementType() is not { } element || !(element.IsPrimitive || element.IsEnum))
        {
            return null;
        }
        var bytes = (long)Buffer.ByteLength(array);
        if (bytes < 2 * pageSize)
        {
            return null;
        }
        // Large arrays live on the large object heap, which is not compacted: the address stays.
        var start = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var from = (start + pageSize - 1) & ~(pageSize - 1);
        var to = (start + bytes) & ~(pageSize - 1);
        return to > from ? ((nint)from, (nuint)(to - from)) : ((nint)from, 0);
    }
}
