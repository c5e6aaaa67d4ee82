using System.Globalization;

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
        _asked = 0;
    }

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

    public string? Text(string field)
    {
        var i = IndexOf(field);
        if (i < 0 || i >= _cells.Length)
        {
            return null;
        }
        var v = _cells[i].Trim();
        return v.Length == 0 ? null : v;
    }

    public string? Required(string field)
    {
        var v = Text(field);
        if (v is null)
        {
            Error(field, "", "required, but empty");
        }
        return v;
    }

    /// <summary>Decimal yuan with at most 2 decimals, thousands separators allowed (data.md); returned as fen.</summary>
    public long? Fen(string field, bool required = false, bool allowNegative = true)
    {
        var v = required ? Required(field) : Text(field);
        if (v is null)
        {
            return null;
        }
        if (TryPlainFen(v, out var plain))
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
        if (!allowNegative && yuan < 0)
        {
            Error(field, v, "must not be negative");
            return null;
        }
        return (long)(yuan * 100m);
    }

    /// <summary>[+-]digits[.d[d]]: whole fen; anything else (separators, exponents, odd forms) goes the general way.</summary>
    private static bool TryPlainFen(string v, out long fen)
    {
        fen = 0;
        var i = v.Length > 0 && v[0] is '-' or '+' ? 1 : 0;
        var negative = i == 1 && v[0] == '-';
        var start = i;
        long whole = 0;
        for (; i < v.Length && char.IsAsciiDigit(v[i]); i++)
        {
            whole = (whole * 10) + (v[i] - '0');
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
            if (v[i] != '.' || decimals is < 1 or > 2)
            {
                return false;
            }
            for (var k = 1; k <= 2; k++)
            {
                var c = k <= decimals ? v[i + k] : '0';
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
                cents = (cents * 10) + (c - '0');
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
        var v = required ? Required(field) : Text(field);
        if (v is null)
        {
            return null;
        }
        if (v.Length == 10 && v[4] == '-' && v[7] == '-' && TryIsoDate(v, out var iso))
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

    private static bool TryIsoDate(ReadOnlySpan<char> v, out DateOnly date)
    {
        date = default;
        for (var i = 0; i < 10; i++)
        {
            if (i is not (4 or 7) && !char.IsAsciiDigit(v[i]))
            {
                return false;
            }
        }
        int year = ((v[0] - '0') * 1000) + ((v[1] - '0') * 100) + ((v[2] - '0') * 10) + (v[3] - '0');
        int month = ((v[5] - '0') * 10) + (v[6] - '0');
        int day = ((v[8] - '0') * 10) + (v[9] - '0');
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        date = new DateOnly(year, month, day);
        return true;
    }

    private static bool TryIsoTimestamp(string v, out DateTime time)
    {
        time = default;
        if (v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' || !TryIsoDate(v.AsSpan(0, 10), out var date))
        {
            return false;
        }
        for (var i = 11; i < 19; i++)
        {
            if (i is not (13 or 16) && !char.IsAsciiDigit(v[i]))
            {
                return false;
            }
        }
        var hour = ((v[11] - '0') * 10) + (v[12] - '0');
        var minute = ((v[14] - '0') * 10) + (v[15] - '0');
        var second = ((v[17] - '0') * 10) + (v[18] - '0');
        if (hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        time = date.ToDateTime(new TimeOnly(hour, minute, second));
        return true;
    }

    public DateTime? Timestamp(string field, bool required = false)
    {
        var v = required ? Required(field) : Text(field);
        if (v is null)
        {
            return null;
        }
        if (v.Length == 19 && TryIsoTimestamp(v, out var iso))
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
        var v = Text(field);
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
        var v = Text(field);
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
}
