using System.Text;
using System.Text.Unicode;

namespace Gongji.Loading;

/// <summary>
/// A kind's rows in their common form, checked straight from a plain line's bytes into a
/// <see cref="RowBatch"/>, without a string or a boxed value per cell (a settlements file is millions
/// of rows). It only ever says yes to a row the kind's <see cref="FileKind.Parse"/> accepts, with the
/// same values: anything else (an odd form, a value to normalise, any failed check) it leaves alone,
/// having changed nothing, and the general parser reads the row and words its errors.
/// </summary>
public abstract class PlainRowParser
{
    /// <summary>True when the row was checked and added to <paramref name="batch"/>; false: nothing was done.</summary>
    public abstract bool TryParse(RowReader row, LoadContext context, RowBatch batch);

    /// <summary>
    /// Whether a cell's text is its bytes as they are: what the general path makes of them (UTF-8
    /// decoded, white space trimmed) would give the same bytes back. Empty counts (it is null there).
    /// </summary>
    protected static bool IsPlainText(ReadOnlySpan<byte> cell)
    {
        if (cell.IsEmpty)
        {
            return true;
        }
        if (!Ascii.IsValid(cell))
        {
            // Decoding would replace a malformed sequence; Trim would drop white space (U+3000 …) at an end.
            return Utf8.IsValid(cell)
                && Rune.DecodeFromUtf8(cell, out var first, out _) == System.Buffers.OperationStatus.Done && !Rune.IsWhiteSpace(first) && !Rune.IsControl(first)
                && Rune.DecodeLastFromUtf8(cell, out var last, out _) == System.Buffers.OperationStatus.Done && !Rune.IsWhiteSpace(last) && !Rune.IsControl(last);
        }
        return cell[0] > 32 && cell[^1] > 32; // ASCII: a space, a tab or a control character at an end goes the general way
    }

    /// <summary>Optional text: null when empty; false when it is not plain.</summary>
    protected static bool TryText(ReadOnlySpan<byte> cell, RowBatch batch)
    {
        if (!IsPlainText(cell))
        {
            return false;
        }
        if (cell.IsEmpty)
        {
            batch.Null();
        }
        else
        {
            batch.Text(cell);
        }
        return true;
    }

    /// <summary>Yuan in the plain form [+-]digits[.d[d]] as fen (<see cref="RowReader.Fen"/>'s own fast case).</summary>
    protected static bool TryFen(ReadOnlySpan<byte> cell, bool required, bool allowNegative, out long? fen)
    {
        fen = null;
        if (cell.IsEmpty)
        {
            return !required;
        }
        if (!RowReader.TryPlainFen(cell, out var value) || (!allowNegative && value < 0))
        {
            return false;
        }
        fen = value;
        return true;
    }

    /// <summary>A 0/1 flag; empty (or no such column) is <paramref name="fallback"/>.</summary>
    protected static bool TryFlag(ReadOnlySpan<byte> cell, bool fallback, out bool flag)
    {
        flag = cell.IsEmpty ? fallback : cell[0] == '1';
        return cell.IsEmpty || (cell.Length == 1 && cell[0] is (byte)'0' or (byte)'1');
    }

    /// <summary>An optional yyyy-MM-dd date.</summary>
    protected static bool TryDate(ReadOnlySpan<byte> cell, out DateOnly? date) => RowReader.TryOptionalIsoDate(cell, out date);
}
