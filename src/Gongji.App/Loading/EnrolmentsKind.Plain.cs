namespace Gongji.Loading;

public sealed partial class EnrolmentsKind
{
    /// <summary>Where the fields of an enrolments row are, found once per file from its header (aliases resolved).</summary>
    public sealed class PlainColumns(RowReader header)
    {
        public int PsnNo { get; } = header.ColumnIndex("psn_no");
        public int Insutype { get; } = header.ColumnIndex("insutype");
        public int Begin { get; } = header.ColumnIndex("begndate");
        public int End { get; } = header.ColumnIndex("enddate");
        public int Subsidized { get; } = header.ColumnIndex("subsidized");
    }

    /// <summary>What a run keeps of an enrolments row, and the row's key within its file.</summary>
    public readonly record struct PlainEnrolment(string PsnNo, string Key, DateOnly Begin, DateOnly? End);

    /// <summary>
    /// An enrolments row of a plain line in its common form, checked from its bytes for a run from
    /// files: true only when <see cref="Parse"/> would accept it with the same values (a psn_no of the
    /// registry, given as such; ISO dates, the end not before the beginning; subsidized 0, 1 or empty).
    /// <paramref name="enrolment"/>'s psn_no is the registry's own string and its key the one
    /// <see cref="Parse"/> makes; the caller adds the key to the file's seen keys and leaves a duplicate to
    /// <see cref="Parse"/>, which words the error. On false nothing was done.
    /// </summary>
    public static bool TryPlain(RowReader row, PlainColumns columns, LoadContext context, out PlainEnrolment enrolment)
    {
        enrolment = default;
        var psn = row.Cell(columns.PsnNo);
        var insutype = row.Cell(columns.Insutype);
        var end = row.Cell(columns.End);
        var subsidized = row.Cell(columns.Subsidized);
        if (psn.IsEmpty || psn.Length > 64 || insutype.IsEmpty || insutype.Length > 64 || !IsPrintableAscii(psn) || !IsPrintableAscii(insutype)
            || !(subsidized.IsEmpty || (subsidized.Length == 1 && subsidized[0] is (byte)'0' or (byte)'1')))
        {
            return false;
        }
        var beginCell = row.Cell(columns.Begin);
        if (beginCell.Length != 10 || !RowReader.TryIsoDate(beginCell, out var begin))
        {
            return false;
        }
        DateOnly? until = null;
        if (!end.IsEmpty)
        {
            if (end.Length != 10 || !RowReader.TryIsoDate(end, out var endDate) || endDate < begin)
            {
                return false;
            }
            until = endDate;
        }
        Span<char> chars = stackalloc char[psn.Length];
        System.Text.Ascii.ToUtf16(psn, chars, out _);
        if (!context.KnownPersons.TryGetAlternateLookup<ReadOnlySpan<char>>(out var known) || !known.TryGetValue(chars, out var registered))
        {
            return false;
        }
        enrolment = new PlainEnrolment(registered, KeyOf(registered, insutype, begin), begin, until);
        return true;
    }
}
