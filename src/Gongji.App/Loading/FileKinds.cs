using System.Globalization;
using Gongji.Engine.Model;

namespace Gongji.Loading;

public enum ColumnType
{
    Text,
    Date,
    Timestamp,
    Fen,
    Int,
    Bool,
}

public sealed record Column(string Name, ColumnType Type);

/// <summary>What a second load of a row with the same key does.</summary>
public enum ConflictMode
{
    /// <summary>Replace a changed row, keeping the old version in history (settlements).</summary>
    ReplaceKeepHistory,

    /// <summary>Replace a changed row.</summary>
    Replace,

    /// <summary>Keep the first: "a second import of the same voucher changes nothing" (aids).</summary>
    KeepFirst,
}

/// <summary>What one row parses against: the registry as it stands and what the file itself has shown.</summary>
public sealed class LoadContext
{
    public required HashSet<string> KnownPersons { get; init; }
    public required Dictionary<string, string> PsnNoByCertno { get; init; }
    public required Dictionary<string, IdentityCodeMapping> IdentityCodes { get; init; }
    public required HashSet<string> KnownCounties { get; init; }
    public List<string> Warnings { get; } = [];
    public HashSet<string> SeenKeys { get; init; } = new(StringComparer.Ordinal);
}

public sealed record IdentityCodeMapping(string RawCode, string IdetType, int? Level, bool IllnessInduced);

/// <summary>One of the files of data.md: its fields and aliases, its table, and how a row is checked.</summary>
public abstract class FileKind
{
    public abstract string Name { get; }
    public abstract string Table { get; }
    public abstract IReadOnlyList<Column> Columns { get; }
    public abstract IReadOnlyList<string> Key { get; }
    public virtual ConflictMode Mode => ConflictMode.Replace;

    /// <summary>Where a replaced row's old version is kept, so a past run can be read as it was.</summary>
    public virtual string? HistoryTable => null;

    /// <summary>Rows count their versions (settlements: data.md "replaces the earlier version").</summary>
    public virtual bool Versioned => false;

    /// <summary>The stored columns, in table order: the parsed ones, then the fingerprint and the load batch.</summary>
    public IEnumerable<string> StoredColumns => Columns.Select(c => c.Name).Concat(Versioned ? ["content_hash", "batch_id", "version"] : ["content_hash", "batch_id"]);
    public virtual IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>();

    /// <summary>Fields whose presence in the header marks this kind of file.</summary>
    public abstract IReadOnlyList<string> Signature { get; }

    /// <summary>Columns the header must have (data.md's required fields).</summary>
    public virtual IReadOnlyList<string> RequiredColumns => Signature;

    public abstract object?[]? Parse(RowReader row, LoadContext context);

    /// <summary>
    /// A parser for this kind's rows in their common form, straight from a plain line's bytes into a
    /// batch, for a file whose header is the reader's; null where the kind has none (see <see cref="PlainRowParser"/>).
    /// </summary>
    public virtual PlainRowParser? PlainParser(RowReader header) => null;

    public static readonly IReadOnlyList<FileKind> All =
    [
        new IdentityCodesKind(), new HouseholdsKind(), new PersonsKind(), new IdentitiesKind(), new EnrolmentsKind(),
        new SettlementsKind(), new AidsKind(), new FeeDetailsKind(),
    ];

    public static FileKind? Find(string name) => All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>By the file name (persons.csv, settlements_2024.xlsx …), else by the header's fields.</summary>
    public static FileKind? Detect(string path, IReadOnlyCollection<string> header)
    {
        var stem = Path.GetFileNameWithoutExtension(path).ToLowerInvariant();
        var byName = All.OrderByDescending(k => k.Name.Length).FirstOrDefault(k => stem.StartsWith(k.Name, StringComparison.Ordinal) || stem.StartsWith(k.Name.TrimEnd('s'), StringComparison.Ordinal));
        if (byName is not null)
        {
            return byName;
        }
        var fields = header.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
        return All.OrderByDescending(k => k.Signature.Count).FirstOrDefault(k => k.Signature.All(s => fields.Contains(s) || k.Aliases.Any(a => a.Value == s && fields.Contains(a.Key.ToLowerInvariant()))));
    }

