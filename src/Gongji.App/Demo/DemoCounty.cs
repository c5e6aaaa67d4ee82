using System.Globalization;
using System.Text;
using Gongji.Loading;
using Gongji.Reference;

namespace Gongji.Demo;

public sealed record DemoOptions
{
    public string County { get; init; } = "330108";
    public int Persons { get; init; } = 2000;
    public IReadOnlyList<int> Years { get; init; } = [2023, 2024];
    public int Seed { get; init; } = 20230101;
}

public sealed record DemoFiles(string Folder, IReadOnlyDictionary<string, long> RowsByFile);

/// <summary>
/// A synthetic county in the files of data.md: insured people (most unassisted), the assisted
/// households of the civil-affairs roster in real township and village codes, identities with
/// validity, enrolments with a few gaps, a year or two of settlements shaped like real ones (many
/// small outpatient bills, fewer stays, a heavy tail), aids, 惠民保 payouts and fee details.
/// Deterministic: the same options give the same files, byte for byte.
/// </summary>
public sealed class DemoCounty
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "姚", "卢", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏", "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹", "薛", "闫", "段", "雷", "龙", "黎", "史", "陶", "贺", "毛", "郝", "顾", "龚", "邵", "万", "覃", "武", "钱", "戴", "严", "莫", "孔", "向", "常"];
    private static readonly string[] GivenChars = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "国", "志", "文", "荣", "福", "海", "金", "春", "小", "林", "梅", "云", "凤", "燕", "德", "宝", "根", "水", "土", "阿", "美"];
    private static readonly (string Code, string Name, double Weight)[] Outpatient =
        [("J06.900", "急性上呼吸道感染", 5), ("I10.x00", "原发性高血压", 6), ("E11.900", "2型糖尿病", 4), ("K29.700", "胃炎", 3), ("M54.500", "腰痛", 2), ("J20.900", "急性支气管炎", 2), ("H10.900", "结膜炎", 1), ("L30.900", "皮炎", 1)];
    private static readonly (string Code, string Name, double Weight)[] Chronic =
        [("I10.x00", "原发性高血压", 5), ("E11.900", "2型糖尿病", 4), ("N18.500", "慢性肾脏病5期（透析）", 1), ("C34.900", "肺恶性肿瘤（门诊放化疗）", 1), ("F20.900", "精神分裂症", 1), ("I25.100", "冠状动脉粥样硬化性心脏病", 2)];
    private static readonly (string Code, string Name, double Weight)[] Inpatient =
        [("J18.900", "肺炎", 5), ("I63.900", "脑梗死", 4), ("K80.200", "胆囊结石", 2), ("S72.000", "股骨颈骨折", 2), ("I50.900", "心力衰竭", 2), ("J44.100", "慢性阻塞性肺病急性加重", 3), ("N18.500", "慢性肾脏病5期", 1), ("C34.900", "肺恶性肿瘤", 1), ("C16.900", "胃恶性肿瘤", 1), ("C22.000", "肝细胞癌", 1), ("I21.900", "急性心肌梗死", 1), ("C92.000", "急性髓系白血病", 0.3)];
    private static readonly (string Code, string Name, string Type, string Level)[] Items =
    [
        ("XA10BAE010A001010101445", "盐酸二甲双胍片", "09", "01"), ("XC08CAA010A001010101455", "硝苯地平控释片", "09", "01"),
        ("XJ01DDA180B002010100110", "注射用头孢曲松钠", "09", "01"), ("XL01XEE260A001010179416", "甲磺酸奥希替尼片", "09", "02"),
        ("XB01ACA010A001010101445", "阿司匹林肠溶片", "09", "01"), ("XL01BCB010B002010100110", "注射用吉西他滨", "09", "02"),
        ("001102000010000", "住院诊查费", "02", "01"), ("001103000010000", "床位费", "06", "01"), ("002501000010000", "CT检查", "04", "01"),
        ("003104000010000", "血液透析", "05", "01"), ("004000000000001", "进口人工关节", "08", "03"), ("00250300001000", "磁共振成像", "04", "02"),
    ];

    private readonly DemoOptions _options;
    private readonly Random _random;
    private readonly List<Division> _villages;
    private readonly string _countyName;
    private readonly string[] _hospitals;
    private long _setlSeq;
    private long _voucherSeq;

    public DemoCounty(DemoOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        var divisions = Divisions.Zhejiang;
        var county = divisions.Find(options.County) ?? throw new ArgumentException($"{options.County} is not a Zhejiang county code");
        if (county.Level != "county")
        {
            throw new ArgumentException($"{options.County} ({county.Name}) is a {county.Level}, not a county");
        }
        _countyName = divisions.FullName(options.County);
        _villages = divisions.Children(options.County).SelectMany(t => divisions.Children(t.Code)).ToList();
        if (_villages.Count == 0)
        {
            throw new ArgumentException($"{options.County} has no villages in the division list");
        }
        _hospitals = [$"{county.Name}人民医院", $"{county.Name}中医院", $"{county.Name}妇幼保健院", .. divisions.Children(options.County).Take(6).Select(t => $"{t.Name}社区卫生服务中心"), "浙江大学医学院附属第一医院", "浙江省人民医院"];
    }

    /// <summary>Writes the files to <paramref name="folder"/> and returns how many rows each holds.</summary>
    public DemoFiles Write(string folder, IProgress<long>? progress = null)
    {
        Directory.CreateDirectory(folder);
        var utf8 = new UTF8Encoding(false);
        using var persons = Open(folder, "persons.csv", "psn_no,certno,psn_cert_type,psn_name,gend,brdy,insutype,psn_type,insuplc_admdvs,psn_insu_stas,psn_insu_date,household_id,relation,hukou_admdvs,insured_since", utf8);
        using var households = Open(folder, "households.csv", "household_id,region_code,category,head_certno", utf8);
        using var identities = Open(folder, "identities.csv", "psn_no,psn_idet_type,psn_type_lv,begntime,endtime,illness_induced,gradual_exit,source", utf8);
        using var enrolments = Open(folder, "enrolments.csv", "psn_no,insutype,begndate,enddate,subsidized", utf8);
        using var settlements = Open(folder, "settlements.csv", "setl_id,psn_no,setl_time,med_type,fixmedins_code,hosp_lv,dise_no,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,hifp_pay,hifmi_pay,hifob_pay,maf_pay,fund_pay_sumamt,psn_part_amt,acct_pay,refd_setl_flag,init_setl_id,referral_compliant,exclusion", utf8);
        using var aids = Open(folder, "aids.csv", "psn_no,payer,amount,pay_date,expense_year,voucher_no,setl_id", utf8);
        using var fees = Open(folder, "fee_details.csv", "setl_id,feedetl_sn,med_list_codg,medins_list_codg,med_chrgitm_type,chrgitm_lv,det_item_fee_sumamt,cnt,pric,fulamt_ownpay_amt,preselfpay_amt,inscp_scp_amt", utf8);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        File.WriteAllText(Path.Combine(folder, "identity_codes.csv"),
            "raw_code,idet_type,level,illness_induced,note\n" +
            "ZJ11,tekun,,0,特困供养人员（省大救助系统代码，示例映射）\nZJ12,dibao,,0,最低生活保障对象\nZJ13,dibian,,0,最低生活保障边缘对象\n" +
            "ZJ14,dibao,,1,因病纳入低保的支出型困难人员\nZJ15,dibian,,1,因病纳入低边的支出型困难人员\nCL01,disabled,1,0,一级残疾人证\nCL02,disabled,2,0,二级残疾人证\n", utf8);
        counts["identity_codes.csv"] = 7;

        var householdSeq = 0;
        var personSeq = 0;
        var firstYear = _options.Years.Min();
        var lastYear = _options.Years.Max();
        while (personSeq < _options.Persons)
        {
            // About one in twelve insured people belongs to an assisted household, so the demo has
            // enough of them to show every tier; the rest are the general insured population.
            var assisted = _random.NextDouble() < 0.085;
            var village = _villages[_random.Next(_villages.Count)];
            string? householdId = null;
            string? category = null;
            var size = 1;
            if (assisted)
            {
                householdSeq++;
                householdId = $"H{_options.County}{householdSeq:D7}";
                var roll = _random.NextDouble();
                category = roll < 0.15 ? "tekun" : roll < 0.65 ? "dibao" : "dibian";
                size = category == "tekun" ? 1 : 1 + _random.Next(4);
            }
            string? headCertno = null;
            for (var m = 0; m < size && personSeq < _options.Persons; m++)
            {
                personSeq++;
                var psnNo = $"{_options.County}{personSeq:D10}";
                var age = m == 0 ? 30 + _random.Next(60) : _random.Next(85);
                var birth = new DateOnly(lastYear - age, 1 + _random.Next(12), 1 + _random.Next(28));
                var female = _random.Next(2) == 0;
                var certno = CertNo(birth, female);
                headCertno ??= certno;
                var name = Surnames[_random.Next(Surnames.Length)] + GivenChars[_random.Next(GivenChars.Length)] + (_random.Next(3) > 0 ? GivenChars[_random.Next(GivenChars.Length)] : "");
                var employee = age is >= 22 and < 60 && _random.NextDouble() < (assisted ? 0.1 : 0.45);
                var insutype = employee ? "310" : "390";
                var otherHukou = _random.NextDouble() < 0.08;
                var hukou = otherHukou ? "330226" : _options.County;
                var insuredSince = new DateOnly(Math.Max(1998, birth.Year), 1, 1).AddYears(otherHukou ? 18 + _random.Next(8) : 0);
                if (insuredSince.Year > lastYear)
                {
                    insuredSince = new DateOnly(lastYear - 1, 1, 1);
                }
                persons.WriteLine(string.Join(',', psnNo, certno, "01", name, female ? "2" : "1", D(birth), insutype, employee ? "11" : "1501", _options.County, "1", D(insuredSince),
                    householdId ?? "", householdId is null ? "" : m == 0 ? "01" : "10", hukou, D(insuredSince)));
                counts["persons.csv"] = counts.GetValueOrDefault("persons.csv") + 1;

                var (personIdentities, gapStart) = assisted ? AssistedIdentities(psnNo, category!, firstYear, lastYear, age) : GeneralIdentities(psnNo, firstYear, age);
                foreach (var line in personIdentities)
                {
                    identities.WriteLine(line);
                    counts["identities.csv"] = counts.GetValueOrDefault("identities.csv") + 1;
                }
                foreach (var line in Enrolments(psnNo, insutype, insuredSince, gapStart, assisted))
                {
                    enrolments.WriteLine(line);
                    counts["enrolments.csv"] = counts.GetValueOrDefault("enrolments.csv") + 1;
                }
                var sickness = Sickness(age, assisted);
                foreach (var year in _options.Years)
                {
                    WriteYear(year, psnNo, insutype, age, sickness, assisted, settlements, fees, aids, counts);
                }
                if (personSeq % 10_000 == 0)
                {
                    progress?.Report(personSeq);
                }
            }
            if (householdId is not null)
            {
                var region = _random.NextDouble() < 0.7 ? village.Code : village.Parent!;
                households.WriteLine(string.Join(',', householdId, region, category, headCertno));
                counts["households.csv"] = counts.GetValueOrDefault("households.csv") + 1;
            }
        }
        progress?.Report(personSeq);
        return new DemoFiles(folder, counts);
    }

    private static StreamWriter Open(string folder, string name, string header, Encoding encoding)
    {
        var writer = new StreamWriter(Path.Combine(folder, name), false, encoding, 1 << 16) { NewLine = "\n" };
        writer.WriteLine(header);
        return writer;
    }

    private static string D(DateOnly d) => d.ToString("yyyy-MM-dd", Inv);
    private static string Y(long fen) => fen == 0 ? "0" : (fen / 100).ToString(Inv) + "." + (fen % 100).ToString("D2", Inv);
    private static string YSigned(long fen) => fen < 0 ? "-" + Y(-fen) : Y(fen);

    private string CertNo(DateOnly birth, bool female)
    {
        var seq = _random.Next(100) * 10 + (female ? 2 * _random.Next(5) : 2 * _random.Next(5) + 1);
        var first17 = _options.County + birth.ToString("yyyyMMdd", Inv) + seq.ToString("D3", Inv);
        return first17 + CertNumbers.CheckDigit(first17);
    }

    /// <summary>Identities of an assisted person: the household's category, sometimes illness-induced, gradual exit, expiring mid-year, or a disability.</summary>
    private (List<string> Lines, DateOnly? GapStart) AssistedIdentities(string psnNo, string category, int firstYear, int lastYear, int age)
    {
        var lines = new List<string>();
        var roll = _random.NextDouble();
        var begin = new DateOnly(firstYear - 1 - _random.Next(4), 1 + _random.Next(12), 1 + _random.Next(28));
        var end = begin.AddYears(3 + _random.Next(3)).AddDays(-1);
        var illness = false;
        var gradual = false;
        if (category != "tekun" && roll < 0.15)
        {
            // 因病纳入: recognised during the year after heavy bills — the look-back window matters.
            illness = true;
            begin = new DateOnly(lastYear, 3 + _random.Next(8), 1 + _random.Next(28));
            end = begin.AddYears(2).AddDays(-1);
        }
        else if (roll < 0.22)
        {
            end = new DateOnly(lastYear, 4 + _random.Next(6), 1).AddDays(-1); // expires mid-year
        }
        else if (roll < 0.28 && category != "tekun")
        {
            gradual = true;
        }
        var useRawCode = _random.NextDouble() < 0.3;
        var code = useRawCode
            ? category switch { "tekun" => "ZJ11", "dibao" => illness ? "ZJ14" : "ZJ12", _ => illness ? "ZJ15" : "ZJ13" }
            : category;
        var illnessFlag = illness && !useRawCode ? "1" : "0";
        lines.Add(string.Join(',', psnNo, code, "", D(begin), D(end), illnessFlag, gradual ? "1" : "0", "民政"));
        if (gradual)
        {
            lines.Add(string.Join(',', psnNo, category, "", D(end.AddDays(1)), D(end.AddYears(1)), "0", "1", "民政"));
        }
        if (_random.NextDouble() < 0.18 || age > 75 && _random.NextDouble() < 0.2)
        {
            var level = 1 + _random.Next(4);
            lines.Add(string.Join(',', psnNo, _random.Next(2) == 0 ? "disabled" : $"CL0{Math.Min(level, 2)}", level.ToString(Inv), D(new DateOnly(2015 + _random.Next(6), 1, 1)), D(new DateOnly(2030, 12, 31)), "0", "0", "残联"));
        }
        // A few assisted people have a lapse in their enrolment (参保中断) in the last year.
        DateOnly? gap = _random.NextDouble() < 0.04 ? new DateOnly(lastYear, 2 + _random.Next(8), 1) : null;
        return (lines, gap);
    }

    private (List<string>, DateOnly?) GeneralIdentities(string psnNo, int firstYear, int age)
    {
        var lines = new List<string>();
        if (_random.NextDouble() < 0.02)
        {
            var level = 1 + _random.Next(4);
            lines.Add(string.Join(',', psnNo, "disabled", level.ToString(Inv), D(new DateOnly(firstYear - 3, 6, 1)), "", "0", "0", "残联"));
        }
        else if (age > 70 && _random.NextDouble() < 0.01)
        {
            lines.Add(string.Join(',', psnNo, "sanlao", "", D(new DateOnly(2010, 1, 1)), "", "0", "0", "民政"));
        }
        return (lines, null);
    }

    private IEnumerable<string> Enrolments(string psnNo, string insutype, DateOnly since, DateOnly? gapStart, bool assisted)
    {
        var subsidized = assisted ? "1" : "0";
        if (gapStart is { } gap)
        {
            yield return string.Join(',', psnNo, insutype, D(since), D(gap.AddDays(-1)), subsidized);
            yield return string.Join(',', psnNo, insutype, D(gap.AddMonths(2 + _random.Next(3))), "", subsidized);
        }
        else
        {
            yield return string.Join(',', psnNo, insutype, D(since), "", subsidized);
        }
    }

    /// <summary>0 healthy, 1 chronic, 2 serious, 3 catastrophic; older and assisted people are sicker.</summary>
    private int Sickness(int age, bool assisted)
    {
        var r = _random.NextDouble() / (1 + (age / 50.0) + (assisted ? 0.6 : 0));
        return r < 0.012 ? 3 : r < 0.07 ? 2 : r < 0.32 ? 1 : 0;
    }

    private void WriteYear(int year, string psnNo, string insutype, int age, int sickness, bool assisted,
        StreamWriter settlements, StreamWriter fees, StreamWriter aids, Dictionary<string, long> counts)
    {
        var outpatientVisits = Poisson(sickness switch { 0 => 3.5, 1 => 11.0, 2 => 14.0, _ => 18.0 } * (age > 65 ? 1.2 : 1.0));
        var chronicMonths = sickness >= 1 && _random.NextDouble() < 0.6 ? 12 : 0;
        var stays = sickness switch { 0 => _random.NextDouble() < 0.03 ? 1 : 0, 1 => _random.NextDouble() < 0.15 ? 1 : 0, 2 => 1 + _random.Next(2), _ => 2 + _random.Next(3) };
        var employee = insutype == "310";
        long burdenThisYear = 0;
        for (var i = 0; i < outpatientVisits; i++)
        {
            burdenThisYear += Settle(year, psnNo, insutype, "11", Pick(Outpatient), LogNormalFen(140, 0.9, 2_000, 600_000), employee, assisted, false, settlements, fees, counts);
        }
        for (var i = 0; i < chronicMonths; i++)
        {
            var disease = Pick(Chronic);
            var mean = disease.Code.StartsWith("N18", StringComparison.Ordinal) ? 6_000 : disease.Code.StartsWith('C') ? 9_000 : 450;
            burdenThisYear += Settle(year, psnNo, insutype, "14", disease, LogNormalFen(mean, 0.5, 5_000, 8_000_000), employee, assisted, false, settlements, fees, counts, month: i + 1);
        }
        for (var i = 0; i < stays; i++)
        {
            var catastrophic = sickness == 3 && i == 0;
            var amount = catastrophic ? LogNormalFen(220_000, 0.7, 5_000_000, 120_000_000) : LogNormalFen(11_000, 0.8, 100_000, 30_000_000);
            burdenThisYear += Settle(year, psnNo, insutype, _random.NextDouble() < 0.9 ? "21" : "2101", Pick(Inpatient), amount, employee, assisted, true, settlements, fees, counts);
        }
        // Aids for the year: 惠民保 on heavy burdens, departments for assisted people.
        var pay = new DateOnly(year, 12, 1 + _random.Next(28)).AddMonths(_random.Next(3));
        if (burdenThisYear > 2_000_000 && _random.NextDouble() < 0.55)
        {
            Aid(aids, counts, psnNo, "huiminbao", Math.Min((burdenThisYear - 2_000_000) * 7 / 10, 300_000_000), pay, year);
        }
        if (assisted && burdenThisYear > 500_000)
        {
            if (_random.NextDouble() < 0.35)
            {
                Aid(aids, counts, psnNo, "civil_affairs", Math.Min(burdenThisYear / 5, 2_000_000) / 100 * 100, pay, year);
            }
            if (_random.NextDouble() < 0.12)
            {
                Aid(aids, counts, psnNo, _random.Next(3) switch { 0 => "red_cross", 1 => "charity", _ => "disability" }, 100_000 + (_random.Next(20) * 50_000), pay, year);
            }
        }
        if (employee && burdenThisYear > 1_000_000 && _random.NextDouble() < 0.3)
        {
            Aid(aids, counts, psnNo, "union", Math.Min(burdenThisYear / 10, 1_000_000), pay, year);
        }
    }

    private void Aid(StreamWriter aids, Dictionary<string, long> counts, string psnNo, string payer, long fen, DateOnly date, int year)
    {
        _voucherSeq++;
        aids.WriteLine(string.Join(',', psnNo, payer, Y(fen), D(date), year.ToString(Inv), $"{payer.ToUpperInvariant()[..2]}{year}{_voucherSeq:D8}", ""));
        counts["aids.csv"] = counts.GetValueOrDefault("aids.csv") + 1;
    }

    /// <summary>Writes one settlement (and now and then its reversal and re-bill) and returns the burden left after insurance, in fen.</summary>
    private long Settle(int year, string psnNo, string insutype, string medType, (string Code, string Name, double Weight) disease, long sumFen,
        bool employee, bool assisted, bool inpatient, StreamWriter settlements, StreamWriter fees, Dictionary<string, long> counts, int month = 0)
    {
        var start = month > 0 ? new DateTime(year, month, 1 + _random.Next(28)) : new DateTime(year, 1, 1).AddDays(_random.Next(DateTime.IsLeapYear(year) ? 366 : 365));
        var days = inpatient ? 2 + (int)Math.Min(60, sumFen / 150_000) + _random.Next(5) : 0;
        var end = start.AddDays(days);
        if (end.Year != year)
        {
            end = new DateTime(year, 12, 31);
        }
        var time = end.Date.AddHours(8 + _random.Next(10)).AddMinutes(_random.Next(60)).AddSeconds(_random.Next(60));
        var fulamt = sumFen * (inpatient ? 4 + _random.Next(12) : _random.Next(10)) / 100;
        var overlmt = inpatient && _random.NextDouble() < 0.2 ? sumFen * _random.Next(4) / 100 : 0;
        var preself = sumFen * (inpatient ? 5 + _random.Next(8) : 2 + _random.Next(6)) / 100;
        var scope = sumFen - fulamt - overlmt - preself;
        var deductible = inpatient ? 80_000 : 30_000;
        var ratio = inpatient ? (employee ? 85 : 75) : (employee ? 70 : 55);
        var hifp = Math.Max(0, Math.Min(scope - Math.Min(scope, deductible / 4), (scope - Math.Min(scope, deductible / 4)) * ratio / 100));
        hifp = Math.Min(hifp, employee ? 40_000_000 : 30_000_000);
        var afterBasic = scope - hifp;
        var criticalLine = assisted ? 1_000_000 : 2_000_000;
        var hifmi = inpatient && afterBasic > criticalLine ? (afterBasic - criticalLine) * (assisted ? 70 : 60) / 100 : 0;
        var hifob = employee && inpatient && afterBasic - hifmi > 500_000 ? (afterBasic - hifmi - 500_000) * 50 / 100 : 0;
        var selfInScope = Math.Max(0, scope - hifp - hifmi - hifob);
        var maf = assisted ? selfInScope * 70 / 100 : 0;
        var funds = hifp + hifmi + hifob + maf;
        var psnPart = sumFen - funds;
        var acct = employee ? Math.Min(psnPart, psnPart * _random.Next(60) / 100) : 0;
        var referral = !(inpatient && _random.NextDouble() < 0.02);
        var exclusion = inpatient && _random.NextDouble() < 0.01 ? (_random.Next(3) switch { 0 => "third_party", 1 => "work_injury", _ => "cosmetic" }) : "none";
        var hospital = inpatient ? _hospitals[_random.Next(3) == 0 ? _hospitals.Length - 1 - _random.Next(2) : _random.Next(3)] : _hospitals[3 + _random.Next(Math.Max(1, _hospitals.Length - 5))];
        var hospLevel = hospital.Contains("附属", StringComparison.Ordinal) || hospital.StartsWith("浙江省", StringComparison.Ordinal) ? "1" : hospital.Contains("社区", StringComparison.Ordinal) ? "3" : "2";
        var hospitalCode = $"H{Math.Abs(StableHash(hospital)) % 100000000:D8}";
        _setlSeq++;
        var setlId = $"S{year}{_setlSeq:D10}";
        void WriteRow(string id, long sign, string flag, string init)
        {
            // The columns a benchmark needs and people look at; the platform's other fields are optional (data.md).
            settlements.WriteLine(string.Join(',', id, psnNo, time.ToString("yyyy-MM-dd HH:mm:ss", Inv), medType, hospitalCode, hospLevel, disease.Code,
                YSigned(sign * sumFen), YSigned(sign * fulamt), YSigned(sign * overlmt), YSigned(sign * preself), YSigned(sign * scope),
                YSigned(sign * hifp), YSigned(sign * hifmi), YSigned(sign * hifob), YSigned(sign * maf),
                YSigned(sign * funds), YSigned(sign * psnPart), YSigned(sign * acct), flag, init, referral ? "1" : "0", exclusion));
            counts["settlements.csv"] = counts.GetValueOrDefault("settlements.csv") + 1;
        }
        WriteRow(setlId, 1, "0", "");
        if (inpatient || _random.NextDouble() < 0.02)
        {
            WriteFees(setlId, sumFen, fulamt, preself, fees, counts);
        }
        // A few settlements are reversed (冲销); the corrected bill comes as a new settlement.
        if (_random.NextDouble() < 0.004)
        {
            WriteRow(setlId + "R", -1, "1", setlId);
        }
        return sumFen - funds + maf;
    }

    private void WriteFees(string setlId, long sumFen, long fulamt, long preself, StreamWriter fees, Dictionary<string, long> counts)
    {
        var lines = 3 + _random.Next(6);
        var left = sumFen;
        var leftFul = fulamt;
        var leftPre = preself;
        for (var i = 1; i <= lines; i++)
        {
            var item = Items[_random.Next(Items.Length)];
            var part = i == lines ? left : left * (20 + _random.Next(40)) / 100;
            var ful = i == lines ? leftFul : Math.Min(leftFul, item.Level == "03" ? part : 0);
            var pre = i == lines ? leftPre : Math.Min(leftPre, item.Level == "02" ? part / 10 : 0);
            ful = Math.Min(ful, part);
            pre = Math.Min(pre, part - ful);
            left -= part;
            leftFul -= ful;
            leftPre -= pre;
            var cnt = 1 + _random.Next(20);
            fees.WriteLine(string.Join(',', setlId, i.ToString("D4", Inv), item.Code, "Y" + item.Code[^8..], item.Type, item.Level, Y(part), cnt.ToString(Inv), Y(part / cnt), Y(ful), Y(pre), Y(part - ful - pre)));
            counts["fee_details.csv"] = counts.GetValueOrDefault("fee_details.csv") + 1;
        }
    }

    private (string Code, string Name, double Weight) Pick((string Code, string Name, double Weight)[] items)
    {
        var total = 0.0;
        foreach (var i in items)
        {
            total += i.Weight;
        }
        var r = _random.NextDouble() * total;
        foreach (var i in items)
        {
            r -= i.Weight;
            if (r <= 0)
            {
                return i;
            }
        }
        return items[^1];
    }

    private long LogNormalFen(double medianYuan, double sigma, long minFen, long maxFen)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        var fen = (long)(medianYuan * Math.Exp(sigma * z) * 100);
        return Math.Clamp(fen, minFen, maxFen);
    }

    private int Poisson(double mean)
    {
        var l = Math.Exp(-mean);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= _random.NextDouble();
        }
        while (p > l && k < 400);
        return k - 1;
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            var h = 17;
            foreach (var c in s)
            {
                h = (h * 31) + c;
            }
            return h == int.MinValue ? 0 : h;
        }
    }
}
