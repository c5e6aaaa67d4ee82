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
    private readonly int[] _columnOf = new int[Fields.Length];
    private string[] _header = [];

    public List<RowError> Errors { get; } = [];
    public long ErrorCount { get; private set; }
    public long Rows { get; private set; }

    private SettlementFileReader(Encoding encoding) => _encoding = encoding;

    /// <summary>
    /// Reads the rows of <paramref name="year"/> (and reversals of any year) of the persons in
    /// <paramref name="persons"/>; a row naming anyone else is skipped when <paramref name="othersAreErrors"/> is false.
    /// </summary>
    public static (SettlementTable Table, SettlementFileReader Reader) Read(string path, IReadOnlySet<string> persons, int year, bool othersAreErrors = false)
    {
        var reader = new SettlementFileReader(TabularFile.DetectEncoding(path));
        var table = reader.ReadAll(path, persons, year, othersAreErrors);
        return (table, reader);
    }

    private SettlementTable ReadAll(string path, IReadOnlySet<string> persons, int year, bool othersAreErrors)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var table = new SettlementTable((int)Math.Clamp(stream.Length / 120, 1024, int.MaxValue / 4));
        var ids = new RowIdSet(table);
        var personLookup = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in persons)
        {
            personLookup[p] = -1;
        }
        var lookup = personLookup.GetAlternateLookup<ReadOnlySpan<char>>();
        var buffer = ArrayPool<byte>.Shared.Rent(8 << 20);
        try
        {
            var filled = 0;
            var start = 0;
            var headerDone = false;
            var line = 0;
            var eof = false;
            while (!eof)
            {
                var read = stream.Read(buffer, filled, buffer.Length - filled);
                eof = read == 0;
                filled += read;
                var span = buffer.AsSpan(0, filled);
                while (true)
                {
                    var rest = span[start..];
                    var nl = rest.IndexOf((byte)'\n');
                    if (nl < 0)
                    {
                        if (!eof)
                        {
                            break;
                        }
                        if (rest.Length == 0)
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
                    if (!headerDone)
                    {
                        ReadHeader(text);
                        headerDone = true;
                    }
                    else if (!text.IsEmpty)
                    {
                        Rows++;
                        ParseRow(text, line, table, ids, lookup, year, othersAreErrors);
                    }
                    start += Math.Min(nl + 1, rest.Length);
                    if (start >= span.Length)
                    {
                        break;
                    }
                }
                // Keep the unfinished line at the front of the buffer.
                var left = filled - start;
                if (left == buffer.Length)
                {
                    throw new InvalidDataException($"{path}: a line longer than {buffer.Length} bytes");
                }
                Buffer.BlockCopy(buffer, start, buffer, 0, left);
                filled = left;
                start = 0;
            }
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

    private void ParseRow(ReadOnlySpan<byte> line, int row, SettlementTable table, RowIdSet ids,
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> persons, int year, bool othersAreErrors)
    {
        Span<Range> cells = stackalloc Range[Math.Max(_header.Length, 1) + 1];
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
        Span<char> chars = stackalloc char[256];
        if (psnBytes.Length > 256)
        {
            Error(row, "psn_no", Text(psnBytes), "longer than 256 characters");
            return;
        }
        var psnLength = _encoding.GetChars(psnBytes, chars);
        if (!persons.TryGetValue(chars[..psnLength], out var known, out _))
        {
            if (othersAreErrors)
            {
                Error(row, "psn_no", Text(psnBytes), "not in the registry: load the persons file first");
            }
            return;
        }
        _ = known;
        if (!TryTime(CellOf(line, cells, count, SetlTime), out var ticks))
        {
            Error(row, "setl_time", Text(CellOf(line, cells, count, SetlTime)), "not a date-time (yyyy-MM-dd HH:mm:ss, yyyy-MM-dd, yyyyMMdd or yyyy/M/d)");
            return;
        }
        if (!reversal && new DateTime(ticks).Year != year)
        {
            return; // another year: only reversals of any year matter to this one
        }
        Span<long> amounts = stackalloc long[Fields.Length];
        Span<bool> given = stackalloc bool[Fields.Length];
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
        var added = table.Add(id, table.PersonIndex(new string(chars[..psnLength])), ticks, table.MedTypeIndex(Text(CellOf(line, cells, count, MedType))), flags,
            reversal ? Text(init) : null, amounts[Sum], scope, amounts[Hifp], amounts[Hifmi], amounts[Hifob], amounts[Cvlserv], amounts[Hifes], amounts[Oth], amounts[Maf]);
        if (!ids.Add(added))
        {
            Error(row, "setl_id", Text(id), "appears twice in this file");
        }
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

    /// <summary>Which setl_ids a table holds: an open-addressing set of row numbers, compared by their bytes.</summary>
    private sealed class RowIdSet(SettlementTable table)
    {
        private int[] _slots = Filled(1 << 16);
        private int _count;

        private static int[] Filled(int size)
        {
            var slots = new int[size];
            Array.Fill(slots, -1);
            return slots;
        }

        public bool Add(int row)
        {
            if ((_count + 1) * 2 > _slots.Length)
            {
                var old = _slots;
                _slots = Filled(old.Length * 2);
                foreach (var r in old)
                {
                    if (r >= 0)
                    {
                        Insert(r, checkDuplicate: false);
                    }
                }
            }
            if (!Insert(row, checkDuplicate: true))
            {
                return false;
            }
            _count++;
            return true;
        }

        private bool Insert(int row, bool checkDuplicate)
        {
            var mask = _slots.Length - 1;
            var bytes = table.IdBytes(row);
            var i = (int)XxHash3.HashToUInt64(bytes) & mask;
            while (_slots[i] >= 0)
            {
                if (checkDuplicate && table.IdBytes(_slots[i]).SequenceEqual(bytes))
                {
                    return false;
                }
                i = (i + 1) & mask;
            }
            _slots[i] = row;
            return true;
        }
    }
}
