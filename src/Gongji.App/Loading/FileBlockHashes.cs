using System.Buffers;
using System.IO.Hashing;

namespace Gongji.Loading;

/// <summary>
/// A file's bytes hashed by blocks of <see cref="BlockBytes"/> at fixed offsets (XxHash128 each). Fixed
/// blocks rather than one stream, so a file cut into parts at line ends and read on several cores (the
/// settlements file, while its lines are counted) gives the hashes one reader gives, whatever the cores.
/// </summary>
public sealed class FileBlockHashes
{
    public const int BlockBytes = 4 << 20;

    private readonly UInt128[] _hashes;

    public FileBlockHashes(string path, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        (Path, Length) = (path, length);
        _hashes = new UInt128[(length + BlockBytes - 1) / BlockBytes];
    }

    public string Path { get; }
    public long Length { get; }

    /// <summary>The blocks' hashes in file order (complete once every part is).</summary>
    public IReadOnlyList<UInt128> Hashes => _hashes;

    /// <summary>The hashes of the whole file, read from start to end.</summary>
    public static FileBlockHashes Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var blocks = new FileBlockHashes(path, stream.Length);
        var part = blocks.Part(0, blocks.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                part.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        part.Finish(stream);
        return blocks;
    }

    /// <summary>
    /// The hasher of a part [<paramref name="from"/>, <paramref name="to"/>): it hashes the blocks that begin
    /// in it, whole, so it is given the part's bytes in order and then reads the rest of its last block
    /// (<see cref="PartHasher.Finish"/>). The bytes before its first block are the part before's.
    /// </summary>
    public PartHasher Part(long from, long to) => new(this, from, to);

    public sealed class PartHasher
    {
        private readonly FileBlockHashes _file;
        private readonly long _to;
        private readonly XxHash128 _block = new();
        private long _at;
        private long _blockIndex = -1;

        internal PartHasher(FileBlockHashes file, long from, long to) => (_file, _at, _to) = (file, from, to);

        /// <summary>The next bytes of the part (and, from <see cref="Finish"/>, past its end).</summary>
        public void Append(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty && _at < _file.Length)
            {
                var inBlock = (int)(_at % BlockBytes);
                if (inBlock == 0)
                {
                    if (_at >= _to)
                    {
                        return; // the next part's block
                    }
                    _blockIndex = _at / BlockBytes;
                    _block.Reset();
                }
                var take = (int)Math.Min(bytes.Length, Math.Min(BlockBytes - inBlock, _file.Length - _at));
                if (_blockIndex >= 0)
                {
                    _block.Append(bytes[..take]);
                }
                _at += take;
                bytes = bytes[take..];
                if (_blockIndex >= 0 && (_at % BlockBytes == 0 || _at == _file.Length))
                {
                    _file._hashes[_blockIndex] = _block.GetCurrentHashAsUInt128();
                    _blockIndex = -1;
                }
            }
        }

        /// <summary>Reads the rest of the part's last block from <paramref name="stream"/>, which stands where the part ends.</summary>
        public void Finish(Stream stream)
        {
            if (_blockIndex < 0)
            {
                return;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                while (_blockIndex >= 0)
                {
                    var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, ((_blockIndex + 1) * BlockBytes) - _at));
                    if (read == 0)
                    {
                        throw new IOException($"{_file.Path}: the file became shorter while it was read");
                    }
                    Append(buffer.AsSpan(0, read));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
