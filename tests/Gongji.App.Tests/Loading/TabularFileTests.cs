using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class TabularFileTests
{
    [Theory]
    [InlineData("\n", true)]
    [InlineData("\r\n", false)]
    public void Plain_lines_are_the_files_lines_with_their_row_numbers(string lineEnd, bool lastLineEnded)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gongji-plain-{Guid.NewGuid():N}.csv");
        try
        {
            var text = new StringBuilder("psn_no,name,note" + lineEnd);
            var random = new Random(11);
            // More than one 4 MiB block, lines of many lengths (one longer than a block), Chinese text cut anywhere.
            // (The CSV reader itself refuses a record that long: the lines are checked against the text.)
            for (var i = 0; i < 60_000; i++)
            {
                text.Append("P").Append(i).Append(',').Append(new string('张', random.Next(0, 40))).Append(',').Append(i == 30_000 ? new string('x', 5 << 20) : "n" + i);
                if (i < 59_999 || lastLineEnded)
                {
                    text.Append(lineEnd);
                }
            }
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
            var file = TabularFile.Open(path);
            var lines = text.ToString().Split(lineEnd);
            var expected = lines.Skip(1).Take(60_000).Select((line, i) => $"{i + 2}:{line.Replace(',', '|')}").ToList();
            var parts = file.Parts(3, 0)!;
            Assert.Equal(3, parts.Count);
            var actual = new List<string>();
            foreach (var (from, to, firstRow) in parts)
            {
                file.PlainLines(from, to, firstRow, (row, buffer, start, length) =>
                    actual.Add($"{row}:{Encoding.UTF8.GetString(buffer, start, length).Replace(',', '|')}"));
            }
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Plain_lines_are_the_rows_the_csv_reader_gives()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gongji-plain-{Guid.NewGuid():N}.csv");
        try
        {
            var text = new StringBuilder("a,b,c\n");
            for (var i = 0; i < 20_000; i++)
            {
                text.Append(i).Append(",张").Append(i % 7 == 0 ? "" : ",x").Append(i % 5 == 0 ? ",y,z" : "").Append(i % 3 == 0 ? "\r\n" : "\n");
            }
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
            var file = TabularFile.Open(path);
            var expected = file.Rows(_ => { }).Select(r => $"{r.Row}:{string.Join("|", r.Cells)}").ToList();
            var actual = new List<string>();
            foreach (var (from, to, firstRow) in file.Parts(2, 0)!)
            {
                file.PlainLines(from, to, firstRow, (row, buffer, start, length) =>
                {
                    var cells = Encoding.UTF8.GetString(buffer, start, length).Split(',');
                    actual.Add($"{row}:{string.Join("|", Enumerable.Range(0, 3).Select(i => i < cells.Length ? cells[i] : ""))}");
                });
            }
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,4\n", true)]
    [InlineData("a,b\r\n1,2\r\n3,4", true)]
    [InlineData("a,b\n1,\"2\"\n", false)]
    [InlineData("a,b\n1,2\n\n3,4\n", false)]
    [InlineData("a,b\r\n1,2\r\n\r\n3,4\r\n", false)]
    [InlineData("a,b\r1,2\r3,4", false)]
    [InlineData("\na,b\n1,2\n", false)]
    public void A_file_is_plain_without_quotes_lone_carriage_returns_or_empty_lines(string text, bool plain)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        // Fed whole, and cut after every byte (a line end or "\r\n" split between two reads).
        var whole = new PlainScan();
        whole.Feed(bytes);
        Assert.Equal(plain, whole.Plain);
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var parts = new PlainScan();
            parts.Feed(bytes.AsSpan(0, cut));
            parts.Feed(bytes.AsSpan(cut));
            Assert.Equal(plain, parts.Plain);
        }
    }
}
