using System.Globalization;
using System.Text;

namespace Gongji.Loading;

/// <summary>
/// Checked rows of one kind of file on their way to the store, held as one 64-bit cell per value
/// (fen, whole numbers, 0/1, a date's day number, a time's ticks) or a UTF-8 slice of one byte
/// buffer for text, with each row's fingerprint. Reused from batch to batch: a load of millions of
/// rows leaves no object per row or per value behind it. The text and the fingerprints are held in
/// pinned memory, so that SQLite may read them where they are while a statement runs, not copy each.
/// </summary>
public sealed class RowBatch
{
    private readonly ColumnType[] _types;
    private long[] _cells;
    private ulong[] _nulls;
    private byte[] _hashes;
    private byte[] _text = Pinned(1 << 16);
    private int _textUsed;
    private int _column;

    public RowBatch(IReadOnlyList<Column> columns, int capacity)
    {
        if (columns.Count > 64)
        {
            throw new ArgumentException("a row of more than 64 columns does not fit its null mask", nameof(columns));
        }
        _types = columns.Select(c => c.Type).ToArray();
        Capacity = capacity;
        _cells = new long[capacity * _types.Length];
        _nulls = new ulong[capacity];
        _hashes = Pinned(capacity * HashLength);
    }

    private static byte[] Pinned(int length) => GC.AllocateUninitializedArray<byte>(length, pinned: true);

    /// <summary>Makes room for <paramref name="more"/> bytes of text; the slices written so far move along.</summary>
    private void Reserve(int more)
    {
        if (_textUsed + more > _text.Length)
        {
            var larger = Pinned(Math.Max(_text.Length * 2, _textUsed + more));
            _text.AsSpan(0, _textUsed).CopyTo(larger);
            _text = larger;
        }
    }

    /// <summary>The fingerprint's length: 16 bytes of SHA-256 as lower-case hex.</summary>
    public const int HashLength = 32;

    public int Capacity { get; }
    public int Count { get; private set; }
    public bool IsFull => Count == Capacity;
    public int ColumnCount => _types.Length;
    public ColumnType TypeOf(int column) => _types[column];

    public void Clear()
    {
        Count = 0;
        _textUsed = 0;
        _column = 0;
    }

    // ---- filling a row, column by column in the kind's order ----

    public void Null()
    {
        _nulls[Count] |= 1UL << _column;
        _cells[(Count * _types.Length) + _column++] = 0;
    }

    public void Number(long value)
    {
        _nulls[Count] &= ~(1UL << _column);
        _cells[(Count * _types.Length) + _column++] = value;
    }

    public void Number(long? value)
    {
        if (value is { } v)
        {
            Number(v);
        }
        else
        {
            Null();
        }
    }

    public void Flag(bool value) => Number(value ? 1 : 0);

    public void Date(DateOnly? value) => Number(value?.DayNumber);

    public void Time(DateTime? value) => Number(value?.Ticks);

    /// <summary>Text as UTF-8 bytes; empty is the empty string, not null.</summary>
    public void Text(ReadOnlySpan<byte> utf8)
    {
        Reserve(utf8.Length);
        utf8.CopyTo(_text.AsSpan(_textUsed));
        Number(((long)_textUsed << 32) | (uint)utf8.Length);
        _textUsed += utf8.Length;
    }