    protected bool Unique(RowReader row, LoadContext context, string field, string key)
    {
        if (!context.SeenKeys.Add(key))
        {
            row.Error(field, key, "appears twice in this file");
            return false;
        }
        return true;
    }

    /// <summary>
    /// "a|b|yyyy-MM-dd[|c]", a row's key within its file (and the value an error names), written in
    /// one string: a million enrolments formatted it through the general formatter.
    /// </summary>
    protected static string KeyOf(string first, string? second, DateOnly date, string? fourth = null)
    {
        second ??= "";
        var length = first.Length + 1 + second.Length + 1 + 10 + (fourth is null ? 0 : 1 + fourth.Length);
        return string.Create(length, (first, second, date, fourth), static (to, key) =>
        {
            key.first.CopyTo(to);
            var at = key.first.Length;
            to[at++] = '|';
            key.second.CopyTo(to[at..]);
            at += key.second.Length;
            to[at++] = '|';
            // "O" is yyyy-MM-dd for a DateOnly, written without reading a format string.
            key.date.TryFormat(to[at..], out var written, "O", CultureInfo.InvariantCulture);
            at += written;
            if (key.fourth is not null)
            {
                to[at++] = '|';
                key.fourth.CopyTo(to[at..]);
            }
        });
    }

    /// <summary>Empty, or bytes from '!' to '~': text the general way would read as the same string, with nothing to trim.</summary>
    protected static bool IsPrintableAscii(ReadOnlySpan<byte> cell)
    {
        foreach (var b in cell)
        {
            if (b is < 33 or > 126)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The same key with its second part as printable ASCII bytes (at most 64, checked by the caller).</summary>
    protected static string KeyOf(string first, ReadOnlySpan<byte> secondAscii, DateOnly date)
    {
        Span<char> second = stackalloc char[secondAscii.Length];
        System.Text.Ascii.ToUtf16(secondAscii, second, out _);
        Span<char> key = stackalloc char[first.Length + 1 + second.Length + 1 + 10];
        first.CopyTo(key);
        var at = first.Length;
        key[at++] = '|';
        second.CopyTo(key[at..]);
        at += second.Length;
        key[at++] = '|';
        date.TryFormat(key[at..], out var written, "O", CultureInfo.InvariantCulture);
        return new string(key[..(at + written)]);
    }

    protected string? Person(RowReader row, LoadContext context)
    {
        var psn = row.Text("psn_no");
        if (psn is null && row.Text("certno") is { } certno)
        {
            var (normalised, _) = CertNumbers.Normalise(certno);
            if (normalised is not null && context.PsnNoByCertno.TryGetValue(normalised, out var found))
            {
                return found;
            }
            row.Error("certno", certno, "no person with this ID number: load persons first");
            return null;
        }
        if (psn is null)
        {
            row.Error("psn_no", "", "required, but empty");
            return null;
        }
        if (!context.KnownPersons.TryGetValue(psn, out var known))
        {
            row.Error("psn_no", psn, "not in the registry: load the persons file first");
            return null;
        }
        return known; // the registry's own string: a million rows of a person keep one copy of it
    }
}

public sealed class IdentityCodesKind : FileKind
{
    public override string Name => "identity_codes";
    public override string Table => "identity_code_map";
    public override IReadOnlyList<string> Key { get; } = ["raw_code"];
    public override IReadOnlyList<string> Signature { get; } = ["raw_code", "idet_type"];
    public override IReadOnlyList<Column> Columns { get; } =
        [new("raw_code", ColumnType.Text), new("idet_type", ColumnType.Text), new("level", ColumnType.Int), new("illness_induced", ColumnType.Bool), new("note", ColumnType.Text)];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var raw = row.Required("raw_code");
        var type = row.Required("idet_type");
        if (type is not null && !IdentityTypes.TryParse(type, out _))
        {
            row.Error("idet_type", type, "not an identity type of cases.md (tekun, dibao, dibian, disabled …)");
        }
        if (raw is not null)
        {
            Unique(row, context, "raw_code", raw);
        }
        return [raw, type, row.Int("level", 1, 4), row.Bool("illness_induced", false), row.Text("note")];
    }
}

public sealed class HouseholdsKind : FileKind
{
    public override string Name => "households";
    public override string Table => "households";
    public override ConflictMode Mode => ConflictMode.ReplaceKeepHistory;
    public override string? HistoryTable => "households_history";
    public override IReadOnlyList<string> Key { get; } = ["household_id"];
    public override IReadOnlyList<string> Signature { get; } = ["household_id", "region_code"];
    public override IReadOnlyList<Column> Columns { get; } =
        [new("household_id", ColumnType.Text), new("region_code", ColumnType.Text), new("category", ColumnType.Text), new("head_certno", ColumnType.Text)];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var id = row.Required("household_id");
        var region = row.Division("region_code", true, RowReader.AnyDivision);
        var category = row.Text("category")?.ToLowerInvariant();
        if (category is not null and not ("tekun" or "dibao" or "dibian"))
        {
            row.Error("category", category, "tekun, dibao or dibian");
        }
        var head = row.Text("head_certno");
        if (head is not null)
        {
            var (normalised, error) = CertNumbers.Normalise(head);
            if (error is not null)
            {
                row.Error("head_certno", CertNumbers.Mask(head), error);
            }
            head = normalised;
        }
        if (id is not null)
        {
            Unique(row, context, "household_id", id);
        }
        return [id, region, category, head];
    }
}

