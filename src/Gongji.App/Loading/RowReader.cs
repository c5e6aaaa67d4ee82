using System.Globalization;
using System.Numerics;
using System.Text;

namespace Gongji.Loading;

/// <summary>A bad value: the row, the column as the file names it, the value and why.</summary>
public sealed record RowError(int Row, string Column, string Value, string Reason)
{
    public override string ToString() => $"row {Row}, column {Column}, value '{Value}': {Reason}";
}

/// <summary>Typed access to one row by field name (aliases resolved at the header), collecting errors.</summary>
public sealed class RowReader
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyyMMdd", "yyyy/M/d", "yyyy-M-d", "yyyy/MM/dd"];
    private static readonly string[] TimeFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd", "yyyyMMdd", "yyyy/M/d", "yyyy/M/d H:mm:ss", "yyyyMMddHHmmss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm"];

    private readonly Dictionary<string, int> _columns;

    // Field names come from the parsers as literals: a cache by reference spares a case-insensitive
    // lookup per field per row.
    private readonly Dictionary<string, int> _byReference = new(ReferenceEqualityComparer.Instance);
    private readonly string[] _header;
    private readonly bool _spreadsheet;
    private string[] _cells = [];

    public RowReader(string[] header, IReadOnlyDictionary<string, string> aliases, bool spreadsheet)
    {
        _header = header;
        _spreadsheet = spreadsheet;
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            var name = header[i].Trim();
            var field = aliases.TryGetValue(name, out var canonical) ? canonical : name;
            _columns.TryAdd(field, i);
        }
    }

    public int Row { get; private set; }
    public List<RowError> Errors { get; } = [];

    public bool Has(string field) => _columns.ContainsKey(field);

    public void Next(int row, string[] cells)
    {
        Row = row;
        _cells = cells;
        _line = null;
        _asked = 0;
    }

    // A row of a plain UTF-8 CSV (no quotes) can be read straight from its bytes: the typed fields are
    // parsed from them, and a cell becomes a string only when a parser asks for its text. Anything but
    // the common form goes through the string path below, so the checks and messages are the same.
    private byte[]? _line;
    private int _lineStart;
    private Range[] _ranges = [];
    private int _rangeCount;
    private readonly ShortStrings _shortStrings = new();

    /// <summary>The next row as the bytes <paramref name="length"/> long at <paramref name="start"/> of <paramref name="buffer"/>, a line of a CSV without quotes.</summary>
    public void Next(int row, byte[] buffer, int start, int length)
    {
        if (buffer.AsSpan(start, length).Contains((byte)'"'))
        {
            throw new ArgumentException("a line with quotes is read as cells: Next(row, cells)", nameof(buffer));
        }
        Row = row;
        _line = buffer;
        _lineStart = start;
        if (_ranges.Length < _header.Length)
        {
            _ranges = new Range[_header.Length];
        }
        _rangeCount = CsvLine.Split(buffer.AsSpan(start, length), _ranges.AsSpan(0, _header.Length));
        _asked = 0;
    }

    /// <summary>Whether this row was read from the bytes of a plain line (<see cref="Cell"/> answers).</summary>
    public bool IsPlainLine => _line is not null;

    /// <summary>The column a field is in (aliases resolved), or -1 when the header has none.</summary>
    public int ColumnIndex(string field) => _columns.TryGetValue(field, out var i) ? i : -1;

    /// <summary>The raw bytes of a cell of a plain line: empty for a column the header or a short row lacks.</summary>
    public ReadOnlySpan<byte> Cell(int column)
    {
        if (column < 0 || column >= _rangeCount)
        {
            return default;
        }
        var (offset, length) = _ranges[column].GetOffsetAndLength(int.MaxValue);
        return _line.AsSpan(_lineStart + offset, length);
    }

    /// <summary>The bytes of column <paramref name="i"/> when they need no trimming (else false: the string path decides).</summary>
    private bool PlainBytes(int i, out ReadOnlySpan<byte> bytes)
    {
        bytes = Cell(i);
        if (_line is null || i < 0)
        {
            return false;
        }
        // A space, a tab or any non-ASCII byte at either end may be white space that Trim removes.
        return bytes.IsEmpty || (bytes[0] is > 32 and < 128 && bytes[^1] is > 32 and < 128);
    }

    private string CellText(int i)
    {
        if (_line is null)
        {
            return _cells[i];
        }
        if (i >= _rangeCount)
        {
            return "";
        }
        var (offset, length) = _ranges[i].GetOffsetAndLength(int.MaxValue);
        return _shortStrings.Get(_line.AsSpan(_lineStart + offset, length));
    }

    private int CellCount => _line is null ? _cells.Length : _header.Length;

    private string ColumnName(string field) => _columns.TryGetValue(field, out var i) ? _header[i] : field;

    public void Error(string field, string value, string reason) => Errors.Add(new RowError(Row, ColumnName(field), value, reason));

    // A parser asks for the same fields in the same order on every row: the n-th question of the row
    // before is checked first, by reference, before any dictionary.
    private readonly List<(string Field, int Index)> _order = [];
    private int _asked;

    private int IndexOf(string field)
    {
        if (_asked < _order.Count && ReferenceEquals(_order[_asked].Field, field))
        {
            return _order[_asked++].Index;
        }
        if (!_byReference.TryGetValue(field, out var i))
        {
            i = _columns.TryGetValue(field, out var found) ? found : -1;
            _byReference[field] = i;
        }
        if (_asked < _order.Count)
        {
            _order[_asked] = (field, i);
        }
        else if (_order.Count < 256)
        {
            _order.Add((field, i));
        }
        _asked++;
        return i;
    }

    public string? Text(string field) => TextAt(IndexOf(field));

    private string? TextAt(int i)
    {
        if (i < 0 || i >= CellCount)
        {
            return null;
        }
        var v = CellText(i).Trim();
        return v.Length == 0 ? null : v;
    }

    public string? Required(string field) => RequiredAt(field, IndexOf(field));

    private string? RequiredAt(string field, int i)
    {
        var v = TextAt(i);
        if (v is null)
        {
            Error(field, "", "required, but empty");
        }
        return v;
    }

    private string? Value(string field, int i, bool required) => required ? RequiredAt(field, i) : TextAt(i);

    /// <summary>Decimal yuan with at most 2 decimals, thousands separators allowed (data.md); returned as fen.</summary>
    public long? Fen(string field, bool required = false, bool allowNegative = true)
    {
        var i = IndexOf(field);
        if (PlainBytes(i, out var bytes) && !bytes.IsEmpty && TryPlainFen(bytes, out var fromBytes) && (allowNegative || fromBytes >= 0))
        {
            return fromBytes;
        }
        var v = Value(field, i, required);
        if (v is null)
        {
            return null;
        }
        if (TryPlainFen(v.AsSpan(), out var plain))
        {
            if (!allowNegative && plain < 0)
            {
                Error(field, v, "must not be negative");
                return null;
            }
            return plain; // the common case (digits, a point, two decimals at most), without decimal.Parse
        }
        var cleaned = v.Replace(",", "", StringComparison.Ordinal).Replace("，", "", StringComparison.Ordinal);
        if (!decimal.TryParse(cleaned, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan))
        {
            Error(field, v, "not an amount in yuan");
            return null;
        }
        if (decimal.Round(yuan, 2) != yuan)
        {
            Error(field, v, "more than two decimals (money is to the fen)");
            return null;
        }
        if (Math.Abs(yuan) >= 1_000_000_000_000_000m)
        {
            Error(field, v, "too large for an amount in yuan (at most 15 digits before the point)");
            return null;
        }
        if (!allowNegative && yuan < 0)
        {
            Error(field, v, "must not be negative");
            return null;
        }
        return (long)(yuan * 100m);
    }

    /// <summary>[+-]digits[.d[d]]: whole fen; anything else (separators, exponents, odd forms) goes the general way.</summary>
    internal static bool TryPlainFen<T>(ReadOnlySpan<T> v, out long fen)
        where T : unmanaged, IBinaryInteger<T>
    {
        fen = 0;
        var i = v.Length > 0 && (Is(v[0], '-') || Is(v[0], '+')) ? 1 : 0;
        var negative = i == 1 && Is(v[0], '-');
        var start = i;
        long whole = 0;
        for (; i < v.Length && IsDigit(v[i]); i++)
        {
            whole = (whole * 10) + Digit(v[i]);
        }
        var digits = i - start;
        if (digits == 0 || digits > 15)
        {
            return false;
        }
        long cents = 0;
        if (i < v.Length)
        {
            var decimals = v.Length - i - 1;
            if (!Is(v[i], '.') || decimals is < 1 or > 2)
            {
                return false;
            }
            for (var k = 1; k <= 2; k++)
            {
                if (k > decimals)
                {
                    cents *= 10;
                    continue;
                }
                if (!IsDigit(v[i + k]))
                {
                    return false;
                }
                cents = (cents * 10) + Digit(v[i + k]);
            }
        }
        fen = (whole * 100) + cents;
        if (negative)
        {
            fen = -fen;
        }
        return true;
    }

    public DateOnly? Date(string field, bool required = false)
    {
        var i = IndexOf(field);
        if (PlainBytes(i, out var bytes) && bytes.Length == 10 && TryIsoDate(bytes, out var fromBytes))
        {
            return fromBytes;
        }
        var v = Value(field, i, required);
        if (v is null)
        {
            return null;
        }
        if (v.Length == 10 && TryIsoDate(v.AsSpan(), out var iso))
        {
            return iso; // the common case, without the general parser
        }
        if (DateOnly.TryParseExact(v, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }
        if (DateTime.TryParseExact(v, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return DateOnly.FromDateTime(t);
        }
        if (_spreadsheet && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial) && serial is > 1 and < 2958465)
        {
            return DateOnly.FromDateTime(DateTime.FromOADate(serial));
        }
        Error(field, v, "not a date (yyyy-MM-dd, yyyyMMdd or yyyy/M/d)");
        return null;
    }

    /// <summary>An optional yyyy-MM-dd date as UTF-8 bytes: empty is null; false for any other form.</summary>
    internal static bool TryOptionalIsoDate(ReadOnlySpan<byte> cell, out DateOnly? date)
    {
        date = null;
        if (cell.IsEmpty)
        {
            return true;
        }
        if (cell.Length == 10 && TryIsoDate(cell, out var value))
        {
            date = value;
            return true;
        }
        return false;
    }

    /// <summary>yyyy-MM-dd, as chars or as UTF-8 bytes.</summary>
    internal static bool TryIsoDate<T>(ReadOnlySpan<T> v, out DateOnly date)
        where T : unmanaged, IBinaryInteger<T>
    {
        date = default;
        if (v.Length < 10 || !Is(v[4], '-') || !Is(v[7], '-'))
        {
            return false;
        }
        for (var i = 0; i < 10; i++)
        {
            if (i is not (4 or 7) && !IsDigit(v[i]))
            {
                return false;
            }
        }
        int year = (Digit(v[0]) * 1000) + (Digit(v[1]) * 100) + (Digit(v[2]) * 10) + Digit(v[3]);
        int month = (Digit(v[5]) * 10) + Digit(v[6]);
        int day = (Digit(v[8]) * 10) + Digit(v[9]);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>yyyy-MM-dd HH:mm:ss, as chars or as UTF-8 bytes.</summary>
    internal static bool TryIsoTimestamp<T>(ReadOnlySpan<T> v, out DateTime time)
        where T : unmanaged, IBinaryInteger<T>
    {
        time = default;
        if (v.Length != 19 || !Is(v[10], ' ') || !Is(v[13], ':') || !Is(v[16], ':') || !TryIsoDate(v[..10], out var date))
        {
            return false;
        }
        for (var i = 11; i < 19; i++)
        {
            if (i is not (13 or 16) && !IsDigit(v[i]))
            {
                return false;
            }
        }
        var hour = (Digit(v[11]) * 10) + Digit(v[12]);
        var minute = (Digit(v[14]) * 10) + Digit(v[15]);
        var second = (Digit(v[17]) * 10) + Digit(v[18]);
        if (hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        time = date.ToDateTime(new TimeOnly(hour, minute, second));
        return true;
    }

    public DateTime? Timestamp(string field, bool required = false)
    {
        var i = IndexOf(field);
        if (PlainBytes(i, out var bytes) && TryIsoTimestamp(bytes, out var fromBytes))
        {
            return fromBytes;
        }
        var v = Value(field, i, required);
        if (v is null)
        {
            return null;
        }
        if (TryIsoTimestamp(v.AsSpan(), out var iso))
        {
            return iso; // yyyy-MM-dd HH:mm:ss, the platform's own form, without the general parser
        }
        if (DateTime.TryParseExact(v, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }
        if (_spreadsheet && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial) && serial is > 1 and < 2958465)
        {
            return DateTime.FromOADate(serial);
        }
        Error(field, v, "not a date-time (yyyy-MM-dd HH:mm:ss, yyyy-MM-dd, yyyyMMdd or yyyy/M/d)");
        return null;
    }

    public int? Int(string field, int min, int max)
    {
        var at = IndexOf(field);
        if (PlainBytes(at, out var bytes) && bytes.Length is > 0 and < 10 && !bytes.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            var n = 0;
            foreach (var b in bytes)
            {
                n = (n * 10) + (b - '0');
            }
            if (n >= min && n <= max)
            {
                return n;
            }
        }
        var v = TextAt(at);
        if (v is null)
        {
            return null;
        }
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) || i < min || i > max)
        {
            Error(field, v, $"a whole number from {min} to {max}");
            return null;
        }
        return i;
    }

    public bool Bool(string field, bool fallback)
    {
        var i = IndexOf(field);
        if (PlainBytes(i, out var bytes) && bytes.Length == 1 && bytes[0] is (byte)'0' or (byte)'1')
        {
            return bytes[0] == '1';
        }
        var v = TextAt(i);
        switch (v?.ToLowerInvariant())
        {
            case null:
                return fallback;
            case "1" or "true" or "y" or "yes" or "是":
                return true;
            case "0" or "false" or "n" or "no" or "否":
                return false;
            default:
                Error(field, v, "0 or 1");
                return fallback;
        }
    }

    /// <summary>A division code of 6, 9 or 12 digits (GB/T 2260 and township codes).</summary>
    /// <summary>Lengths of a county code only, and of any division (county, township, village).</summary>
    public static readonly int[] County = [6];

    public static readonly int[] AnyDivision = [6, 9, 12];

    public string? Division(string field, bool required, int[] lengths)
    {
        var v = required ? Required(field) : Text(field);
        if (v is null)
        {
            return null;
        }
        if (Array.IndexOf(lengths, v.Length) < 0 || v.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            Error(field, v, $"a division code of {string.Join(" or ", lengths)} digits");
            return null;
        }
        return v;
    }

    private static bool Is<T>(T c, char expected)
        where T : unmanaged, IBinaryInteger<T> => int.CreateTruncating(c) == expected;

    private static bool IsDigit<T>(T c)
        where T : unmanaged, IBinaryInteger<T> => (uint)(int.CreateTruncating(c) - '0') <= 9;

    private static int Digit<T>(T c)
        where T : unmanaged, IBinaryInteger<T> => int.CreateTruncating(c) - '0';

    /// <summary>
    /// The strings of short cells (codes, flags, division codes), made once per reader and handed out
    /// again, so a million rows of "390" or "330108" leave one string each. Bounded: a file of unique
    /// short values (names) only fills it once.
    /// </summary>
    private sealed class ShortStrings
    {
        private const int MaxBytes = 12;
        private const int Slots = 4096;
        private readonly string?[] _strings = new string?[Slots];
        private readonly byte[] _bytes = new byte[Slots * MaxBytes];
        private readonly byte[] _lengths = new byte[Slots];

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length > MaxBytes || utf8.IsEmpty)
            {
                return utf8.IsEmpty ? "" : Encoding.UTF8.GetString(utf8);
            }
            var slot = (int)(System.IO.Hashing.XxHash3.HashToUInt64(utf8) % Slots);
            if (_strings[slot] is { } known && _lengths[slot] == utf8.Length && utf8.SequenceEqual(_bytes.AsSpan(slot * MaxBytes, utf8.Length)))
            {
                return known;
            }
            // A slot holds the last string that hashed to it: a collision costs a string, never a wrong one.
            var made = Encoding.UTF8.GetString(utf8);
            utf8.CopyTo(_bytes.AsSpan(slot * MaxBytes));
            _lengths[slot] = (byte)utf8.Length;
            _strings[slot] = made;
            return made;
        }
    }
}
