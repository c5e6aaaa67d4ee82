using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;

namespace Gongji.Runs;

/// <summary>
/// Reads a folder of data.md files straight into the engine's input, with the loaders' own row
/// checks, and no store (<c>gongji run --from DIR</c>).
/// </summary>
public static class FileSnapshot
{
    public static RegionYearInput Read(string folder, string region, int year, IReadOnlyDictionary<string, decimal> parameters)
    {
        var files = Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
            .Where(f => !f.EndsWith(".errors.csv", StringComparison.OrdinalIgnoreCase)).ToList();
        var byKind = new Dictionary<string, List<Dictionary<string, object?>>>(StringComparer.Ordinal);
        var context = new LoadContext
        {
            KnownPersons = new HashSet<string>(StringComparer.Ordinal),
            PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
            IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
            KnownCounties = [],
        };
        foreach (var path in Loader.OrderForLoading(files))
        {
            var file = TabularFile.Open(path);
            string[] header = [];
            FileKind? kind = null;
            RowReader? reader = null;
            var rows = new List<Dictionary<string, object?>>();
            context.SeenKeys.Clear();
            foreach (var (row, cells) in file.Rows(h => header = h))
            {
                kind ??= FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: not a data.md file");
                reader ??= new RowReader(header, kind.Aliases, file.IsSpreadsheet);
                reader.Next(row, cells);
                var values = kind.Parse(reader, context)!;
                if (reader.Errors.Count > 0)
                {
                    throw new InvalidDataException($"{Path.GetFileName(path)}: {reader.Errors[0]}" + (reader.Errors.Count > 1 ? $" (and {reader.Errors.Count - 1} more)" : ""));
                }
                var named = new Dictionary<string, object?>(kind.Columns.Count, StringComparer.Ordinal);
                for (var i = 0; i < values.Length; i++)
                {
                    named[kind.Columns[i].Name] = values[i];
                }
                rows.Add(named);
                if (kind is PersonsKind)
                {
                    context.KnownPersons.Add((string)values[0]!);
                    if (values[1] is string certno)
                    {
                        context.PsnNoByCertno.TryAdd(certno, (string)values[0]!);
                    }
                }
                else if (kind is IdentityCodesKind)
                {
                    context.IdentityCodes[(string)values[0]!] = new IdentityCodeMapping((string)values[0]!, (string)values[1]!, (int?)values[2], (bool)values[3]!);
                }
            }
            if (kind is not null)
            {
                (byKind.TryGetValue(kind.Name, out var list) ? list : byKind[kind.Name] = []).AddRange(rows);
            }
        }
        List<Dictionary<string, object?>> Rows(string kind) => byKind.GetValueOrDefault(kind) ?? [];

        var households = Rows("households").ToDictionary(h => (string)h["household_id"]!, StringComparer.Ordinal);
        string? RegionOf(Dictionary<string, object?> p) =>
            p["household_id"] is string hid && households.TryGetValue(hid, out var h) ? (string)h["region_code"]! : (string?)p["insuplc_admdvs"];
        var persons = Rows("persons").Where(p => RegionOf(p) is { } r && r.StartsWith(region, StringComparison.Ordinal)).ToList();
        var ids = persons.Select(p => (string)p["psn_no"]!).ToHashSet(StringComparer.Ordinal);
        var identities = Rows("identities").Where(i => ids.Contains((string)i["psn_no"]!)).ToLookup(i => (string)i["psn_no"]!, StringComparer.Ordinal);
        var anyEnrolments = Rows("enrolments").Count > 0;
        var enrolments = Rows("enrolments").Where(e => ids.Contains((string)e["psn_no"]!)).ToLookup(e => (string)e["psn_no"]!, StringComparer.Ordinal);

        var personList = persons.Select(p =>
        {
            var psn = (string)p["psn_no"]!;
            return new Person
            {
                PsnNo = psn,
                HouseholdId = p["household_id"] is string hid && households.ContainsKey(hid) ? hid : null,
                Region = RegionOf(p)!,
                Insutype = (string?)p["insutype"] ?? "390",
                HukouRegion = (string?)p["hukou_admdvs"],
                InsuredSince = (DateOnly?)p["insured_since"],
                Enrolments = anyEnrolments ? enrolments[psn].Select(e => new DateRange((DateOnly)e["begndate"]!, (DateOnly?)e["enddate"] ?? DateOnly.MaxValue)).ToList() : null,
                Identities = identities[psn].Select(i => new Identity(
                    IdentityTypes.TryParse((string)i["idet_type"]!, out var t) ? t : IdentityType.Tekun,
                    new DateRange((DateOnly)i["begntime"]!, (DateOnly?)i["endtime"] ?? DateOnly.MaxValue),
                    (int?)i["level"], (bool)i["illness_induced"]!, (bool)i["gradual_exit"]!)).ToList(),
            };
        }).ToList();
        var householdList = personList.Where(p => p.HouseholdId is not null).GroupBy(p => p.HouseholdId!, StringComparer.Ordinal).Select(g => new Household
        {
            Id = g.Key,
            Region = (string)households[g.Key]["region_code"]!,
            Category = households[g.Key]["category"] switch { "tekun" => HouseholdCategory.Tekun, "dibao" => HouseholdCategory.Dibao, "dibian" => HouseholdCategory.Dibian, _ => null },
            MemberPsnNos = g.Select(p => p.PsnNo).ToList(),
        }).ToList();

        static Money Fen(object? v) => Money.FromFen(v is null ? 0 : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture));
        var settlements = Rows("settlements")
            .Where(s => ids.Contains((string)s["psn_no"]!) && ((int)s["setl_year"]! == year || (bool)s["refd_setl_flag"]!))
            .Select(s => new Settlement
            {
                SetlId = (string)s["setl_id"]!,
                PsnNo = (string)s["psn_no"]!,
                SetlTime = (DateTime)s["setl_time"]!,
                MedType = (string)s["med_type"]!,
                MedfeeSumamt = Fen(s["medfee_sumamt_fen"]),
                FulamtOwnpayAmt = Fen(s["fulamt_ownpay_amt_fen"]),
                OverlmtSelfpay = Fen(s["overlmt_selfpay_fen"]),
                PreselfpayAmt = Fen(s["preselfpay_amt_fen"]),
                InscpScpAmt = Fen(s["inscp_scp_amt_fen"]),
                HifpPay = Fen(s["hifp_pay_fen"]),
                HifmiPay = Fen(s["hifmi_pay_fen"]),
                HifobPay = Fen(s["hifob_pay_fen"]),
                CvlservPay = Fen(s["cvlserv_pay_fen"]),
                HifesPay = Fen(s["hifes_pay_fen"]),
                MafPay = Fen(s["maf_pay_fen"]),
                OthPay = Fen(s["oth_pay_fen"]),
                IsReversal = (bool)s["refd_setl_flag"]!,
                InitSetlId = (string?)s["init_setl_id"],
                ReferralCompliant = (bool)s["referral_compliant"]!,
                Exclusion = MedTypes.TryParseExclusion((string)s["exclusion"]!, out var e) ? e : Exclusion.None,
            }).ToList();
        var aids = Rows("aids").Where(a => ids.Contains((string)a["psn_no"]!) && (int)a["expense_year"]! == year)
            .Select(a => new Aid((string)a["psn_no"]!, Payers.TryParse((string)a["payer"]!, out var p) ? p : Payer.Charity, Fen(a["amount_fen"]),
                (DateOnly)a["pay_date"]!, (int)a["expense_year"]!, (string?)a["setl_id"], (string?)a["voucher_no"]))
            .ToList();
        return new RegionYearInput { Year = year, Persons = personList, Households = householdList, Settlements = settlements, Aids = aids, Parameters = parameters };
    }
}