public sealed partial class PersonsKind : FileKind
{
    public override string Name => "persons";
    public override string Table => "persons";
    public override ConflictMode Mode => ConflictMode.ReplaceKeepHistory;
    public override string? HistoryTable => "persons_history";
    public override IReadOnlyList<string> Key { get; } = ["psn_no"];
    public override IReadOnlyList<string> Signature { get; } = ["psn_no", "insutype"];
    public override IReadOnlyList<string> RequiredColumns { get; } = ["psn_no"];
    public override IReadOnlyList<Column> Columns { get; } =
    [
        new("psn_no", ColumnType.Text), new("certno", ColumnType.Text), new("psn_cert_type", ColumnType.Text), new("psn_name", ColumnType.Text),
        new("gend", ColumnType.Text), new("brdy", ColumnType.Date), new("insutype", ColumnType.Text), new("psn_type", ColumnType.Text),
        new("insuplc_admdvs", ColumnType.Text), new("psn_insu_stas", ColumnType.Text), new("psn_insu_date", ColumnType.Date),
        new("household_id", ColumnType.Text), new("relation", ColumnType.Text), new("hukou_admdvs", ColumnType.Text), new("insured_since", ColumnType.Date),
    ];

    /// <summary>The address part (first six digits) names a county of the list, or a prefecture (its code with 00).</summary>
    private static bool KnownCounty(HashSet<string> counties, string certno)
    {
        // Looked up by the span where the set allows it: a million people make no substrings.
        var county = counties.TryGetAlternateLookup<ReadOnlySpan<char>>(out var bySpan) ? bySpan.Contains(certno.AsSpan(0, 6)) : counties.Contains(certno[..6]);
        return county || counties.Contains(certno[..4] + "00");
    }

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var psn = row.Required("psn_no");
        var certType = row.Text("psn_cert_type");
        var certno = row.Text("certno");
        if (certno is not null && (certType is null or "01"))
        {
            var (normalised, error) = CertNumbers.Normalise(certno);
            if (error is not null)
            {
                row.Error("certno", CertNumbers.Mask(certno), error);
            }
            else
            {
                // An unknown address part is a warning only: old division codes stay valid in ID numbers.
                if (context.KnownCounties.Count > 0 && !KnownCounty(context.KnownCounties, normalised!))
                {
                    context.Warnings.Add($"row {row.Row}: ID number {CertNumbers.Mask(normalised)} has address code {normalised![..6]} not in the Zhejiang division list (kept)");
                }
                certno = normalised;
            }
        }
        if (psn is not null)
        {
            Unique(row, context, "psn_no", psn);
        }
        return
        [
            psn, certno, certType, row.Text("psn_name"), row.Text("gend"), row.Date("brdy"), row.Text("insutype"), row.Text("psn_type"),
            row.Division("insuplc_admdvs", false, RowReader.County), row.Text("psn_insu_stas"), row.Date("psn_insu_date"), row.Text("household_id"),
            row.Text("relation"), row.Division("hukou_admdvs", false, RowReader.AnyDivision), row.Date("insured_since"),
        ];
    }
}

