using System.Security.Cryptography;
using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class RowBatchTests
{
    /// <summary>The fingerprint as first written (text built as a string from boxed values): stored hashes must not change.</summary>
    internal static string AsFirstWritten(object?[] values)
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

    private static readonly Column[] EveryType =
        [new("t", ColumnType.Text), new("f", ColumnType.Fen), new("d", ColumnType.Date), new("s", ColumnType.Timestamp), new("b", ColumnType.Bool), new("i", ColumnType.Int)];

    [Fact]
    public void The_fingerprint_of_a_row_is_the_one_stored_before_and_its_values_read_back_as_given()
    {
        var random = new Random(7);
        var rows = new List<object?[]>
        {
            new object?[] { null, null, null, null, null, null },
            new object?[] { "", -1234567L, new DateOnly(2024, 2, 29), new DateTime(2024, 12, 27, 10, 21, 56), true, 42 },
            new object?[] { "滨江区人民医院", 0L, DateOnly.MaxValue, DateTime.MinValue, false, int.MinValue },
            new object?[] { new string('长', 5000), long.MaxValue, DateOnly.MinValue, new DateTime(2024, 3, 5, 10, 21, 56, 789), false, 0 },
            new object?[] { "a,b\"c\r\n\u2400\u241F", long.MinValue, new DateOnly(1, 1, 1), DateTime.MaxValue.AddTicks(-DateTime.MaxValue.Ticks % TimeSpan.TicksPerSecond), true, -1 },
        };
        for (var i = 0; i < 3000; i++)
        {
            rows.Add([random.Next(5) == 0 ? null : $"S{random.Next()}", random.Next(2) == 0 ? null : (long)random.Next(-100000, 100000),
                new DateOnly(2000 + random.Next(30), 1 + random.Next(12), 1 + random.Next(28)), new DateTime(2024, 1, 1).AddSeconds(random.Next()), random.Next(2) == 0, random.Next()]);
        }
        // Small batches, filled again and again: what a batch held before must not leak into the next rows.
        var batch = new RowBatch(EveryType, 7);
        var checkedRows = 0;
        foreach (var chunk in rows.Chunk(7))
        {
            batch.Clear();
            foreach (var row in chunk)
            {
                batch.Add(row);
            }
            for (var r = 0; r < chunk.Length; r++)
            {
                Assert.Equal(AsFirstWritten(chunk[r]), Encoding.ASCII.GetString(batch.Hash(r)));
                Assert.Equal(chunk[r], Enumerable.Range(0, EveryType.Length).Select(c => batch.Value(r, c)));
                checkedRows++;
            }
        }
        Assert.Equal(rows.Count, checkedRows);
    }

    [Fact]
    public void A_row_with_a_value_missing_or_one_too_many_is_refused()
    {
        var batch = new RowBatch(EveryType, 4);
        batch.Text("x");
        Assert.Throws<InvalidOperationException>(batch.EndRow);
        batch.AbandonRow();
        batch.Add(["x", 1L, null, null, true, 3]);
        Assert.Equal(1, batch.Count);
        Assert.Throws<ArgumentException>(() => new RowBatch(Enumerable.Range(0, 65).Select(i => new Column($"c{i}", ColumnType.Int)).ToArray(), 1));
    }

    [Fact]
    public void Every_kind_of_demo_file_fingerprints_its_rows_as_before()
    {
        var folder = DemoData.Write("330108", 400, 2024);
        try
        {
            foreach (var path in Loader.OrderForLoading(Directory.GetFiles(folder, "*.csv")))
            {
                var lines = File.ReadAllLines(path);
                var header = lines[0].Split(',');
                var kind = FileKind.Detect(path, header)!;
                var reader = new RowReader(header, kind.Aliases, false);
                var context = new LoadContext
                {
                    KnownPersons = new HashSet<string>(File.ReadLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(',')[0]), StringComparer.Ordinal),
                    PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
                    IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
                    KnownCounties = [],
                };
                var batch = new RowBatch(kind.Columns, lines.Length);
                var parsed = new List<object?[]>();
                for (var i = 1; i < lines.Length; i++)
                {
                    reader.Next(i + 1, lines[i].Split(','));
                    var values = kind.Parse(reader, context)!;
                    parsed.Add(values);
                    batch.Add(values);
                }
                Assert.NotEmpty(parsed);
                for (var r = 0; r < parsed.Count; r++)
                {
                    Assert.Equal(AsFirstWritten(parsed[r]), Encoding.ASCII.GetString(batch.Hash(r)));
                    Assert.Equal(parsed[r], Enumerable.Range(0, kind.Columns.Count).Select(c => batch.Value(r, c)));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
