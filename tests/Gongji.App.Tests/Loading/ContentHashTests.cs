using System.Security.Cryptography;
using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class ContentHashTests
{
    /// <summary>The fingerprint as first written (text built as a string): stored hashes must not change.</summary>
    private static string AsFirstWritten(object?[] values)
    {
        var sb = new StringBuilder(256);
        foreach (var v in values)
        {
            sb.Append(v switch
            {
                null => "\u2400",
                DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                bool b => b ? "1" : "0",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => v.ToString(),
            }).Append('\u241F');
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    [Fact]
    public void The_fingerprint_of_a_row_is_the_one_stored_before()
    {
        var random = new Random(7);
        var rows = new List<object?[]>();
        rows.Add([]);
        rows.Add([null, "", "滨江区人民医院", new DateOnly(2024, 2, 29), new DateTime(2024, 12, 27, 10, 21, 56), true, false, 0L, -1234567L, 42, 12.50m, -0.01m]);
        rows.Add([new string('长', 5000), long.MaxValue, long.MinValue, DateTime.MinValue, DateOnly.MaxValue, "a,b\"c\r\n"]);
        for (var i = 0; i < 200; i++)
        {
            rows.Add([$"S{random.Next()}", random.Next(2) == 0 ? null : (long)random.Next(-100000, 100000), new DateOnly(2000 + random.Next(30), 1 + random.Next(12), 1 + random.Next(28)),
                new DateTime(2024, 1, 1).AddSeconds(random.Next()), random.Next(2) == 0, (decimal)random.Next() / 100]);
        }
        foreach (var row in rows)
        {
            Assert.Equal(AsFirstWritten(row), TableWriter.ContentHash(row));
        }
    }
}