public sealed class IdentitiesKind : FileKind
{
    public override string Name => "identities";
    public override string Table => "identities";
    public override ConflictMode Mode => ConflictMode.ReplaceKeepHistory;
    public override string? HistoryTable => "identities_history";
    public override IReadOnlyList<string> Key { get; } = ["psn_no", "idet_type", "begntime", "source"];
    public override IReadOnlyList<string> Signature { get; } = ["psn_idet_type", "begntime"];
    public override IReadOnlyList<string> RequiredColumns { get; } = ["psn_no", "psn_idet_type", "begntime"];
    public override IReadOnlyList<Column> Columns { get; } =
    [
        new("psn_no", ColumnType.Text), new("idet_type", ColumnType.Text), new("begntime", ColumnType.Date), new("endtime", ColumnType.Date),
        new("level", ColumnType.Int), new("illness_induced", ColumnType.Bool), new("gradual_exit", ColumnType.Bool), new("raw_code", ColumnType.Text),
        new("source", ColumnType.Text),
    ];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var psn = Person(row, context);
        var code = row.Required("psn_idet_type");
        string? type = null;
        string? raw = null;
        var level = row.Int("psn_type_lv", 1, 4);
        var illness = row.Bool("illness_induced", false);
        if (code is not null)
        {
            if (IdentityTypes.TryParse(code, out var t))
            {
                type = t.Id();
            }
            else if (context.IdentityCodes.TryGetValue(code, out var mapped))
            {
                type = mapped.IdetType;
                raw = code;
                level ??= mapped.Level;
                illness |= mapped.IllnessInduced;
            }
            else
            {
                row.Error("psn_idet_type", code, "unmapped identity code: add it to the identity code mapping (identity_codes file)");
            }
        }
        if (type == "disabled" && level is null)
        {
            row.Error("psn_type_lv", "", "a disability identity needs its grade (1-4)");
        }
        var begin = row.Date("begntime", required: true);
        var end = row.Date("endtime");
        if (begin is { } b && end is { } e && e < b)
        {
            row.Error("endtime", e.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"before begntime {b:yyyy-MM-dd}"));
        }
        var source = row.Text("source") ?? "roster";
        if (psn is not null && type is not null && begin is not null)
        {
            Unique(row, context, "psn_idet_type", KeyOf(psn, type, begin.Value, source));
        }
        return [psn, type, begin, end, level, illness, row.Bool("gradual_exit", false), raw, source];
    }
}

