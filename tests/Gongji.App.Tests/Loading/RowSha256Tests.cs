using System.Security.Cryptography;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class RowSha256Tests
{
    [Fact]
    public void Both_ways_give_sha256_for_every_length_around_the_block_size()
    {
        // On this Linux the fast way must be the one taken, or the comparison below tests the fallback only.
        Assert.Equal(OperatingSystem.IsLinux(), RowSha256.IsNative);
        var random = new Random(5);
        Span<byte> expected = stackalloc byte[32], native = stackalloc byte[32], dotNet = stackalloc byte[32];
        for (var length = 0; length < 1100; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            SHA256.HashData(data, expected);
            RowSha256.Hash(data, native);
            RowSha256.HashThroughDotNet(data, dotNet);
            Assert.True(expected.SequenceEqual(native), $"length {length}");
            Assert.True(expected.SequenceEqual(dotNet), $"length {length}");
        }
    }
}