    public void Text(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }
        Reserve(Encoding.UTF8.GetMaxByteCount(value.Length));
        var length = Encoding.UTF8.GetBytes(value, _text.AsSpan(_textUsed));
        Number(((long)_textUsed << 32) | (uint)length);
        _textUsed += length;
    }

    /// <summary>A row as a kind's general parser returns it, each value of its column's type.</summary>
    public void Add(object?[] values)
    {
        for (var c = 0; c < _types.Length; c++)
        {
            var v = values[c];
            if (v is null)
            {
                Null();
                continue;
            }
            switch (_types[c])
            {
                case ColumnType.Text: Text((string)v); break;
                case ColumnType.Date: Date((DateOnly)v); break;
                case ColumnType.Timestamp: Time((DateTime)v); break;
                case ColumnType.Bool: Flag((bool)v); break;
                case ColumnType.Fen or ColumnType.Int: Number(Convert.ToInt64(v, CultureInfo.InvariantCulture)); break;
                default: throw new InvalidOperationException($"no column type {_types[c]}");
            }
        }
        EndRow();
    }

    /// <summary>Closes the row the calls above filled, and fingerprints it.</summary>
    public void EndRow()
    {
        if (_column != _types.Length)
        {
            throw new InvalidOperationException($"a row of {_types.Length} columns was given {_column} values");
        }
        Fingerprint(Count);
        Count++;
        _column = 0;
    }

    /// <summary>Drops the row being filled (its check failed half way).</summary>
    public void AbandonRow() => _column = 0;

    // ---- reading ----

    public bool IsNull(int row, int column) => (_nulls[row] & (1UL << column)) != 0;

    public long Number(int row, int column) => _cells[(row * _types.Length) + column];

    public ReadOnlySpan<byte> Text(int row, int column)
    {
        var cell = _cells[(row * _types.Length) + column];
        return _text.AsSpan((int)(cell >> 32), (int)(uint)cell);
    }

    public string TextString(int row, int column) => Encoding.UTF8.GetString(Text(row, column));

    public ReadOnlySpan<byte> Hash(int row) => _hashes.AsSpan(row * HashLength, HashLength);

    /// <summary>The value as the general parser gave it: what a test compares.</summary>
    public object? Value(int row, int column) => IsNull(row, column) ? null : _types[column] switch
    {
        ColumnType.Text => TextString(row, column),
        ColumnType.Date => DateOnly.FromDayNumber((int)Number(row, column)),
        ColumnType.Timestamp => new DateTime(Number(row, column)),
        ColumnType.Bool => Number(row, column) != 0,
        ColumnType.Int => (int)Number(row, column),
        _ => Number(row, column),
    };

    /// <summary>
    /// The fingerprint that tells a changed row from the same row loaded again. It must never change,
    /// or every stored row would look changed on its next load: SHA-256 of the values' invariant text
    /// (dates yyyy-MM-dd, times yyyy-MM-dd HH:mm:ss, flags 1/0, null ␀), each followed by ␟; the first
    /// 16 bytes in lower-case hex.
    /// </summary>
    private void Fingerprint(int row)
    {
        var text = t_text ??= new byte[1024];
        var at = 0;
        for (var c = 0; c < _types.Length; c++)
        {
            var isNull = IsNull(row, c);
            var value = !isNull && _types[c] == ColumnType.Text ? Text(row, c) : default;
            // Text's own length, or the longest any other value can take; and the separator after it.
            var room = Math.Max(value.Length, 32) + Separator.Length;
            if (at + room > text.Length)
            {
                Array.Resize(ref text, Math.Max(text.Length * 2, at + room));
                t_text = text;
            }
            var to = text.AsSpan(at);
            if (isNull)
            {
                at += NullMark.Length;
                NullMark.CopyTo(to);
            }
            else
            {
                var n = Number(row, c);
                switch (_types[c])
                {
                    case ColumnType.Text:
                        value.CopyTo(to);
                        at += value.Length;
                        break;
                    case ColumnType.Bool: to[0] = n != 0 ? (byte)'1' : (byte)'0'; at++; break;
                    case ColumnType.Date: at += IsoText.WriteDate(to, DateOnly.FromDayNumber((int)n)); break;
                    case ColumnType.Timestamp: at += IsoText.WriteTimestamp(to, new DateTime(n), fraction: false); break;
                    default:
                        n.TryFormat(to, out var written, default, CultureInfo.InvariantCulture);
                        at += written;
                        break;
                }
            }
            Separator.CopyTo(text.AsSpan(at));
            at += Separator.Length;
        }
        Span<byte> hash = stackalloc byte[32];
        RowSha256.Hash(text.AsSpan(0, at), hash);
        var hex = _hashes.AsSpan(row * HashLength, HashLength);
        for (var i = 0; i < 16; i++)
        {
            hex[2 * i] = HexDigits[hash[i] >> 4];
            hex[(2 * i) + 1] = HexDigits[hash[i] & 0xF];
        }
    }

    /// <summary>␀, for a value that is not there.</summary>
    private static ReadOnlySpan<byte> NullMark => "\u2400"u8;

    /// <summary>␟, after every value.</summary>
    private static ReadOnlySpan<byte> Separator => "\u241F"u8;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    [ThreadStatic]
    private static byte[]? t_text;
}