public sealed partial class EnrolmentsKind : FileKind
{
    public override string Name => "enrolments";
    public override string Table => "enrolments";
    public override ConflictMode Mode => ConflictMode.ReplaceKeepHistory;
    public override string? HistoryTable => "enrolments_history";
    public override IReadOnlyList<string> Key { get; } = ["psn_no", "insutype", "begndate"];
    public override IReadOnlyList<string> Signature { get; } = ["psn_no", "insutype", "begndate"];
    public override IReadOnlyList<Column> Columns { get; } =
        [new("psn_no", ColumnType.Text), new("insutype", ColumnType.Text), new("begndate", ColumnType.Date), new("enddate", ColumnType.Date), new("subsidized", ColumnType.Bool)];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var psn = Person(row, context);
        var insutype = row.Required("insutype");
        var begin = row.Date("begndate", required: true);
        var end = row.Date("enddate");
        if (begin is { } b && end is { } e && e < b)
        {
            row.Error("enddate", e.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"before begndate {b:yyyy-MM-dd}"));
        }
        if (psn is not null && begin is not null)
        {
            Unique(row, context, "begndate", KeyOf(psn, insutype, begin.Value));
        }
        return [psn, insutype, begin, end, row.Bool("subsidized", false)];
    }
}

public sealed partial class SettlementsKind : FileKind
{
    private static readonly string[] FundFields = ["hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "hifes_pay", "hifdm_pay", "maf_pay", "oth_pay"];

    public override string Name => "settlements";
    public override string Table => "settlements";
    public override ConflictMode Mode => ConflictMode.ReplaceKeepHistory;
    public override string? HistoryTable => "settlement_history";
    public override bool Versioned => true;
    public override IReadOnlyList<string> Key { get; } = ["setl_id"];
    public override IReadOnlyList<string> Signature { get; } = ["setl_id", "medfee_sumamt"];
    public override IReadOnlyList<string> RequiredColumns { get; } =
        ["setl_id", "psn_no", "setl_time", "med_type", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "hifp_pay"];

    /// <summary>SETL_D and 5203 exports name some fields otherwise (data.md).</summary>
    public override IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["dise_codg"] = "dise_no",
        ["othfund_pay"] = "oth_pay",
        ["psn_pay"] = "psn_part_amt",
        ["cash_payamt"] = "psn_cash_pay",
    };

