namespace Gongji.Loading;

/// <summary>居民身份证号码 (GB 11643-1999).</summary>
public static class CertNumbers
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckChars = "10X98765432";

    public static char CheckDigit(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }
        return CheckChars[sum % 11];
    }

    /// <summary>
    /// Whether UTF-8 bytes are already a normalised 18-character number (17 digits, then a digit or
    /// an upper-case X, the check digit right): what <see cref="Normalise"/> would return unchanged.
    /// </summary>
    public static bool IsNormalised(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length != 18 || utf8[..17].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }
        Span<char> first17 = stackalloc char[17];
        System.Text.Ascii.ToUtf16(utf8[..17], first17, out _);
        return utf8[17] == CheckDigit(first17);
    }

    /// <summary>
    /// An 18-digit number with a valid check digit, a 15-digit one upgraded to 18 (century 19 inserted
    /// after the address, check digit added), or the reason it is refused.
    /// </summary>
    public static (string? Normalised, string? Error) Normalise(string certno)
    {
        var value = certno.Trim().ToUpperInvariant();
        if (value.Length == 15 && value.All(char.IsAsciiDigit))
        {
            var first17 = string.Concat(value.AsSpan(0, 6), "19", value.AsSpan(6));
            return (first17 + CheckDigit(first17), null);
        }
        if (value.Length != 18 || !value.AsSpan(0, 17).ContainsOnlyAsciiDigits() || !(char.IsAsciiDigit(value[17]) || value[17] == 'X'))
        {
            return (null, "a resident ID number has 18 characters (17 digits and a digit or X) or 15 digits");
        }
        var expected = CheckDigit(value.AsSpan(0, 17));
        return expected == value[17] ? (value, null) : (null, $"check digit is {value[17]}, GB 11643 gives {expected}");
    }

    private static bool ContainsOnlyAsciiDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>330108********1234: the region and the last four, as every list and export shows it (data.md).</summary>
    public static string Mask(string? certno) =>
        string.IsNullOrEmpty(certno) ? "" : certno.Length <= 10 ? new string('*', certno.Length) : string.Concat(certno.AsSpan(0, 6), new string('*', certno.Length - 10), certno.AsSpan(certno.Length - 4));

    /// <summary>张*: the family name only.</summary>
    public static string MaskName(string? name) =>
        string.IsNullOrEmpty(name) ? "" : name.Length == 1 ? "*" : string.Concat(name.AsSpan(0, 1), new string('*', name.Length - 1));
}
