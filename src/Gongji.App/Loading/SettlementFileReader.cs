using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.IO.Hashing;
using System.Text;
using Gongji.Engine;
using Gongji.Engine.Model;

namespace Gongji.Loading;

/// <summary>
/// Reads a settlements file (data.md, SETL_D field names and aliases) straight into a
/// <see cref="SettlementTable"/>: bytes are split and parsed in place, money as whole fen, with the
/// same row checks as <c>gongji load</c> and no object per row. For files of tens of millions of rows.
/// </summary>
public sealed class SettlementFileReader
{
    private static readonly string[] Fields =
    [
        "setl_id", "psn_no", "setl_time", "med_type", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
        "hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "hifes_pay", "hifdm_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "psn_part_amt",
        "refd_setl_flag", "init_setl_id", "referral_compliant", "exclusion",
    ];

    private const int SetlId = 0, PsnNo = 1, SetlTime = 2, MedType = 3, Sum = 4, Fulamt = 5, Overlmt = 6, Preself = 7, Scope = 8,
        Hifp = 9, Hifmi = 10, Hifob = 11, Cvlserv = 12, Hifes = 13, Hifdm = 14, Maf = 15, Oth = 16, FundSum = 17, PsnPart = 18,
        Reversal = 19, Init = 20, Referral = 21, Exclusion = 22;

    private static readonly int[] Required = [SetlId, PsnNo, SetlTime, MedType, Sum, Fulamt, Overlmt, Preself, Hifp];
    /// <summary>
    /// psn_no in the file's bytes → the person's number in the table, without a string per row. Made by
    /// <see cref="Read(Layout, IReadOnlyCollection{string}, int, bool, bool, PersonKeys?)"/>, or beforehand
    /// beside other work and given to it.
    /// </summary>
    public sealed class PersonKeys
    {
        private readonly ulong[] _hashes;
        private readonly int[] _persons;
        private readonly byte[][] _bytes;
        private readonly int _mask;