    public override IReadOnlyList<Column> Columns { get; } =
    [
        new("setl_id", ColumnType.Text), new("psn_no", ColumnType.Text), new("setl_time", ColumnType.Timestamp), new("setl_year", ColumnType.Int),
        new("med_type", ColumnType.Text), new("medfee_sumamt_fen", ColumnType.Fen), new("fulamt_ownpay_amt_fen", ColumnType.Fen),
        new("overlmt_selfpay_fen", ColumnType.Fen), new("preselfpay_amt_fen", ColumnType.Fen), new("inscp_scp_amt_fen", ColumnType.Fen),
        new("hifp_pay_fen", ColumnType.Fen), new("hifmi_pay_fen", ColumnType.Fen), new("hifob_pay_fen", ColumnType.Fen), new("cvlserv_pay_fen", ColumnType.Fen),
        new("hifes_pay_fen", ColumnType.Fen), new("hifdm_pay_fen", ColumnType.Fen), new("maf_pay_fen", ColumnType.Fen), new("oth_pay_fen", ColumnType.Fen),
        new("fund_pay_sumamt_fen", ColumnType.Fen), new("psn_part_amt_fen", ColumnType.Fen), new("acct_pay_fen", ColumnType.Fen), new("psn_cash_pay_fen", ColumnType.Fen),
        new("refd_setl_flag", ColumnType.Bool), new("init_setl_id", ColumnType.Text), new("referral_compliant", ColumnType.Bool), new("exclusion", ColumnType.Text),
        new("mdtrt_id", ColumnType.Text), new("certno", ColumnType.Text), new("insutype", ColumnType.Text), new("insu_admdvs", ColumnType.Text),
        new("fixmedins_code", ColumnType.Text), new("fixmedins_name", ColumnType.Text), new("hosp_lv", ColumnType.Text), new("begndate", ColumnType.Date),
        new("enddate", ColumnType.Date), new("dise_no", ColumnType.Text), new("dise_name", ColumnType.Text),
    ];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var id = row.Required("setl_id");
        var psn = Person(row, context);
        var time = row.Timestamp("setl_time", required: true);
        var medType = row.Required("med_type");
        var reversal = row.Bool("refd_setl_flag", false);
        var negativeAllowed = reversal; // amounts not negative, except on a reversal (data.md)
        var sum = row.Fen("medfee_sumamt", required: true, negativeAllowed);
        var fulamt = row.Fen("fulamt_ownpay_amt", required: true, negativeAllowed);
        var overlmt = row.Fen("overlmt_selfpay", required: true, negativeAllowed);
        var preself = row.Fen("preselfpay_amt", required: true, negativeAllowed);
        var hifp = row.Fen("hifp_pay", required: true, negativeAllowed);
        var funds = new long?[FundFields.Length];
        for (var f = 0; f < FundFields.Length; f++)
        {
            funds[f] = f == 0 ? hifp : row.Fen(FundFields[f], false, negativeAllowed);
        }
        var scope = row.Fen("inscp_scp_amt", false, negativeAllowed);
        if (scope is null && sum is not null && fulamt is not null && overlmt is not null && preself is not null)
        {
            scope = sum - fulamt - overlmt - preself;
        }
        if (scope is { } sc && sum is { } sm && (reversal ? sc < sm : sc > sm))
        {
            row.Error("inscp_scp_amt", Yuan(sc), $"greater than medfee_sumamt {Yuan(sm)}");
        }
        var fundSum = row.Fen("fund_pay_sumamt", false, negativeAllowed);
        long computedFunds = 0;
        foreach (var fund in funds)
        {
            computedFunds += fund ?? 0;
        }
        if (fundSum is { } fs && fs != computedFunds)
        {
            row.Error("fund_pay_sumamt", Yuan(fs), $"differs from the sum of the fund columns {Yuan(computedFunds)}");
        }
        var psnPart = row.Fen("psn_part_amt", false, negativeAllowed);
        if (psnPart is { } pp && sum is { } total && pp != total - (fundSum ?? computedFunds))
        {
            row.Error("psn_part_amt", Yuan(pp), $"differs from medfee_sumamt − fund_pay_sumamt = {Yuan(total - (fundSum ?? computedFunds))}");
        }
        var init = row.Text("init_setl_id");
        if (reversal && init is null)
        {
            row.Error("init_setl_id", "", "a reversal (refd_setl_flag 1) names the settlement it cancels");
        }
        var exclusionText = row.Text("exclusion") ?? "none";
        if (!MedTypes.TryParseExclusion(exclusionText, out var exclusion))
        {
            row.Error("exclusion", exclusionText, "none, work_injury, third_party, public_health, cosmetic, non_designated, overseas or illegal");
        }
        var certno = row.Text("certno");
        if (certno is not null && certno.Length is 15 or 18)
        {
            var (normalised, error) = CertNumbers.Normalise(certno);
            if (error is not null)
            {
                row.Error("certno", CertNumbers.Mask(certno), error);
            }
            certno = normalised ?? certno;
        }
        if (id is not null)
        {
            Unique(row, context, "setl_id", id);
        }
        return
        [
            id, psn, time, time?.Year, medType, sum, fulamt, overlmt, preself, scope,
            hifp, funds[1] ?? 0, funds[2] ?? 0, funds[3] ?? 0, funds[4] ?? 0, funds[5] ?? 0,
            funds[6] ?? 0, funds[7] ?? 0, fundSum, psnPart, row.Fen("acct_pay"), row.Fen("psn_cash_pay"),
            reversal, init, row.Bool("referral_compliant", true), exclusion.Id(),
            row.Text("mdtrt_id"), certno, row.Text("insutype"), row.Division("insu_admdvs", false, RowReader.County), row.Text("fixmedins_code"),
            row.Text("fixmedins_name"), row.Text("hosp_lv"), row.Date("begndate"), row.Date("enddate"), row.Text("dise_no"), row.Text("dise_name"),
        ];
    }

    internal static string Yuan(long fen) => (fen / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class AidsKind : FileKind
{
    public override string Name => "aids";
    public override string Table => "aids";
    public override ConflictMode Mode => ConflictMode.KeepFirst;
    public override IReadOnlyList<string> Key { get; } = ["payer", "voucher_no"];
    public override IReadOnlyList<string> Signature { get; } = ["payer", "amount", "voucher_no"];
    public override IReadOnlyList<string> RequiredColumns { get; } = ["psn_no", "payer", "amount", "pay_date", "voucher_no"];
    public override IReadOnlyList<Column> Columns { get; } =
    [
        new("payer", ColumnType.Text), new("voucher_no", ColumnType.Text), new("psn_no", ColumnType.Text), new("amount_fen", ColumnType.Fen),
        new("pay_date", ColumnType.Date), new("expense_year", ColumnType.Int), new("setl_id", ColumnType.Text),
    ];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var psn = Person(row, context);
        var payerText = row.Required("payer");
        if (payerText is not null && (!Payers.TryParse(payerText, out var payer) || !payer.IsAid()))
        {
            row.Error("payer", payerText, "a payer paid as an aid: huiminbao, civil_affairs, disability, veterans, union, health, red_cross or charity");
        }
        var amount = row.Fen("amount", required: true, allowNegative: false);
        var date = row.Date("pay_date", required: true);
        var year = row.Int("expense_year", 2000, 2100) ?? date?.Year;
        var voucher = row.Required("voucher_no");
        if (payerText is not null && voucher is not null)
        {
            // The payer as stored (lower case): "MZ" and "mz" with one voucher are the same aid twice.
            Unique(row, context, "voucher_no", $"{payerText.ToLowerInvariant()}|{voucher}");
        }
        return [payerText?.ToLowerInvariant(), voucher, psn, amount, date, year, row.Text("setl_id")];
    }
}

