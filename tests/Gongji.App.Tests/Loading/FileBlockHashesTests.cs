using System.IO.Hashing;
using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class FileBlockHashesTests
{
    /// <summary>Lines of random printable text (a seeded source), cut at <paramref name="length"/> bytes.</summary>
    private static string TextFile(long length, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("setl_id,psn_no\n");
        while (text.Length < length)
        {
            text.Append(new string((char)random.Next('a', 'z' + 1), random.Next(1, 300))).Append(',').Append(random.Next()).Append('\n');
        }
        var path = Path.Combine(Path.GetTempPath(), $"gongji-blocks-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString(0, (int)length));
        return path;
    }

    [Theory]
    [InlineData(100)] // less than a block
    [InlineData(2 * FileBlockHashes.BlockBytes)] // blocks exactly
    [InlineData((2 * FileBlockHashes.BlockBytes) + 1000)] // a short last block
    public void Parts_hashed_on_their_own_give_the_hashes_of_one_read(long length)
    {
        var path = TextFile(length, (int)length);
        var bytes = File.ReadAllBytes(path);
        var whole = FileBlockHashes.Read(path);
        // Each block hashed by itself, as a reader with no parts would.
        var expected = Enumerable.Range(0, (int)((length + FileBlockHashes.BlockBytes - 1) / FileBlockHashes.BlockBytes))
            .Select(b => XxHash128.HashToUInt128(bytes.AsSpan(b * FileBlockHashes.BlockBytes, (int)Math.Min(FileBlockHashes.BlockBytes, length - (b * (long)FileBlockHashes.BlockBytes)))))
            .ToList();
        Assert.Equal(expected, whole.Hashes);
        // Cut at line ends into parts smaller and larger than a block, each part's last block read past its end.
        foreach (var parts in new[] { 1, 2, 3, 7 })
        {
            var layout = SettlementFileReader.Measure(path, parts, hash: true);
            Assert.Equal(expected, layout.BlockHashes!.Hashes);
            Assert.Equal(bytes.Count(b => b == '\n') + (bytes[^1] == '\n' ? 0 : 1) - 1, layout.Lines.Sum()); // the lines counted as before
        }
        Assert.Null(SettlementFileReader.Measure(path).BlockHashes); // only when asked
    }

    [Fact]
    public void A_file_cut_short_while_a_part_is_read_is_refused()
    {
        var path = TextFile(FileBlockHashes.BlockBytes + 500, 1);
        var blocks = new FileBlockHashes(path, FileBlockHashes.BlockBytes + 500);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength(100); // cut after the part was measured
        var part = blocks.Part(0, 50);
        var buffer = new byte[50];
        stream.ReadExactly(buffer);
        part.Append(buffer);
        var e = Assert.Throws<IOException>(() => part.Finish(stream));
        Assert.Contains("shorter", e.Message, StringComparison.Ordinal);
    }
}