        public PersonKeys(IReadOnlyCollection<string> persons, Encoding encoding)
        {
            Encoding = encoding;
            PsnNos = [.. persons];
            _bytes = PsnNos.Select(encoding.GetBytes).ToArray();
            var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, PsnNos.Count * 2));
            _hashes = new ulong[size];
            _persons = new int[size];
            _mask = size - 1;
            for (var p = 0; p < _bytes.Length; p++)
            {
                var hash = XxHash3.HashToUInt64(_bytes[p]) | 1;
                var i = (int)hash & _mask;
                while (_hashes[i] != 0)
                {
                    i = (i + 1) & _mask;
                }
                _hashes[i] = hash;
                _persons[i] = p;
            }
        }

        public List<string> PsnNos { get; }

        /// <summary>The encoding of the bytes looked up: a file in another one needs keys of its own.</summary>
        public Encoding Encoding { get; }

        public int Find(ReadOnlySpan<byte> psn)
        {
            var hash = XxHash3.HashToUInt64(psn) | 1;
            for (var i = (int)hash & _mask; _hashes[i] != 0; i = (i + 1) & _mask)
            {
                if (_hashes[i] == hash && psn.SequenceEqual(_bytes[_persons[i]]))
                {
                    return _persons[i];
                }
            }
            return -1;
        }
    }

    private static readonly int[] FundColumns = [Hifp, Hifmi, Hifob, Cvlserv, Hifes, Hifdm, Maf, Oth];
    private const int MaxListedErrors = 1000;

    private readonly Encoding _encoding;

    /// <summary>The file's encoding, as <see cref="TabularFile.DetectEncoding"/> decides it.</summary>
    public Encoding Encoding => _encoding;
    private readonly int[] _columnOf = new int[Fields.Length];
    private string[] _header = [];

    // For a plain row's one walk over its commas: cell k of the line is [_bounds[k] + 1, _bounds[k + 1]),
    // _bounds[0] being -1; the walk may write up to 32 slots past the last comma, and past those two slots
    // hold an empty cell, read for a field the file has no column of (_plainColumn: each field's column).
    private int[] _bounds = [];
    private readonly int[] _plainColumn = new int[Fields.Length];
    private bool _plainRows = true;

    // The year read, as ticks [start, end); TryTime refuses a time before 1900.
    private long _yearStart, _yearEnd;
    private static readonly long FirstTicks = new DateTime(1900, 1, 1).Ticks;

    // Per-row scratch, reused: a stackalloc would be zeroed again for each of millions of rows.
    private Range[] _cells = [];
    private readonly long[] _amounts = new long[Fields.Length];
    private readonly bool[] _given = new bool[Fields.Length];

    // What one part writes: rows at its own places of the shared table, setl_id bytes in its own segment
    // of the shared pool (from _poolStart up to _poolEnd), or in a pool of its own once the segment is full.
    private SettlementTable? _table;
    private int _rowBase;
    private int _written;
    private int[] _lineOf = [];
    private byte[] _pool = [];
    private int _poolStart;
    private int _poolLength;
    private int _poolEnd;
    private readonly List<KeyValuePair<int, string>> _inits = [];
    private PersonKeys? _persons;
    private byte[] _lastPsn = new byte[64];
    private int _lastPsnLength = -1;
    private int _lastPerson;
    private readonly List<(byte[] Bytes, short Index)> _medTypeCache = [];

    public List<RowError> Errors { get; } = [];

    /// <summary>Seconds per phase of the last read (lines, parse, join, duplicates).</summary>
    public Dictionary<string, double> Timings { get; } = [];
    public long ErrorCount { get; private set; }
    public long Rows { get; private set; }

    /// <summary>Rows taken straight from their bytes (<see cref="TryPlainRow"/>), kept or skipped; the rest went through the general row reader.</summary>
    public long PlainRows { get; private set; }

    private SettlementFileReader(Encoding encoding) => _encoding = encoding;

    /// <summary>
    /// A settlements file cut at line ends into parts, each part's lines counted, and its encoding found:
    /// all that <see cref="Read(Layout, IReadOnlyCollection{string}, int, bool, bool, PersonKeys?)"/> needs before a row
    /// is parsed. Made on its own (<see cref="Measure"/>), it can be made beside other work.
    /// </summary>
    public sealed class Layout
    {
        internal Layout(string path, long[] bounds, long[] lines, Encoding encoding, byte[] headerBytes, double seconds) =>
            (Path, Bounds, Lines, Encoding, HeaderBytes, Seconds) = (path, bounds, lines, encoding, headerBytes, seconds);

        private Room? _room;

        public string Path { get; }
        internal long[] Bounds { get; }
        internal long[] Lines { get; }
        public Encoding Encoding { get; }
        internal byte[] HeaderBytes { get; }

        /// <summary>How long the measuring took.</summary>
        public double Seconds { get; }

        /// <summary>The file's block hashes, when the measure was asked for them.</summary>
        public FileBlockHashes? BlockHashes { get; init; }

        /// <summary>Memory for the rows made with the measure, else made now; used by one read only.</summary>
        internal Room TakeRoom() => Interlocked.Exchange(ref _room, null) ?? new Room(Lines, faultIn: false);

        /// <summary>
        /// Makes the memory the rows will be read into now, its pages taken from the kernel (see <see cref="Room"/>):
        /// for a caller with a core to spare before the read.
        /// </summary>
        public void MakeRoom() => _room = new Room(Lines, faultIn: true);
    }

    /// <summary>
    /// What a read of a measured file writes into: the table's columns, each row's line, and the pool of
    /// setl_ids, a segment per part of 16 bytes a line (a part whose ids are longer moves to a pool of its own).
    /// </summary>
    internal sealed class Room
    {
        /// <param name="faultIn">
        /// Whether the pages are taken from the kernel now. A city-year's room is 1.2 GB, and on this
        /// workplace's virtual machine the first touch of a page is dear (see <see cref="HugePages"/>):
        /// taken by the parts as they write, page by page, `perf` put ~1.6 s of the cores' time on it.
        /// Of the ways measured in turn (README, "Measured"), taking them while the people are made (a
        /// core free) was the fastest: beside the registry's files 1 run in ~15 read them 2–6 s slower,
        /// and just before the parse the parse was no faster.
        /// </param>
        public Room(long[] lines, bool faultIn)
        {
            var rows = checked((int)lines.Sum());
            Table = SettlementTable.ForFill(Math.Max(rows, 16));
            LineOf = new int[rows];
            SegmentStart = new long[lines.Length + 1];
            for (var k = 0; k < lines.Length; k++)
            {
                SegmentStart[k + 1] = SegmentStart[k] + Math.Max(1024, lines[k] * 16);
            }
            Pool = SegmentStart[^1] <= Array.MaxLength ? new byte[SegmentStart[^1]] : null;
            Array[] all = Pool is null ? [.. Table.Columns, LineOf] : [.. Table.Columns, LineOf, Pool];
            foreach (var array in all)
            {
                HugePages.KeepSmallPages(array);
                if (faultIn)
                {
                    HugePages.FaultIn(array);
                }
            }
        }

        public SettlementTable Table { get; }
        public int[] LineOf { get; }

        /// <summary>The shared pool of setl_ids, or null when the segments do not fit in one array.</summary>
        public byte[]? Pool { get; }

        public long[] SegmentStart { get; }
    }

    /// <summary>
    /// Cuts the file into one part per core (or <paramref name="parts"/>) at line ends; one read of each part
    /// counts its lines and checks that it is UTF-8 (as TabularFile.DetectEncoding decides: a BOM, or valid
    /// UTF-8 throughout, else GB18030).
    /// </summary>
    /// <param name="hash">Whether the same reads also hash the file's blocks (<see cref="Layout.BlockHashes"/>), for a run's inputs fingerprint.</param>
    public static Layout Measure(string path, int? parts = null, bool hash = false)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long length;
        using (var file = File.OpenRead(path))
        {
            length = file.Length; // the file's, also through a symbolic link (FileInfo gives the link's)
        }
        var headerEnd = FirstLineEnd(path, 0);
        var partCount = Math.Max(1, parts ?? (length < (64 << 20) ? 1 : Environment.ProcessorCount));
        var bounds = new long[partCount + 1];
        bounds[0] = Math.Min(headerEnd + 1, length);
        bounds[partCount] = length;
        for (var k = 1; k < partCount; k++)
        {
            bounds[k] = Math.Max(bounds[k - 1], Math.Min(FirstLineEnd(path, bounds[0] + ((length - bounds[0]) * k / partCount)) + 1, length));
        }
        var lines = new long[partCount];
        var utf8 = new bool[partCount + 1];
        var blocks = hash ? new FileBlockHashes(path, length) : null;
        Parallel.For(0, partCount + 1, k =>
        {
            if (k == 0)
            {
                utf8[0] = CountLines(path, 0, bounds[0], blocks?.Part(0, bounds[0])).Utf8; // the header: checked, not counted
                return;
            }
            (lines[k - 1], utf8[k]) = CountLines(path, bounds[k - 1], bounds[k], blocks?.Part(bounds[k - 1], bounds[k]));
        });
        var headerBytes = ReadBytes(path, 0, (int)Math.Min(headerEnd, 1 << 20));
        var encoding = headerBytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? new UTF8Encoding(true)
            : utf8.All(valid => valid) ? new UTF8Encoding(false) : TabularFile.Gb18030;
        return new Layout(path, bounds, lines, encoding, headerBytes, watch.Elapsed.TotalSeconds) { BlockHashes = blocks };
    }

    /// <summary>
    /// Reads the rows of <paramref name="year"/> (and reversals of any year) of the persons in
    /// <paramref name="persons"/>; a row naming anyone else is skipped when <paramref name="othersAreErrors"/> is false.
    /// The file is cut at line ends into one part per core (or <paramref name="parts"/>); the lines of
    /// each part are counted first (<see cref="Measure"/>), so every part writes its rows straight into one
    /// table, in file order. A row in its common form is taken straight from its bytes; <paramref name="plainRows"/>
    /// false sends every row through the general row reader instead (tests hold the two to each other).
    /// </summary>
    public static (SettlementTable Table, SettlementFileReader Reader) Read(string path, IReadOnlyCollection<string> persons, int year, bool othersAreErrors = false, int? parts = null, bool plainRows = true) =>
        Read(Measure(path, parts), persons, year, othersAreErrors, plainRows);

    /// <summary>
    /// Reads the rows of a file already measured (see the overload by path); <paramref name="keys"/>, when
    /// given, are the keys of <paramref name="persons"/>, used if they are in the file's encoding.
    /// </summary>
    public static (SettlementTable Table, SettlementFileReader Reader) Read(Layout layout, IReadOnlyCollection<string> persons, int year, bool othersAreErrors = false, bool plainRows = true, PersonKeys? keys = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (path, bounds, lines, encoding) = (layout.Path, layout.Bounds, layout.Lines, layout.Encoding);
        var partCount = lines.Length;
        var result = new SettlementFileReader(encoding) { _plainRows = plainRows };
        result.Timings["encoding and lines"] = layout.Seconds;
        result.ReadHeader(layout.HeaderBytes);
        var rowBase = new int[partCount + 1];
        var firstLine = new long[partCount];
        var linesBefore = 1L; // the header
        for (var k = 0; k < partCount; k++)
        {
            rowBase[k + 1] = checked(rowBase[k] + (int)lines[k]);
            firstLine[k] = linesBefore;
            linesBefore += lines[k];
        }
        keys = keys is not null && keys.Encoding.CodePage == encoding.CodePage && keys.PsnNos.Count == persons.Count ? keys : new PersonKeys(persons, encoding);
        // The setl_ids go into one shared pool: it is then the table's as it stands, not copied once more.
        var room = layout.TakeRoom();
        var (table, lineOf, shared, segmentStart) = (room.Table, room.LineOf, room.Pool, room.SegmentStart);
        table.NumberPersons(keys.PsnNos);
        result.Timings["people's keys"] = watch.Elapsed.TotalSeconds;
        watch.Restart();

        var readers = new SettlementFileReader[partCount];
        Parallel.For(0, partCount, k =>
        {
            var reader = new SettlementFileReader(encoding);
            reader.UseHeaderOf(result);
            reader._table = table;
            reader._rowBase = rowBase[k];
            reader._lineOf = lineOf;
            reader._persons = keys;
            if (shared is not null)
            {
                (reader._pool, reader._poolStart, reader._poolEnd) = (shared, (int)segmentStart[k], (int)segmentStart[k + 1]);
                reader._poolLength = reader._poolStart;
            }
            reader.ReadRange(path, bounds[k], bounds[k + 1], firstLine[k], year, othersAreErrors);
            readers[k] = reader;
        });
        result.Timings["parse"] = watch.Elapsed.TotalSeconds;
        watch.Restart();

        // Join: each part's rows moved down to close the gaps of the lines it skipped; the setl_ids stay
        // where they are unless a part had to take a pool of its own, then all go into one new pool.
        var pool = readers.All(r => ReferenceEquals(r._pool, shared))
            ? shared!
            : new byte[readers.Sum(r => (long)r._poolLength - r._poolStart)];
        var count = 0;
        var poolLength = 0;
        var inits = new List<KeyValuePair<int, string>>();
        foreach (var (reader, k) in readers.Select((r, k) => (r, k)))
        {
            var copied = !ReferenceEquals(pool, reader._pool);
            table.MoveRows(rowBase[k], count, reader._written, copied ? poolLength - reader._poolStart : 0);
            Array.Copy(lineOf, rowBase[k], lineOf, count, reader._written);
            if (copied)
            {
                Array.Copy(reader._pool, reader._poolStart, pool, poolLength, reader._poolLength - reader._poolStart);
                poolLength += reader._poolLength - reader._poolStart;
            }
            else
            {
                poolLength = reader._poolLength;
            }
            inits.AddRange(reader._inits.Select(i => KeyValuePair.Create(i.Key - rowBase[k] + count, i.Value)));
            count += reader._written;
            result.Absorb(reader);
        }
        table.Seal(count, pool, poolLength, inits);
        result.Timings["join"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        result.CheckDuplicates(table, lineOf);
        result.Timings["duplicates"] = watch.Elapsed.TotalSeconds;
        return (table, result);
    }

    /// <summary>Room for <paramref name="more"/> bytes of setl_id: a pool of this part's own, its rows so far re-based onto it.</summary>
    private void GrowPool(int more)
    {
        var used = _poolLength - _poolStart;
        var own = new byte[Math.Max(Math.Max(1024, (long)(_poolEnd - _poolStart) * 2), (long)used + more)];
        Array.Copy(_pool, _poolStart, own, 0, used);
        if (_poolStart != 0)
        {
            var starts = _table!.IdStart.AsSpan(_rowBase, _written);
            for (var i = 0; i < starts.Length; i++)
            {
                starts[i] -= _poolStart;
            }
        }
        (_pool, _poolStart, _poolLength, _poolEnd) = (own, 0, used, own.Length);
    }

    private void UseHeaderOf(SettlementFileReader header)
    {
        _header = header._header;
        Array.Copy(header._columnOf, _columnOf, _columnOf.Length);
        _cells = new Range[_header.Length + 1];
        _bounds = (int[])header._bounds.Clone();
        Array.Copy(header._plainColumn, _plainColumn, _plainColumn.Length);
        _plainRows = header._plainRows;
    }

    private void Absorb(SettlementFileReader part)
    {
        foreach (var e in part.Errors)
        {
            if (Errors.Count < MaxListedErrors)
            {
                Errors.Add(e);
            }
        }
        ErrorCount += part.ErrorCount;
        Rows += part.Rows;
        PlainRows += part.PlainRows;
    }

    private static long FirstLineEnd(string path, long from)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        stream.Position = from;
        var buffer = new byte[1 << 16];
        var position = from;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var nl = buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                return position + nl;
            }
            position += read;
        }
        return position;
    }

    /// <summary>
    /// The lines from <paramref name="from"/> to <paramref name="to"/> (one started at a line end: line ends,
    /// and one more for a last line without one), and whether their bytes are UTF-8; the same bytes go
    /// to <paramref name="hasher"/> when given, which then reads the rest of its last block.
    /// </summary>
    private static (long Lines, bool Utf8) CountLines(string path, long from, long to, FileBlockHashes.PartHasher? hasher = null)
    {
        if (to <= from)
        {
            return (0, true);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        stream.Position = from;
        var buffer = ArrayPool<byte>.Shared.Rent(4 << 20);
        try
        {
            long lines = 0;
            var remaining = to - from;
            byte last = (byte)'\n';
            var valid = true;
            var filled = 0; // bytes of a line cut by the last read, kept for the check
            while (remaining > 0)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, filled);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, remaining));
                if (read == 0)
                {
                    break;
                }
                var fresh = buffer.AsSpan(filled, read);
                hasher?.Append(fresh);
                lines += fresh.Count((byte)'\n');
                last = fresh[^1];
                remaining -= read;
                filled += read;
                if (!valid)
                {
                    filled = 0;
                    continue;
                }
                // Whole lines are checked (a line end is never inside a character); the rest waits for the next read.
                var whole = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                valid = System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, whole));
                Buffer.BlockCopy(buffer, whole, buffer, 0, filled - whole);
                filled -= whole;
            }
            valid = valid && System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, filled));
            hasher?.Finish(stream);
            return (lines + (last == '\n' ? 0 : 1), valid);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] ReadBytes(string path, long from, int count)
    {
        using var stream = File.OpenRead(path);
        stream.Position = from;
        var bytes = new byte[count];
        var total = 0;
        int read;
        while (total < count && (read = stream.Read(bytes, total, count - total)) > 0)
        {
            total += read;
        }
        return bytes[..total];
    }

    /// <summary>
    /// A setl_id that appears twice is an error. The rows are spread by the top bits of their id's
    /// hash into buckets small enough for the cache, each row's hash placed beside it so that a bucket
    /// is read front to back, and the buckets checked in parallel; the bytes are compared only on a hash match.
    /// </summary>
    private void CheckDuplicates(SettlementTable table, int[] lineOf)
    {
        const int Bits = 10;
        var n = table.Count;
        // 32 bits of hash a row (a full compare settles every match): the top bits pick the bucket, the low ones the slot.
        var hashes = HugePages.NewInSmallPages<uint>(n);
        // Hashed, counted by bucket and placed in row order per chunk of rows in parallel (a parallel radix pass).
        var chunk = Math.Max(1 << 16, n / 64 + 1);
        var chunks = (n + chunk - 1) / chunk;
        var chunkCounts = new int[chunks, 1 << Bits];
        Parallel.For(0, chunks, c =>
        {
            for (var row = c * chunk; row < Math.Min(n, (c + 1) * chunk); row++)
            {
                var hash = (uint)XxHash3.HashToUInt64(table.IdBytes(row)) | 1; // 0 marks an empty slot
                hashes[row] = hash;
                chunkCounts[c, (int)(hash >> (32 - Bits))]++;
            }
        });
        // Bucket b starts after every smaller bucket; within it, chunk c's rows after those of earlier chunks.
        var counts = new int[(1 << Bits) + 1];
        var chunkStart = new int[chunks, 1 << Bits];
        for (int b = 0, at = 0; b < 1 << Bits; b++)
        {
            counts[b] = at;
            for (var c = 0; c < chunks; c++)
            {
                chunkStart[c, b] = at;
                at += chunkCounts[c, b];
            }
            counts[b + 1] = at;
        }
        var placed = HugePages.NewInSmallPages<ulong>(n); // hash << 32 | row
        Parallel.For(0, chunks, c =>
        {
            var next = new int[1 << Bits];
            for (var b = 0; b < next.Length; b++)
            {
                next[b] = chunkStart[c, b];
            }
            for (var row = c * chunk; row < Math.Min(n, (c + 1) * chunk); row++)
            {
                var hash = hashes[row];
                placed[next[(int)(hash >> (32 - Bits))]++] = ((ulong)hash << 32) | (uint)row; // in row order within each bucket
            }
        });
        var found = new System.Collections.Concurrent.ConcurrentBag<(int Row, int First)>();
        Parallel.For(0, 1 << Bits, b =>
        {
            var start = counts[b];
            var size = counts[b + 1] - start;
            if (size < 2)
            {
                return;
            }
            var slots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(size * 2));
            var slotHash = ArrayPool<uint>.Shared.Rent(slots);
            var slotRow = ArrayPool<int>.Shared.Rent(slots);
            try
            {
                Array.Clear(slotHash, 0, slots);
                var mask = slots - 1;
                for (var k = start; k < start + size; k++)
                {
                    var row = (int)(uint)placed[k];
                    var hash = (uint)(placed[k] >> 32);
                    var i = (int)hash & mask;
                    var duplicate = false;
                    while (slotHash[i] != 0)
                    {
                        if (slotHash[i] == hash && table.IdBytes(slotRow[i]).SequenceEqual(table.IdBytes(row)))
                        {
                            found.Add((row, slotRow[i]));
                            duplicate = true;
                            break;
                        }
                        i = (i + 1) & mask;
                    }
                    if (!duplicate)
                    {
                        slotHash[i] = hash;
                        slotRow[i] = row;
                    }
                }
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(slotHash);
                ArrayPool<int>.Shared.Return(slotRow);
            }
        });
        foreach (var (row, first) in found.OrderBy(f => f.Row))
        {
            Error(lineOf[row], "setl_id", table.SetlId(row), $"appears twice in this file (also row {lineOf[first]})");
        }
    }

    private void ReadRange(string path, long from, long to, long firstLine, int year, bool othersAreErrors)
    {
        (_yearStart, _yearEnd) = (new DateTime(year, 1, 1).Ticks, new DateTime(year + 1, 1, 1).Ticks);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        stream.Position = from;
        var buffer = ArrayPool<byte>.Shared.Rent(8 << 20);
        try
        {
            var remaining = to - from;
            var filled = 0;
            var line = firstLine;
            var eof = false;
            while (!eof)
            {
                var read = remaining > 0 ? stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, remaining)) : 0;
                remaining -= read;
                eof = read == 0;
                filled += read;
                var start = 0;
                var span = buffer.AsSpan(0, filled);
                while (start < span.Length)
                {
                    var rest = span[start..];
                    var nl = rest.IndexOf((byte)'\n');
                    if (nl < 0)
                    {
                        if (!eof)
                        {
                            break;
                        }
                        nl = rest.Length;
                    }
                    var text = rest[..nl];
                    if (text.Length > 0 && text[^1] == '\r')
                    {
                        text = text[..^1];
                    }
                    line++;
                    if (!text.IsEmpty)
                    {
                        Rows++;
                        if (_plainRows && TryPlainRow(text, checked((int)line), othersAreErrors))
                        {
                            PlainRows++;
                        }
                        else
                        {
                            ParseRow(text, checked((int)line), year, othersAreErrors);
                        }
                    }
                    start += Math.Min(nl + 1, rest.Length);
                }
                var left = filled - start;
                if (left == buffer.Length)
                {
                    throw new InvalidDataException($"{path}: a line longer than {buffer.Length} bytes");
                }
                Buffer.BlockCopy(buffer, start, buffer, 0, left);
                filled = left;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadHeader(ReadOnlySpan<byte> line)
    {
        var text = _encoding.GetString(line).TrimStart('\uFEFF');
        _header = SplitHeader(text);
        _cells = new Range[_header.Length + 1];
        Array.Fill(_columnOf, -1);
        var aliases = new SettlementsKind().Aliases;
        for (var i = 0; i < _header.Length; i++)
        {
            var name = _header[i].Trim();
            name = aliases.TryGetValue(name, out var canonical) ? canonical : name;
            var field = Array.FindIndex(Fields, f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase));
            if (field >= 0 && _columnOf[field] < 0)
            {
                _columnOf[field] = i;
            }
        }
        var emptyCell = _header.Length + 33;
        _bounds = new int[emptyCell + 2];
        (_bounds[0], _bounds[emptyCell], _bounds[emptyCell + 1]) = (-1, -1, 0);
        for (var f = 0; f < Fields.Length; f++)
        {
            _plainColumn[f] = _columnOf[f] >= 0 ? _columnOf[f] : emptyCell;
        }
        foreach (var r in Required)
        {
            if (_columnOf[r] < 0)
            {
                Error(1, Fields[r], "", $"the header has no column '{Fields[r]}', which a settlements file needs");
            }
        }
        if (ErrorCount > 0)
        {
            throw new InvalidDataException(string.Join("; ", Errors));
        }
    }

    private static string[] SplitHeader(string text)
    {
        var cells = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        cells.Add(sb.ToString());
        return [.. cells];
    }

    /// <summary>
    /// A row in its common form, taken straight from its bytes: no quote, no space next to a comma or at
    /// either end of the line, as many cells as the header, not a reversal, amounts as plain digits with up
    /// to two decimals, and every check of <see cref="ParseRow"/> passed. False: nothing was done, and ParseRow reads the
    /// row and words what is wrong with it (the two give the same values: SettlementFileReaderTests).
    /// </summary>
    private bool TryPlainRow(ReadOnlySpan<byte> line, int row, bool othersAreErrors)
    {
        if (!TryCells(line))
        {
            return false;
        }
        foreach (var r in Required)
        {
            if (PlainCell(line, r).IsEmpty)
            {
                return false;
            }
        }
        var reversalCell = PlainCell(line, Reversal);
        if (!reversalCell.IsEmpty && !reversalCell.SequenceEqual("0"u8))
        {
            return false; // a reversal (or a flag in another form) goes the general way: few, and checked more
        }
        var personIndex = Person(PlainCell(line, PsnNo));
        if (personIndex < 0)
        {
            return !othersAreErrors; // skipped, as ParseRow skips it; the error is worded there
        }
        // The platform's own form (yyyy-MM-dd HH:mm:ss) read as the loaders read it, any other by TryTime.
        var time = PlainCell(line, SetlTime);
        long ticks;
        if (RowReader.TryIsoTimestamp(time, out var settled) && settled.Ticks >= FirstTicks)
        {
            ticks = settled.Ticks;
        }
        else if (!TryTime(time, out ticks))
        {
            return false;
        }
        if (ticks < _yearStart || ticks >= _yearEnd)
        {
            return true; // another year, and not a reversal: nothing of this one
        }
        // medfee_sumamt … psn_part_amt as whole fen, an empty cell 0 (as ParseRow reads them), in the loaders'
        // plain form ([+-]digits[.d[d]], RowReader.TryPlainFen); a negative one is ParseRow's to refuse.
        Span<long> amounts = _amounts;
        for (var f = Sum; f <= PsnPart; f++)
        {
            var cell = PlainCell(line, f);
            amounts[f] = 0;
            if (!cell.IsEmpty && (!RowReader.TryPlainFen(cell, out amounts[f]) || amounts[f] < 0))
            {
                return false;
            }
        }
        var sum = amounts[Sum];
        var scope = PlainCell(line, Scope).IsEmpty ? sum - amounts[Fulamt] - amounts[Overlmt] - amounts[Preself] : amounts[Scope];
        long funds = 0;
        foreach (var f in FundColumns)
        {
            funds += amounts[f];
        }
        var fundTotal = PlainCell(line, FundSum).IsEmpty ? funds : amounts[FundSum];
        if (scope > sum || fundTotal != funds || (!PlainCell(line, PsnPart).IsEmpty && amounts[PsnPart] != sum - fundTotal))
        {
            return false;
        }
        var exclusionCell = PlainCell(line, Exclusion);
        var excluded = false;
        if (!exclusionCell.IsEmpty && !exclusionCell.SequenceEqual("none"u8))
        {
            if (!MedTypes.TryParseExclusion(exclusionCell, out var exclusion))
            {
                return false;
            }
            excluded = exclusion != Gongji.Engine.Model.Exclusion.None;
        }
        var referralCell = PlainCell(line, Referral);
        if (!referralCell.IsEmpty && (referralCell.Length != 1 || referralCell[0] is not ((byte)'0' or (byte)'1')))
        {
            return false;
        }
        var compliant = referralCell.IsEmpty || referralCell[0] == '1';
        var id = PlainCell(line, SetlId);
        if (id.Length > 255 || (_encoding.CodePage != 65001 && !Ascii.IsValid(id)))
        {
            return false; // too long, or to be put in UTF-8 (ParseRow does)
        }
        Keep(row, id, personIndex, ticks, MedTypeOf(PlainCell(line, MedType)), !compliant || excluded ? SettlementTable.ExcludedFlag : (byte)0, scope);
        return true;
    }

    /// <summary>
    /// The commas of a line without quotes into <see cref="_bounds"/>, 32 bytes at a time (the last 32 bytes
    /// of the line read again for its tail), eight positions written at once whatever a block holds (no
    /// branch on how many); false for a quote, a number of cells other than the header's, or a space next
    /// to a comma or at either end of the line (the general reader trims a cell's spaces).
    /// </summary>
    private bool TryCells(ReadOnlySpan<byte> line)
    {
        if (!Vector256.IsHardwareAccelerated || line.Length < 32 || line[0] == ' ' || line[^1] == ' ')
        {
            return false;
        }
        var bounds = _bounds;
        var cells = _header.Length;
        var n = 1;
        ref var first = ref MemoryMarshal.GetReference(line);
        var comma = Vector256.Create((byte)',');
        var quote = Vector256.Create((byte)'"');
        var space = Vector256.Create((byte)' ');
        uint lastComma = 0, lastSpace = 0; // bit 31 of the block before
        for (var i = 0; i < line.Length; i += 32)
        {
            // The tail: the line's last 32 bytes, less those already read.
            var skip = Math.Max(0, i + 32 - line.Length);
            var block = Vector256.LoadUnsafe(ref first, (nuint)(i - skip));
            var commas = Vector256.Equals(block, comma).ExtractMostSignificantBits() >> skip;
            var spaces = Vector256.Equals(block, space).ExtractMostSignificantBits() >> skip;
            if ((Vector256.Equals(block, quote).ExtractMostSignificantBits() >> skip) != 0
                || (spaces & ((commas << 1) | (commas >> 1) | lastComma)) != 0 || (commas & lastSpace) != 0 || n > cells)
            {
                return false;
            }
            (lastComma, lastSpace) = (commas >> 31, spaces >> 31);
            var found = BitOperations.PopCount(commas);
            var slots = bounds.AsSpan(n, 32);
            for (var k = 0; k < 8; k++)
            {
                slots[k] = i + BitOperations.TrailingZeroCount(commas); // past the last comma: written, then overwritten or unread
                commas &= commas - 1;
            }
            for (var k = 8; k < found; k++)
            {
                slots[k] = i + BitOperations.TrailingZeroCount(commas);
                commas &= commas - 1;
            }
            n += found;
        }
        if (n != cells)
        {
            return false;
        }
        bounds[n] = line.Length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> PlainCell(ReadOnlySpan<byte> line, int field)
    {
        var c = _plainColumn[field];
        var start = _bounds[c] + 1;
        return line[start.._bounds[c + 1]];
    }

    private void ParseRow(ReadOnlySpan<byte> line, int row, int year, bool othersAreErrors)
    {
        Span<Range> cells = _cells;
        var count = CsvLine.Split(line, cells);
        if (count < 0)
        {
            Error(row, "(row)", "", "a quoted field runs past the end of the line (multi-line fields: use gongji load)");
            return;
        }
        var errorsBefore = ErrorCount;
        foreach (var r in Required)
        {
            if (CellOf(line, cells, count, r).IsEmpty)
            {
                Error(row, Fields[r], "", "required, but empty");
            }
        }
        if (ErrorCount > errorsBefore)
        {
            return;
        }
        var reversal = Flag(CellOf(line, cells, count, Reversal), row, Reversal, false);
        var psnBytes = CellOf(line, cells, count, PsnNo);
        var personIndex = Person(psnBytes);
        if (personIndex < 0)
        {
            if (othersAreErrors)
            {
                Error(row, "psn_no", Text(psnBytes), "not in the registry: load the persons file first");
            }
            return;
        }
        if (!TryTime(CellOf(line, cells, count, SetlTime), out var ticks))
        {
            Error(row, "setl_time", Text(CellOf(line, cells, count, SetlTime)), "not a date-time (yyyy-MM-dd HH:mm:ss, yyyy-MM-dd, yyyyMMdd or yyyy/M/d)");
            return;
        }
        if (!reversal && new DateTime(ticks).Year != year)
        {
            return; // another year: only reversals of any year matter to this one
        }
        Span<long> amounts = _amounts;
        Span<bool> given = _given;
        amounts.Clear();
        given.Clear();
        for (var f = Sum; f <= PsnPart; f++)
        {
            var v = CellOf(line, cells, count, f);
            if (v.IsEmpty)
            {
                continue;
            }
            if (!TryFen(v, out amounts[f]))
            {
                Error(row, Fields[f], Text(v), v.IndexOf((byte)'.') is var dot && dot >= 0 && v.Length - dot > 3 ? "more than two decimals (money is to the fen)" : "not an amount in yuan");
                continue;
            }
            given[f] = true;
            if (!reversal && amounts[f] < 0)
            {
                Error(row, Fields[f], Text(v), "must not be negative");
            }
        }
        if (ErrorCount > errorsBefore)
        {
            return;
        }
        var scope = given[Scope] ? amounts[Scope] : amounts[Sum] - amounts[Fulamt] - amounts[Overlmt] - amounts[Preself];
        if (reversal ? scope < amounts[Sum] : scope > amounts[Sum])
        {
            Error(row, "inscp_scp_amt", Yuan(scope), $"greater than medfee_sumamt {Yuan(amounts[Sum])}");
        }
        long funds = 0;
        foreach (var f in FundColumns)
        {
            funds += amounts[f];
        }
        if (given[FundSum] && amounts[FundSum] != funds)
        {
            Error(row, "fund_pay_sumamt", Yuan(amounts[FundSum]), $"differs from the sum of the fund columns {Yuan(funds)}");
        }
        var fundTotal = given[FundSum] ? amounts[FundSum] : funds;
        if (given[PsnPart] && amounts[PsnPart] != amounts[Sum] - fundTotal)
        {
            Error(row, "psn_part_amt", Yuan(amounts[PsnPart]), $"differs from medfee_sumamt − fund_pay_sumamt = {Yuan(amounts[Sum] - fundTotal)}");
        }
        var init = CellOf(line, cells, count, Init);
        if (reversal && init.IsEmpty)
        {
            Error(row, "init_setl_id", "", "a reversal (refd_setl_flag 1) names the settlement it cancels");
        }
        var exclusionText = CellOf(line, cells, count, Exclusion);
        var excluded = false;
        if (!exclusionText.IsEmpty && !exclusionText.SequenceEqual("none"u8))
        {
            if (!MedTypes.TryParseExclusion(Text(exclusionText), out var exclusion))
            {
                Error(row, "exclusion", Text(exclusionText), "none, work_injury, third_party, public_health, cosmetic, non_designated, overseas or illegal");
            }
            excluded = exclusion != Gongji.Engine.Model.Exclusion.None;
        }
        var compliant = Flag(CellOf(line, cells, count, Referral), row, Referral, true);
        if (ErrorCount > errorsBefore)
        {
            return;
        }
        var id = CellOf(line, cells, count, SetlId);
        if (_encoding.CodePage != 65001 && !Ascii.IsValid(id))
        {
            // The pool holds UTF-8, as SettlementTable.SetlId reads it and a reversal's init_setl_id (decoded) is
            // matched against it: an id in a GB18030 file is put in UTF-8 first.
            id = Encoding.UTF8.GetBytes(Text(id));
        }
        var flags = (byte)((reversal ? SettlementTable.ReversalFlag : 0) | (!compliant || excluded ? SettlementTable.ExcludedFlag : 0));
        var medType = MedTypeOf(CellOf(line, cells, count, MedType));
        if (id.Length > 255)
        {
            Error(row, "setl_id", Text(id), "longer than 255 bytes");
            return;
        }
        var at = Keep(row, id, personIndex, ticks, medType, flags, scope);
        if (reversal)
        {
            _inits.Add(KeyValuePair.Create(at, Text(init)));
        }
    }

    /// <summary>
    /// A checked row into this part's next place of the table, its setl_id into the pool, its amounts those
    /// of <see cref="_amounts"/> (with the policy scope given); returns the place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once a row on the plain path: no call for it
    private int Keep(int row, ReadOnlySpan<byte> id, int personIndex, long ticks, short medType, byte flags, long scope)
    {
        if (_poolLength + id.Length > _poolEnd)
        {
            GrowPool(id.Length);
        }
        id.CopyTo(_pool.AsSpan(_poolLength));
        var at = _rowBase + _written;
        var amounts = _amounts;
        _table!.Set(at, _poolLength, id.Length, personIndex, ticks, medType, flags,
            amounts[Sum], scope, amounts[Hifp], amounts[Hifmi], amounts[Hifob], amounts[Cvlserv], amounts[Hifes], amounts[Oth], amounts[Maf]);
        _poolLength += id.Length;
        _lineOf[at] = row;
        _written++;
        return at;
    }

    /// <summary>The table's person of a psn_no, or -1; the same person as the row before is not looked up again.</summary>
    private int Person(ReadOnlySpan<byte> psn)
    {
        if (psn.Length == _lastPsnLength && psn.SequenceEqual(_lastPsn.AsSpan(0, _lastPsnLength)))
        {
            return _lastPerson;
        }
        var person = _persons!.Find(psn);
        if (psn.Length > _lastPsn.Length)
        {
            _lastPsn = new byte[psn.Length];
        }
        psn.CopyTo(_lastPsn);
        _lastPsnLength = psn.Length;
        _lastPerson = person;
        return person;
    }

    private short MedTypeOf(ReadOnlySpan<byte> code)
    {
        foreach (var (bytes, index) in _medTypeCache)
        {
            if (code.SequenceEqual(bytes))
            {
                return index;
            }
        }
        var medType = _table!.MedTypeIndex(Text(code));
        _medTypeCache.Add((code.ToArray(), medType));
        return medType;
    }

    // Called some thirty times a row: the plain cell (no space or quote at either end) without Trim's calls.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> CellOf(ReadOnlySpan<byte> line, ReadOnlySpan<Range> cells, int count, int field)
    {
        var c = _columnOf[field];
        if ((uint)c >= (uint)count)
        {
            return default;
        }
        var start = cells[c].Start.Value;
        var v = line.Slice(start, cells[c].End.Value - start);
        return v.Length > 0 && (v[0] is (byte)' ' or (byte)'"' || v[^1] is (byte)' ' or (byte)'"') ? Unwrapped(v) : v;
    }

    private static ReadOnlySpan<byte> Unwrapped(ReadOnlySpan<byte> cell)
    {
        var v = cell.Trim((byte)' ');
        if (v.Length >= 2 && v[0] == '"' && v[^1] == '"')
        {
            v = v[1..^1];
        }
        return v;
    }

    private bool Flag(ReadOnlySpan<byte> v, int row, int field, bool fallback)
    {
        if (v.IsEmpty)
        {
            return fallback;
        }
        if (v.Length == 1 && v[0] is (byte)'0' or (byte)'1')
        {
            return v[0] == '1';
        }
        if (v.SequenceEqual("true"u8))
        {
            return true;
        }
        if (v.SequenceEqual("false"u8))
        {
            return false;
        }
        Error(row, Fields[field], Text(v), "0 or 1");
        return fallback;
    }

    private string Text(ReadOnlySpan<byte> v) => _encoding.GetString(v);

    private static string Yuan(long fen) => (fen / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private void Error(int row, string field, string value, string reason)
    {
        ErrorCount++;
        if (Errors.Count < MaxListedErrors)
        {
            var column = Array.IndexOf(Fields, field) is var f && f >= 0 && _columnOf[f] >= 0 ? _header[_columnOf[f]] : field;
            Errors.Add(new RowError(row, column, value, reason));
        }
    }

    /// <summary>Splits a CSV line at commas outside quotes; -1 when a quote is left open.</summary>
    /// <summary>Decimal yuan, at most two decimals, thousands separators allowed, read as whole fen.</summary>
    public static bool TryFen(ReadOnlySpan<byte> v, out long fen)
    {
        fen = 0;
        var negative = false;
        var i = 0;
        if (v.Length > 0 && (v[0] == '-' || v[0] == '+'))
        {
            negative = v[0] == '-';
            i = 1;
        }
        long whole = 0;
        var digits = 0;
        for (; i < v.Length && v[i] != '.'; i++)
        {
            var b = v[i];
            if (b == ',')
            {
                continue;
            }
            if (b is < (byte)'0' or > (byte)'9' || digits > 15)
            {
                return false;
            }
            whole = (whole * 10) + (b - '0');
            digits++;
        }
        long cents = 0;
        if (i < v.Length)
        {
            var decimals = v.Length - i - 1;
            if (decimals > 2 || (decimals == 0 && digits == 0))
            {
                return false;
            }
            for (var k = 1; k <= 2; k++)
            {
                var b = i + k < v.Length ? v[i + k] : (byte)'0';
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }
                cents = (cents * 10) + (b - '0');
            }
        }
        else if (digits == 0)
        {
            return false;
        }
        fen = (whole * 100) + cents;
        if (negative)
        {
            fen = -fen;
        }
        return true;
    }

    /// <summary>yyyy-MM-dd[ HH:mm:ss], yyyy-MM-ddTHH:mm:ss, yyyyMMdd, yyyy/M/d[ H:mm:ss] as ticks.</summary>
    public static bool TryTime(ReadOnlySpan<byte> v, out long ticks)
    {
        ticks = 0;
        int year, month, day, i;
        if (v.Length >= 8 && IsDigits(v[..8]) && (v.Length == 8 || !IsDigit(v[8])))
        {
            year = Num(v[..4]);
            month = Num(v[4..6]);
            day = Num(v[6..8]);
            i = 8;
        }
        else
        {
            if (v.Length < 8 || !IsDigits(v[..4]) || v[4] is not ((byte)'-' or (byte)'/'))
            {
                return false;
            }
            year = Num(v[..4]);
            var sep = v[4];
            i = 5;
            if (!TryPart(v, ref i, out month) || i >= v.Length || v[i] != sep)
            {
                return false;
            }
            i++;
            if (!TryPart(v, ref i, out day))
            {
                return false;
            }
        }
        int hour = 0, minute = 0, second = 0;
        if (i < v.Length)
        {
            if (v[i] is not ((byte)' ' or (byte)'T'))
            {
                return false;
            }
            i++;
            if (!TryPart(v, ref i, out hour) || i >= v.Length || v[i] != ':')
            {
                return false;
            }
            i++;
            if (!TryPart(v, ref i, out minute))
            {
                return false;
            }
            if (i < v.Length)
            {
                if (v[i] != ':')
                {
                    return false;
                }
                i++;
                if (!TryPart(v, ref i, out second) || i != v.Length)
                {
                    return false;
                }
            }
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month) || hour > 23 || minute > 59 || second > 59 || year < 1900)
        {
            return false;
        }
        ticks = new DateTime(year, month, day, hour, minute, second).Ticks;
        return true;
    }

    private static bool TryPart(ReadOnlySpan<byte> v, ref int i, out int value)
    {
        value = 0;
        var start = i;
        while (i < v.Length && IsDigit(v[i]) && i - start < 2)
        {
            value = (value * 10) + (v[i] - '0');
            i++;
        }
        return i > start;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsDigits(ReadOnlySpan<byte> v)
    {
        foreach (var b in v)
        {
            if (!IsDigit(b))
            {
                return false;
            }
        }
        return true;
    }

    private static int Num(ReadOnlySpan<byte> v)
    {
        var n = 0;
        foreach (var b in v)
        {
            n = (n * 10) + (b - '0');
        }
        return n;
    }
}
