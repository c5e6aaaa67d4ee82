namespace Gongji.Loading;

public sealed partial class PersonsKind
{
    /// <summary>Where the fields a run keeps of a persons row are, found once per file from its header (aliases resolved).</summary>
    public sealed class PlainColumns(RowReader header)
    {
        public int PsnNo { get; } = header.ColumnIndex("psn_no");
        public int Certno { get; } = header.ColumnIndex("certno");
        public int CertType { get; } = header.ColumnIndex("psn_cert_type");
        public int Birthday { get; } = header.ColumnIndex("brdy");
        public int Insutype { get; } = header.ColumnIndex("insutype");
        public int Insuplc { get; } = header.ColumnIndex("insuplc_admdvs");
        public int InsuredDate { get; } = header.ColumnIndex("psn_insu_date");
        public int HouseholdId { get; } = header.ColumnIndex("household_id");
        public int Hukou { get; } = header.ColumnIndex("hukou_admdvs");
        public int InsuredSince { get; } = header.ColumnIndex("insured_since");
    }

    /// <summary>What a run keeps of a persons row, as the bytes of its cells (an empty span is an empty cell).</summary>
    public readonly ref struct PlainPerson
    {
        public ReadOnlySpan<byte> PsnNo { get; init; }

        /// <summary>An 18-character resident ID number, already as <see cref="CertNumbers.Normalise"/> gives it.</summary>
        public ReadOnlySpan<byte> Certno { get; init; }

        public ReadOnlySpan<byte> Insutype { get; init; }
        public ReadOnlySpan<byte> Insuplc { get; init; }
        public ReadOnlySpan<byte> HouseholdId { get; init; }
        public ReadOnlySpan<byte> Hukou { get; init; }
        public DateOnly? InsuredSince { get; init; }
    }

    /// <summary>
    /// A persons row of a plain line in its common form, checked from its bytes for a run from files:
    /// true only when <see cref="Parse"/> would accept it with the same values and nothing to warn of
    /// (a resident ID number already normalised and of a known county, ISO dates, division codes of
    /// digits, text with nothing to trim). The row's key is not checked here: the caller adds it to the
    /// file's seen keys and leaves a duplicate to <see cref="Parse"/>, which words the error. On false
    /// nothing was done, and <see cref="Parse"/> reads the row.
    /// </summary>
    public static bool TryPlain(RowReader row, PlainColumns columns, LoadContext context, out PlainPerson person)
    {
        person = default;
        var psn = row.Cell(columns.PsnNo);
        var certType = row.Cell(columns.CertType);
        var certno = row.Cell(columns.Certno);
        var insutype = row.Cell(columns.Insutype);
        var insuplc = row.Cell(columns.Insuplc);
        var household = row.Cell(columns.HouseholdId);
        var hukou = row.Cell(columns.Hukou);
        if (psn.IsEmpty || !IsPrintableAscii(psn) || !IsPrintableAscii(insutype) || !IsPrintableAscii(household))
        {
            return false;
        }
        // An ID number of another kind (psn_cert_type other than 01) is kept as written: the general way.
        if (!certno.IsEmpty && !(certType.IsEmpty || certType.SequenceEqual("01"u8)))
        {
            return false;
        }
        // GB 11643 (data.md "Loading rules"): 15 digits, a lower-case x or an unknown address go the general way.
        if (!certno.IsEmpty && (!CertNumbers.IsNormalised(certno) || (context.KnownCounties.Count > 0 && !KnownCounty(context.KnownCounties, certno))))
        {
            return false;
        }
        if (!IsDivision(insuplc, RowReader.County) || !IsDivision(hukou, RowReader.AnyDivision)
            || !RowReader.TryOptionalIsoDate(row.Cell(columns.Birthday), out _) || !RowReader.TryOptionalIsoDate(row.Cell(columns.InsuredDate), out _)
            || !RowReader.TryOptionalIsoDate(row.Cell(columns.InsuredSince), out var insuredSince))
        {
            return false;
        }
        person = new PlainPerson
        {
            PsnNo = psn,
            Certno = certno,
            Insutype = insutype,
            Insuplc = insuplc,
            HouseholdId = household,
            Hukou = hukou,
            InsuredSince = insuredSince,
        };
        return true;
    }

    private static bool KnownCounty(HashSet<string> counties, ReadOnlySpan<byte> certno)
    {
        Span<char> address = stackalloc char[6];
        System.Text.Ascii.ToUtf16(certno[..6], address, out _);
        if (counties.TryGetAlternateLookup<ReadOnlySpan<char>>(out var bySpan))
        {
            // A prefecture stands for its counties (its code with 00), as KnownCounty of a string has it.
            if (bySpan.Contains(address))
            {
                return true;
            }
            address[4] = '0';
            address[5] = '0';
            return bySpan.Contains(address);
        }
        return KnownCounty(counties, System.Text.Encoding.ASCII.GetString(certno));
    }

    /// <summary>Empty, or digits of one of <paramref name="lengths"/>: what <see cref="RowReader.Division"/> accepts as it stands.</summary>
    private static bool IsDivision(ReadOnlySpan<byte> cell, int[] lengths) =>
        cell.IsEmpty || (Array.IndexOf(lengths, cell.Length) >= 0 && !cell.ContainsAnyExceptInRange((byte)'0', (byte)'9'));
}
