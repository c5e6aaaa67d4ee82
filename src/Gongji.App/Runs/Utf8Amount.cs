using System.Numerics;
using System.Runtime.CompilerServices;

namespace Gongji.Runs;

/// <summary>
/// Whole fen written as yuan with two decimals in UTF-8, as <see cref="Engine.Money.ToString"/> writes
/// it ("-12.30", "0.05"): the result files carry tens of millions of amounts, and the general
/// formatter measured a quarter of their writing. Tests hold it to <see cref="Engine.Money"/>.
/// </summary>
public static class Utf8Amount
{
    /// <summary>The longest amount: a sign, 18 digits of yuan, the point and two of fen.</summary>
    public const int MaxLength = 22;

    private static readonly ulong[] PowersOf10 =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    // "00" to "99": two digits a step.
    private static ReadOnlySpan<byte> Pairs => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>Writes <paramref name="fen"/> at the start of <paramref name="to"/> (at least <see cref="MaxLength"/> long) and returns how many bytes.</summary>
    public static int Write(Span<byte> to, long fen)
    {
        var at = 0;
        if (fen < 0)
        {
            to[at++] = (byte)'-';
        }
        var abs = fen < 0 ? (ulong)(-(fen + 1)) + 1 : (ulong)fen;
        var yuan = abs / 100;
        var cents = (int)(abs - yuan * 100);
        var digits = Digits(yuan);
        var end = at + digits;
        var i = end;
        while (yuan >= 100)
        {
            var rest = yuan / 100;
            var pair = (int)(yuan - rest * 100) * 2;
            to[--i] = Pairs[pair + 1];
            to[--i] = Pairs[pair];
            yuan = rest;
        }
        if (yuan >= 10)
        {
            to[--i] = Pairs[(int)yuan * 2 + 1];
            to[--i] = Pairs[(int)yuan * 2];
        }
        else
        {
            to[--i] = (byte)('0' + (int)yuan);
        }
        to[end] = (byte)'.';
        to[end + 1] = Pairs[cents * 2];
        to[end + 2] = Pairs[cents * 2 + 1];
        return end + 3;
    }

    /// <summary>Decimal digits of <paramref name="value"/> (1 for 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Digits(ulong value)
    {
        // log10 from log2 (1233/4096 ≈ log10 2), then one comparison to settle it.
        var guess = ((BitOperations.Log2(value | 1) + 1) * 1233) >> 12;
        return Math.Max(1, guess + 1 - (value < PowersOf10[guess] ? 1 : 0));
    }
}