public sealed class FeeDetailsKind : FileKind
{
    public override string Name => "fee_details";
    public override string Table => "fee_details";
    public override IReadOnlyList<string> Key { get; } = ["setl_id", "feedetl_sn"];
    public override IReadOnlyList<string> Signature { get; } = ["setl_id", "feedetl_sn"];
    public override IReadOnlyList<string> RequiredColumns { get; } = ["setl_id", "feedetl_sn", "det_item_fee_sumamt"];
    public override IReadOnlyList<Column> Columns { get; } =
    [
        new("setl_id", ColumnType.Text), new("feedetl_sn", ColumnType.Text), new("med_list_codg", ColumnType.Text), new("medins_list_codg", ColumnType.Text),
        new("med_chrgitm_type", ColumnType.Text), new("chrgitm_lv", ColumnType.Text), new("det_item_fee_sumamt_fen", ColumnType.Fen), new("cnt", ColumnType.Text),
        new("pric_fen", ColumnType.Fen), new("fulamt_ownpay_amt_fen", ColumnType.Fen), new("preselfpay_amt_fen", ColumnType.Fen), new("inscp_scp_amt_fen", ColumnType.Fen),
    ];

    public override object?[]? Parse(RowReader row, LoadContext context)
    {
        var id = row.Required("setl_id");
        var sn = row.Required("feedetl_sn");
        var level = row.Text("chrgitm_lv");
        if (level is not null and not ("01" or "02" or "03"))
        {
            row.Error("chrgitm_lv", level, "01 甲, 02 乙 or 03 自费");
        }
        if (id is not null && sn is not null)
        {
            Unique(row, context, "feedetl_sn", $"{id}|{sn}");
        }
        return
        [
            id, sn, row.Text("med_list_codg"), row.Text("medins_list_codg"), row.Text("med_chrgitm_type"), level,
            row.Fen("det_item_fee_sumamt", required: true, allowNegative: false), row.Text("cnt"), row.Fen("pric", false, false),
            row.Fen("fulamt_ownpay_amt", false, false) ?? 0, row.Fen("preselfpay_amt", false, false) ?? 0, row.Fen("inscp_scp_amt", false, false) ?? 0,
        ];
    }
}
