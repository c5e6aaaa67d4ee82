namespace Gongji.Loading;

/// <summary>
/// Dates and times written as UTF-8 the way the invariant culture formats them with "yyyy-MM-dd" and
/// "yyyy-MM-dd HH:mm:ss[.FFFFFFF]", digit by digit: a load writes three of them a row for its
/// fingerprint and again for SQLite, and the general formatter parses its format string every time.
/// Tests hold them to <see cref="DateTime.TryFormat(Span{byte}, out int, ReadOnlySpan{char}, IFormatProvider?)"/>.
/// </summary>
public static class IsoText
{
    public const int DateLength = 10;
    public const int TimestampLength = 19;

    /// <summary>The longest a time with its fraction can be: "yyyy-MM-dd HH:mm:ss.FFFFFFF".</summary>
    public const int MaxLength = 27;

    /// <summary>yyyy-MM-dd.</summary>
    public static int WriteDate(Span<byte> to, DateOnly date)
    {
        var (year, month, day) = date;
        Digits(to, year, 4);
        to[4] = (byte)'-';
        Digits(to[5..], month, 2);
        to[7] = (byte)'-';
        Digits(to[8..], day, 2);
        return DateLength;
    }

    /// <summary>yyyy-MM-dd HH:mm:ss, and with <paramref name="fraction"/> .FFFFFFF: the ticks below a second, trailing zeros and a bare point left out.</summary>
    public static int WriteTimestamp(Span<byte> to, DateTime time, bool fraction)
    {
        WriteDate(to, DateOnly.FromDateTime(time));
        var ofDay = time.Ticks % TimeSpan.TicksPerDay;
        var seconds = (int)(ofDay / TimeSpan.TicksPerSecond);
        to[10] = (byte)' ';
        Digits(to[11..], seconds / 3600, 2);
        to[13] = (byte)':';
        Digits(to[14..], seconds / 60 % 60, 2);
        to[16] = (byte)':';
        Digits(to[17..], seconds % 60, 2);
        var length = TimestampLength;
        var below = (int)(ofDay % TimeSpan.TicksPerSecond);
        if (fraction && below != 0)
        {
            var places = 7;
            while (below % 10 == 0)
            {
                below /= 10;
                places--;
            }
            to[length++] = (byte)'.';
            Digits(to[length..], below, places);
            length += places;
        }
        return length;
    }

    /// <summary><paramref name="value"/> in exactly <paramref name="count"/> digits, zeros in front.</summary>
    private static void Digits(Span<byte> to, int value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            to[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
