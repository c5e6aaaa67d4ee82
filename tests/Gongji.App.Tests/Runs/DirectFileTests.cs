using Gongji.Runs;

namespace Gongji.App.Tests.Runs;

public class DirectFileTests
{
    /// <summary>
    /// Every length around the block size and the buffer size, written in pieces of odd sizes: the file
    /// holds exactly the bytes written (the padding of the last block cut off), direct or not.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData((4 << 20) - 1)]
    [InlineData(4 << 20)]
    [InlineData((4 << 20) + 1)]
    [InlineData((9 << 20) + 4321)]
    public void The_file_holds_exactly_the_bytes_written(int length)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gongji-direct-{Guid.NewGuid():N}.csv");
        try
        {
            var bytes = new byte[length];
            new Random(length).NextBytes(bytes);
            bool direct;
            using (var file = new DirectFile(path))
            {
                direct = file.IsDirect;
                var random = new Random(7);
                for (var at = 0; at < length;)
                {
                    // Pieces from a byte to more than a buffer, as the result writers hand them over.
                    var piece = Math.Min(length - at, random.Next(3) switch { 0 => 1, 1 => random.Next(1, 70_000), _ => random.Next(1, 5 << 20) });
                    file.Write(bytes, at, piece);
                    at += piece;
                }
                Assert.Equal(length, file.Length);
            }
            Assert.Equal(bytes, File.ReadAllBytes(path));
            if (Environment.GetEnvironmentVariable("GONGJI_DIRECT_IO") != "0" && FileSystemOf(path) is "ext4" or "xfs" or "btrfs")
            {
                // Where the file system takes direct writes, they are direct (not quietly the ordinary way).
                Assert.True(direct);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The type of the file system holding <paramref name="path"/>, from /proc/mounts (null elsewhere).</summary>
    private static string? FileSystemOf(string path)
    {
        if (!File.Exists("/proc/mounts"))
        {
            return null;
        }
        var full = Path.GetFullPath(path);
        return File.ReadLines("/proc/mounts")
            .Select(line => line.Split(' '))
            .Where(f => f.Length > 2 && (full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal) || f[1] == "/"))
            .OrderByDescending(f => f[1].Length)
            .Select(f => f[2])
            .FirstOrDefault();
    }

    [Fact]
    public void A_file_written_again_is_replaced_whole()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gongji-direct-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllBytes(path, new byte[100_000]);
            using (var file = new DirectFile(path))
            {
                file.Write("short"u8);
            }
            Assert.Equal("short"u8.ToArray(), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
