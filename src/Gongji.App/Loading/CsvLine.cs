using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Gongji.Loading;

/// <summary>One CSV line as byte ranges of its cells (RFC 4180 quoting within the line).</summary>
public static class CsvLine
{
    /// <summary>
    /// The cells of <paramref name="line"/> into <paramref name="cells"/> (at most its length), the
    /// number written, or -1 when a quoted field runs past the line's end.
    /// </summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> cells)
    {
        if (line.Contains((byte)'"'))
        {
            return SplitQuoted(line, cells);
        }
        // No quotes (nearly every line): the commas of 32 bytes at a time as a bit mask.
        var count = 0;
        var start = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(line);
            var comma = Vector256.Create((byte)',');
            for (; i + 32 <= line.Length; i += 32)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i), comma).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(mask);
                    if (count < cells.Length)
                    {
                        cells[count] = new Range(start, at);
                    }
                    count++;
                    start = at + 1;
                    mask &= mask - 1;
                }
            }
        }
        for (; i < line.Length; i++)
        {
            if (line[i] == ',')
            {
                if (count < cells.Length)
                {
                    cells[count] = new Range(start, i);
                }
                count++;
                start = i + 1;
            }
        }
        if (count < cells.Length)
        {
            cells[count] = new Range(start, line.Length);
        }
        return Math.Min(count + 1, cells.Length);
    }

    public static int SplitQuoted(ReadOnlySpan<byte> line, Span<Range> cells)
    {
        var count = 0;
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var b = line[i];
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (b == ',' && !quoted)
            {
                if (count < cells.Length)
                {
                    cells[count] = new Range(start, i);
                }
                count++;
                start = i + 1;
            }
        }
        if (quoted)
        {
            return -1;
        }
        if (count < cells.Length)
        {
            cells[count] = new Range(start, line.Length);
        }
        return Math.Min(count + 1, cells.Length);
    }
}
