using System.Globalization;
using Gongji.Engine;
using Gongji.Engine.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gongji.Conformance;

/// <summary>What a case expects (cases.md "File layout", <c>expect:</c>).</summary>
public sealed record CaseExpectation
{
    public bool Error { get; init; }
    public Dictionary<string, Dictionary<string, decimal>> Settlements { get; init; } = [];
    public Dictionary<string, Dictionary<string, decimal>> Persons { get; init; } = [];
    public Dictionary<string, Dictionary<string, decimal>> Households { get; init; } = [];
    public List<(string PsnNo, string Kind, string? Group)>? Warnings { get; init; }
    public Dictionary<string, decimal> Indicators { get; init; } = [];
}

public sealed record ConformanceCase(string Path, string Name, string Cite, RegionYearInput Input, CaseExpectation Expect);

/// <summary>A case file that cannot be read or names something unknown.</summary>
public sealed class CaseFormatException(string message) : Exception(message);

/// <summary>Reads the conformance case format of cases.md, which is a contract: unknown names are refused.</summary>
public static class CaseFile
{
    private static readonly HashSet<string> TopKeys = ["name", "cite", "year", "parameters", "households", "persons", "settlements", "aids", "expect"];
    private static readonly HashSet<string> HouseholdKeys = ["id", "region", "category", "members"];
    private static readonly HashSet<string> MemberKeys = ["id", "region", "insutype", "hukou_region", "insured_since", "enrolments", "identities", "name", "certno"];
    private static readonly HashSet<string> IdentityKeys = ["type", "from", "to", "level", "illness_induced", "gradual_exit"];
    private static readonly HashSet<string> AidKeys = ["psn_no", "payer", "amount", "date", "setl_id", "voucher_no", "expense_year"];

    /// <summary>Every field of data.md's settlement file; fields the engine does not use are accepted and ignored.</summary>
    private static readonly HashSet<string> SettlementKeys =
    [
        "id", "setl_id", "psn_no", "setl_time", "med_type", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
        "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "hifes_pay", "hifdm_pay", "maf_pay", "oth_pay", "othfund_pay",
        "fund_pay_sumamt", "psn_part_amt", "psn_pay", "acct_pay", "psn_cash_pay", "cash_payamt", "refd_setl_flag", "init_setl_id",
        "referral_compliant", "exclusion", "mdtrt_id", "certno", "insutype", "insu_admdvs", "fixmedins_code", "fixmedins_name", "hosp_lv",
        "begndate", "enddate", "dise_no", "dise_codg", "dise_name",
    ];

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyyMMdd", "yyyy/M/d"];

