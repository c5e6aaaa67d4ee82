using System.Buffers;
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
    private static readonly int[] FundColumns = [Hifp, Hifmi, Hifob, Cvlserv, Hifes, Hifdm, Maf, Oth];
    private const int MaxListedErrors = 1000;

    private readonly Encoding _encoding;
    private Dictionary<string, short>.AlternateLookup<ReadOnlySpan<char>> _medTypes;
    private readonly int[] _columnOf = new int[Fields.Length];
    private string[] _header = [];

    // Per-row scratch, reused: a stackalloc would be zeroed again for each of millions of rows.
    private Range[] _cells = [];
    private readonly long[] _amounts = new long[Fields.Length];
    private readonly bool[] _given = new bool[Fields.Length];
    private readonly char[] _chars = new char[256];
    private readonly char[] _medChars = new char[64];

    public List<RowError> Errors { get; } = [];

    /// <summary>Seconds per phase of the last read (parse, join, duplicates).</summary>
    public Dictionary<string, double> Timings { get; } = [];
    public long ErrorCount { get; private set; }
    public long Rows { get; private set; }

    private SettlementFileReader(Encoding encoding) => _encoding = encoding;

    /// <summary>
    /// Reads the rows of <paramref name="year"/> (and reversals of any year) of the persons in
    /// <paramref name="persons"/>; a row naming anyone else is skipped when <paramref name="othersAreErrors"/> is false.
    /// The file is cut at line ends into one part per core, read in parallel and joined in file order.
    /// </summary>
    public static (SettlementTable Table, SettlementFileReader Reader) Read(string path, IReadOnlySet<string> persons, int year, bool othersAreErrors = false)
    {
        var encoding = TabularFile.DetectEncoding(path);
        var length = new FileInfo(path).Length;
        var headerEnd = FirstLineEnd(path, 0);
        var header = new SettlementFileReader(encoding);
        header.ReadHeader(ReadBytes(path, 0, (int)Math.Min(headerEnd, 1 << 20)));
        var parts = length < (64 << 20) ? 1 : Environment.ProcessorCount;
        var bounds = new long[parts + 1];
        bounds[0] = Math.Min(headerEnd + 1, length);
        bounds[parts] = length;
        for (var k = 1; k < parts; k++)
        {
            bounds[k] = Math.Max(bounds[k - 1], Math.Min(FirstLineEnd(path, length * k / parts) + 1, length));
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var readers = new SettlementFileReader[parts];
        var tables = new SettlementTable[parts];
        Parallel.For(0, parts, k =>
        {
            var reader = new SettlementFileReader(encoding);
            reader.UseHeaderOf(header);
            // The first part's table is sized for the whole file, so joining the others needs no regrowth.
            var capacity = (int)Math.Clamp((k == 0 ? length : bounds[k + 1] - bounds[k]) / 120, 1024, int.MaxValue / 4);
            tables[k] = reader.ReadRange(path, bounds[k], bounds[k + 1], persons, year, othersAreErrors, capacity);
            readers[k] = reader;
        });
        header.Timings["parse"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        // Join in file order, numbering each part's rows after the lines of the parts before it.
        var result = header;
        var table = tables[0];
        var linesBefore = 1 + readers[0].Lines;
        result.Absorb(readers[0], 1);
        for (var k = 1; k < parts; k++)
        {
            table.Append(tables[k]);
            result.Absorb(readers[k], linesBefore);
            linesBefore += readers[k].Lines;
        }
        result.Timings["join"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        result.CheckDuplicates(table);
        result.Timings["duplicates"] = watch.Elapsed.TotalSeconds;
        return (table, result);
    }

    private long Lines { get; set; }
    private List<int> _lineOfRow = [];

    private void UseHeaderOf(SettlementFileReader header)
    {
        _header = header._header;
        Array.Copy(header._columnOf, _columnOf, _columnOf.Length);
        _cells = new Range[_header.Length + 1];
    }

    private void Absorb(SettlementFileReader part, long linesBefore)
    {
        foreach (var e in part.Errors)
        {
            if (Errors.Count < MaxListedErrors)
            {
                Errors.Add(e with { Row = (int)(e.Row + linesBefore) });
            }
        }
        ErrorCount += part.ErrorCount;
        Rows += part.Rows;
        foreach (var line in part._lineOfRow)
        {
            _lineOfRow.Add((int)(line + linesBefore));
        }
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

    /// <summary>A setl_id that appears twice is an error: hashes first, the bytes only on a hash match.</summary>
    private void CheckDuplicates(SettlementTable table)
    {
        var size = (int)Math.Min(1L << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, table.Count * 2)));
        var slots = new ulong[size];
        var mask = size - 1;
        for (var row = 0; row < table.Count; row++)
        {
            var hash = XxHash3.HashToUInt64(table.IdBytes(row)) | 1; // 0 marks an empty slot
            var i = (int)hash & mask;
            while (slots[i] != 0)
            {
                if (slots[i] == hash && FirstWithId(table, row) is { } first && first < row)
                {
                    Error(_lineOfRow[row], "setl_id", table.SetlId(row), $"appears twice in this file (also row {_lineOfRow[first]})");
                    break;
                }
                i = (i + 1) & mask;
            }
            slots[i] = hash;
        }
    }

    private static int? FirstWithId(SettlementTable table, int row)
    {
        var id = table.IdBytes(row);
        for (var r = 0; r < row; r++)
        {
            if (table.IdBytes(r).SequenceEqual(id))
            {
                return r;
            }
        }
        return null;
    }

    private SettlementTable ReadRange(string path, long from, long to, IReadOnlySet<string> persons, int year, bool othersAreErrors, int capacity)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        stream.Position = from;
        var table = new SettlementTable(capacity);
        // psn_no → the table's person index (-1 until the first settlement), looked up without a string per row.
        var personLookup = new Dictionary<string, int>(persons.Count, StringComparer.Ordinal);
        foreach (var p in persons)
        {
            personLookup[p] = -1;
        }
        var lookup = personLookup.GetAlternateLookup<ReadOnlySpan<char>>();
        _medTypes = new Dictionary<string, short>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var buffer = ArrayPool<byte>.Shared.Rent(8 << 20);
        try
        {
            var remaining = to - from;
            var filled = 0;
            var line = 0;
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
                        var before = table.Count;
                        ParseRow(text, line, table, lookup, year, othersAreErrors);
                        if (table.Count > before)
                        {
                            _lineOfRow.Add(line);
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
            Lines = line;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return table;
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

    private void ParseRow(ReadOnlySpan<byte> line, int row, SettlementTable table,
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> persons, int year, bool othersAreErrors)
    {
        Span<Range> cells = _cells;
        var count = Split(line, cells);
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
        Span<char> chars = _chars;
        if (psnBytes.Length > 256)
        {
            Error(row, "psn_no", Text(psnBytes), "longer than 256 characters");
            return;
        }
        var psnLength = _encoding.GetChars(psnBytes, chars);
        if (!persons.TryGetValue(chars[..psnLength], out var personIndex))
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
        var flags = (byte)((reversal ? SettlementTable.ReversalFlag : 0) | (!compliant || excluded ? SettlementTable.ExcludedFlag : 0));
        if (personIndex < 0)
        {
            personIndex = table.PersonIndex(new string(chars[..psnLength]));
            persons[chars[..psnLength]] = personIndex;
        }
        var medTypeBytes = CellOf(line, cells, count, MedType);
        Span<char> medChars = _medChars;
        var medLength = _encoding.GetChars(medTypeBytes[..Math.Min(medTypeBytes.Length, 32)], medChars);
        if (!_medTypes.TryGetValue(medChars[..medLength], out var medType))
        {
            medType = table.MedTypeIndex(new string(medChars[..medLength]));
            _medTypes[medChars[..medLength]] = medType;
        }
        table.Add(id, personIndex, ticks, medType, flags,
            reversal ? Text(init) : null, amounts[Sum], scope, amounts[Hifp], amounts[Hifmi], amounts[Hifob], amounts[Cvlserv], amounts[Hifes], amounts[Oth], amounts[Maf]);
    }

    private ReadOnlySpan<byte> CellOf(ReadOnlySpan<byte> line, ReadOnlySpan<Range> cells, int count, int field)
    {
        var c = _columnOf[field];
        if (c < 0 || c >= count)
        {
            return default;
        }
        var v = line[cells[c]].Trim((byte)' ');
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
    private static int Split(ReadOnlySpan<byte> line, Span<Range> cells)
    {
        var count = 0;
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var b = line[i];
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (b == ',' && !quoted)
            {
                if (count < cells.Length)
                {
                    cells[count] = new Range(start, i);
                }
                count++;
                start = i + 1;
            }
        }
        if (quoted)
        {
            return -1;
        }
        if (count < cells.Length)
        {
            cells[count] = new Range(start, line.Length);
        }
        return Math.Min(count + 1, cells.Length);
    }

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