    public static ConformanceCase Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaseFormatException($"cannot read: {e.Message}");
        }
        return Parse(path, text);
    }

    public static ConformanceCase Parse(string path, string text)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw new CaseFormatException("a case file holds one YAML mapping");
        }
        catch (YamlException e)
        {
            throw new CaseFormatException($"not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        CheckKeys(root, TopKeys, "case");
        var year = (int)Number(root, "year", "case", required: true)!.Value;

        var parameters = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (Child(root, "parameters") is YamlMappingNode pm)
        {
            foreach (var (k, v) in pm.Children)
            {
                parameters[Scalar(k, "parameters")] = ParseDecimal(Scalar(v, $"parameters.{Scalar(k, "parameters")}"), $"parameters.{Scalar(k, "parameters")}");
            }
        }

        var households = new List<Household>();
        var persons = new List<Person>();
        foreach (var h in Sequence(root, "households"))
        {
            CheckKeys(h, HouseholdKeys, "household");
            var id = Text(h, "id", "household", required: true)!;
            var region = Text(h, "region", $"household {id}", required: true)!;
            HouseholdCategory? category = Text(h, "category", $"household {id}") switch
            {
                null => null,
                "tekun" => HouseholdCategory.Tekun,
                "dibao" => HouseholdCategory.Dibao,
                "dibian" => HouseholdCategory.Dibian,
                var other => throw new CaseFormatException($"household {id}: unknown category '{other}' (tekun | dibao | dibian)"),
            };
            var members = Sequence(h, "members").Select(m => ParsePerson(m, region, id)).ToList();
            persons.AddRange(members);
            households.Add(new Household { Id = id, Region = region, Category = category, MemberPsnNos = members.Select(m => m.PsnNo).ToList() });
        }
        foreach (var p in Sequence(root, "persons"))
        {
            persons.Add(ParsePerson(p, null, null));
        }
        var known = persons.Select(p => p.PsnNo).ToHashSet(StringComparer.Ordinal);

        var settlements = new List<Settlement>();
        foreach (var s in Sequence(root, "settlements"))
        {
            settlements.Add(ParseSettlement(s, known));
        }
        var aids = new List<Aid>();
        foreach (var a in Sequence(root, "aids"))
        {
            CheckKeys(a, AidKeys, "aid");
            var psn = Text(a, "psn_no", "aid", required: true)!;
            if (!known.Contains(psn))
            {
                throw new CaseFormatException($"aid names unknown psn_no '{psn}'");
            }
            var payerId = Text(a, "payer", $"aid of {psn}", required: true)!;
            if (!Payers.TryParse(payerId, out var payer) || !payer.IsAid())
            {
                throw new CaseFormatException($"aid of {psn}: '{payerId}' is not a payer paid as an aid (huiminbao, civil_affairs, disability, veterans, union, health, red_cross, charity)");
            }
            var date = Date(a, "date", $"aid of {psn}") ?? new DateOnly(year, 12, 31);
            aids.Add(new Aid(psn, payer, MoneyOf(a, "amount", $"aid of {psn}"), date, year, Text(a, "setl_id", "aid"), Text(a, "voucher_no", "aid")));
        }

        var expect = ParseExpect(Child(root, "expect") as YamlMappingNode ?? throw new CaseFormatException("'expect' is missing"));
        var input = new RegionYearInput { Year = year, Households = households, Persons = persons, Settlements = settlements, Aids = aids, Parameters = parameters };
        return new ConformanceCase(path, Text(root, "name", "case") ?? System.IO.Path.GetFileNameWithoutExtension(path), Text(root, "cite", "case") ?? "", input, expect);
    }

    private static Person ParsePerson(YamlMappingNode node, string? householdRegion, string? householdId)
    {
        CheckKeys(node, MemberKeys, "person");
        var id = Text(node, "id", "person", required: true)!;
        var where = $"person {id}";
        var region = Text(node, "region", where) ?? householdRegion ?? throw new CaseFormatException($"{where}: 'region' is missing");
        List<DateRange>? enrolments = null;
        if (Child(node, "enrolments") is YamlSequenceNode es)
        {
            enrolments = es.Children.Cast<YamlMappingNode>().Select(e =>
            {
                CheckKeys(e, ["from", "to"], $"{where} enrolment");
                return Range(e, $"{where} enrolment");
            }).ToList();
        }
        var identities = new List<Identity>();
        foreach (var i in Sequence(node, "identities"))
        {
            CheckKeys(i, IdentityKeys, $"{where} identity");
            var typeId = Text(i, "type", $"{where} identity", required: true)!;
            if (!IdentityTypes.TryParse(typeId, out var type))
            {
                throw new CaseFormatException($"{where}: unknown identity type '{typeId}'");
            }
            var level = Number(i, "level", $"{where} identity");
            identities.Add(new Identity(type, Range(i, $"{where} identity {typeId}"), level is null ? null : (int)level.Value,
                Bool(i, "illness_induced", false), Bool(i, "gradual_exit", false)));
        }
        return new Person
        {
            PsnNo = id,
            HouseholdId = householdId,
            Region = region,
            Insutype = Text(node, "insutype", where) ?? "390",
            HukouRegion = Text(node, "hukou_region", where) ?? region,
            InsuredSince = Date(node, "insured_since", where),
            Enrolments = enrolments,
            Identities = identities,
        };
    }

    private static Settlement ParseSettlement(YamlMappingNode node, HashSet<string> known)
    {
        CheckKeys(node, SettlementKeys, "settlement");
        var id = Text(node, "id", "settlement") ?? Text(node, "setl_id", "settlement") ?? throw new CaseFormatException("settlement: 'id' is missing");
        var where = $"settlement {id}";
        var psn = Text(node, "psn_no", where, required: true)!;
        if (!known.Contains(psn))
        {
            throw new CaseFormatException($"{where}: unknown psn_no '{psn}'");
        }
        var timeText = Text(node, "setl_time", where, required: true)!;
        if (!DateTime.TryParseExact(timeText, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new CaseFormatException($"{where}: setl_time '{timeText}' is not a date");
        }
        var sum = MoneyOf(node, "medfee_sumamt", where);
        var fulamt = MoneyOf(node, "fulamt_ownpay_amt", where);
        var overlmt = MoneyOf(node, "overlmt_selfpay", where);
        var preself = MoneyOf(node, "preselfpay_amt", where);
        var exclusionText = Text(node, "exclusion", where) ?? "none";
        if (!MedTypes.TryParseExclusion(exclusionText, out var exclusion))
        {
            throw new CaseFormatException($"{where}: unknown exclusion '{exclusionText}'");
        }
        return new Settlement
        {
            SetlId = id,
            PsnNo = psn,
            SetlTime = time,
            MedType = Text(node, "med_type", where, required: true)!,
            MedfeeSumamt = sum,
            FulamtOwnpayAmt = fulamt,
            OverlmtSelfpay = overlmt,
            PreselfpayAmt = preself,
            InscpScpAmt = Child(node, "inscp_scp_amt") is null ? Settlement.DefaultInscpScpAmt(sum, fulamt, overlmt, preself) : MoneyOf(node, "inscp_scp_amt", where),
            HifpPay = MoneyOf(node, "hifp_pay", where),
            HifmiPay = MoneyOf(node, "hifmi_pay", where),
            HifobPay = MoneyOf(node, "hifob_pay", where),
            CvlservPay = MoneyOf(node, "cvlserv_pay", where),
            HifesPay = MoneyOf(node, "hifes_pay", where),
            MafPay = MoneyOf(node, "maf_pay", where),
            OthPay = Child(node, "oth_pay") is null ? MoneyOf(node, "othfund_pay", where) : MoneyOf(node, "oth_pay", where),
            IsReversal = Bool(node, "refd_setl_flag", false),
            InitSetlId = Text(node, "init_setl_id", where),
            ReferralCompliant = Bool(node, "referral_compliant", true),
            Exclusion = exclusion,
        };
    }

    private static CaseExpectation ParseExpect(YamlMappingNode node)
    {
        CheckKeys(node, ["error", "settlements", "persons", "households", "warnings", "indicators"], "expect");
        Dictionary<string, Dictionary<string, decimal>> Amounts(string key)
        {
            var result = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
            if (Child(node, key) is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    var id = Scalar(k, $"expect.{key}");
                    var values = new Dictionary<string, decimal>(StringComparer.Ordinal);
                    foreach (var (fk, fv) in ((v as YamlMappingNode) ?? throw new CaseFormatException($"expect.{key}.{id} must be a mapping")).Children)
                    {
                        var field = Scalar(fk, $"expect.{key}.{id}");
                        values[field] = ParseDecimal(Scalar(fv, $"expect.{key}.{id}.{field}"), $"expect.{key}.{id}.{field}");
                    }
                    result[id] = values;
                }
            }
            return result;
        }
        List<(string, string, string?)>? warnings = null;
        if (Child(node, "warnings") is YamlSequenceNode ws)
        {
            warnings = ws.Children.Cast<YamlMappingNode>().Select(w =>
            {
                CheckKeys(w, ["psn_no", "kind", "group"], "expect.warnings");
                return (Text(w, "psn_no", "expect.warnings", required: true)!, Text(w, "kind", "expect.warnings", required: true)!, Text(w, "group", "expect.warnings"));
            }).ToList();
        }
        else if (Child(node, "warnings") is not null)
        {
            warnings = [];
        }
        var indicators = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (Child(node, "indicators") is YamlMappingNode im)
        {
            foreach (var (k, v) in im.Children)
            {
                indicators[Scalar(k, "expect.indicators")] = ParseDecimal(Scalar(v, "expect.indicators"), "expect.indicators");
            }
        }
        return new CaseExpectation
        {
            Error = Bool(node, "error", false),
            Settlements = Amounts("settlements"),
            Persons = Amounts("persons"),
            Households = Amounts("households"),
            Warnings = warnings,
            Indicators = indicators,
        };
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && !(v is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == ScalarStyle.Plain) ? v : null;

    private static IEnumerable<YamlMappingNode> Sequence(YamlMappingNode node, string key) => Child(node, key) switch
    {
        null => [],
        YamlSequenceNode seq => seq.Children.Select(c => c as YamlMappingNode ?? throw new CaseFormatException($"'{key}' holds mappings")),
        _ => throw new CaseFormatException($"'{key}' must be a list"),
    };

    private static string Scalar(YamlNode node, string where) =>
        node is YamlScalarNode { Value: { } v } ? v : throw new CaseFormatException($"{where}: expected a plain value");

    private static string? Text(YamlMappingNode node, string key, string where, bool required = false)
    {
        var child = Child(node, key);
        if (child is null)
        {
            return required ? throw new CaseFormatException($"{where}: '{key}' is missing") : null;
        }
        return Scalar(child, $"{where}.{key}").Trim();
    }

    private static decimal? Number(YamlMappingNode node, string key, string where, bool required = false) =>
        Text(node, key, where, required) is { } t ? ParseDecimal(t, $"{where}.{key}") : null;

    private static decimal ParseDecimal(string text, string where) =>
        decimal.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new CaseFormatException($"{where}: '{text}' is not a number");

    private static Money MoneyOf(YamlMappingNode node, string key, string where)
    {
        var value = Number(node, key, where) ?? 0m;
        return decimal.Round(value, 2) == value ? new Money(value) : throw new CaseFormatException($"{where}.{key}: '{value}' has more than two decimals");
    }

    private static bool Bool(YamlMappingNode node, string key, bool fallback) => Text(node, key, key) switch
    {
        null => fallback,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        var other => throw new CaseFormatException($"'{key}': '{other}' is not true or false"),
    };

    private static DateOnly? Date(YamlMappingNode node, string key, string where)
    {
        var text = Text(node, key, where);
        if (text is null)
        {
            return null;
        }
        return DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? DateOnly.FromDateTime(d)
            : throw new CaseFormatException($"{where}.{key}: '{text}' is not a date");
    }

    private static DateRange Range(YamlMappingNode node, string where)
    {
        var from = Date(node, "from", where) ?? throw new CaseFormatException($"{where}: 'from' is missing");
        var to = Date(node, "to", where) ?? DateOnly.MaxValue;
        return to < from ? throw new CaseFormatException(string.Create(CultureInfo.InvariantCulture, $"{where}: 'to' {to:yyyy-MM-dd} is before 'from' {from:yyyy-MM-dd}")) : new DateRange(from, to);
    }

    private static void CheckKeys(YamlMappingNode node, IReadOnlyCollection<string> allowed, string where)
    {
        foreach (var key in node.Children.Keys)
        {
            var name = Scalar(key, where);
            if (!allowed.Contains(name))
            {
                throw new CaseFormatException($"{where}: unknown field '{name}'");
            }
        }
    }
}
