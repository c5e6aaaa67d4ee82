using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

/// <summary>
/// The settlements' plain parser must say yes only to rows the general parser accepts, and then with
/// the same values and fingerprint; every other row it leaves to the general parser.
/// </summary>
public class SettlementsKindPlainTests
{
    private const string Header =
        "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,hifp_pay,hifmi_pay,hifob_pay,cvlserv_pay," +
        "hifes_pay,hifdm_pay,maf_pay,oth_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay,refd_setl_flag,init_setl_id,referral_compliant,exclusion,mdtrt_id," +
        "certno,insutype,insu_admdvs,fixmedins_code,fixmedins_name,hosp_lv,begndate,enddate,dise_no,dise_name";

    private const string Good =
        "S1,P1,2024-03-05 10:21:56,21,1000.50,100,50,30.5,820,500,100,0,0,0,0,20,0,620,380.50,0,380.50,0,,1,none,M1,330108197008101549,390,330108,H1,滨江区人民医院,3,2024-03-01,2024-03-05,I10.x00,高血压";

    private const string Reversal =
        "S2,P1,2024-03-06 09:00:00,21,-1000.50,-100,-50,-30.5,-820,-500,-100,0,0,0,0,-20,0,-620,-380.50,0,-380.50,1,S1,1,none,M1,330108197008101549,390,330108,H1,滨江区人民医院,3,2024-03-01,2024-03-05,I10.x00,高血压";

    /// <summary>Odd values for each field, to be put in place of a good row's one at a time.</summary>
    internal static readonly string[] OddValues =
    [
        "", " ", " x", "x ", "\t1", "1\t", "\u3000甲", "乙\u3000", "丙\u00A0", "\u200B丁", "戊\u0085", "x\u0001", "ÿ", "é",
        "0", "1", "2", "-1", "+1", "-0", "1.5", "1.55", "1.555", ".5", "5.", "1e3", "1，000", "１２", "0x1", "9999999999999999", "123456789012345",
        "true", "False", "yes", "是", "否", "Y", "n",
        "2024-03-05", "2024-03-05 10:21:56", "2024-02-30", "2024-13-01", "20240305", "2024/3/5", "2024-03-05T10:21:56", "20240305102156", "2024-03-05 24:00:00", "2024-03-05 10:21",
        "330108", "33010", "3301080", "330108001", "３３０１０８",
        "330108197008101549", "330108197008101548", "33010819700810154x", "33010819700810154X", "330108700810154", "33010819700810154", "3301081970081015499",
        "none", "NONE", "Work_Injury", "cosmetic", "accident", " none",
        "P1", "P2", "P9", "S1", "S2",
        "滨江区人民医院", "I10.x00",
    ];

    private static LoadContext Context() => new()
    {
        KnownPersons = new HashSet<string>(["P1", "P2", "S1"], StringComparer.Ordinal),
        PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal) { ["330108197008101549"] = "P1" },
        IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
        KnownCounties = [],
    };

    private static IEnumerable<string> Mutations(string header, string line)
    {
        var cells = line.Split(',');
        yield return line;
        for (var c = 0; c < cells.Length; c++)
        {
            foreach (var odd in OddValues)
            {
                var changed = (string[])cells.Clone();
                changed[c] = odd;
                yield return string.Join(',', changed);
            }
        }
        yield return string.Join(',', cells.Take(5)); // a short row
        yield return line + ",extra";
    }

    /// <summary>
    /// Each line read both ways, each with its own file context; the plain parser's answer is checked
    /// against the general one's. Returns how many lines the plain parser took.
    /// </summary>
    private static int Compare(string headerLine, IEnumerable<string> lines)
    {
        var kind = (SettlementsKind)FileKind.Find("settlements")!;
        var header = headerLine.Split(',');
        var general = new RowReader(header, kind.Aliases, false);
        var plain = new RowReader(header, kind.Aliases, false);
        var parser = kind.PlainParser(plain);
        var batch = new RowBatch(kind.Columns, 1);
        var taken = 0;
        var row = 1;
        foreach (var line in lines)
        {
            row++;
            // Each line as a file of its own: a key seen on one line must not make the next one a duplicate.
            var (generalContext, plainContext) = (Context(), Context());
            var buffer = Encoding.UTF8.GetBytes("junk\n" + line + "\nmore");
            general.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            var errorsBefore = general.Errors.Count;
            var expected = kind.Parse(general, generalContext)!;
            var refused = general.Errors.Count > errorsBefore;
            plain.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            batch.Clear();
            if (!parser.TryParse(plain, plainContext, batch))
            {
                Assert.Equal(0, batch.Count);
                Assert.Empty(plainContext.SeenKeys); // nothing done: the general parser will see the key first
                continue;
            }
            taken++;
            Assert.False(refused, $"the plain parser took a line the general one refuses: {line}");
            Assert.Equal(1, batch.Count);
            Assert.Equal(expected, Enumerable.Range(0, kind.Columns.Count).Select(c => batch.Value(0, c)));
            Assert.Equal(RowBatchTests.AsFirstWritten(expected), Encoding.ASCII.GetString(batch.Hash(0)));
            Assert.Equal(generalContext.SeenKeys, plainContext.SeenKeys);
            Assert.Empty(plain.Errors);
        }
        return taken;
    }

    [Fact]
    public void Every_field_with_every_odd_value_reads_as_the_general_parser_reads_it_or_is_left_to_it()
    {
        var lines = Mutations(Header, Good).Concat(Mutations(Header, Reversal)).ToList();
        var taken = Compare(Header, lines);
        // Both ways were compared on many lines: many odd values still make a good row.
        Assert.InRange(taken, lines.Count / 5, lines.Count - 1);
    }

    [Fact]
    public void A_header_with_aliases_and_without_the_optional_fields_reads_alike()
    {
        const string header = "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,othfund_pay,psn_pay,dise_codg";
        var lines = Mutations(header, "S1,P1,2024-03-05 10:21:56,21,100,10,0,5,60,0,40,I10").ToList();
        Assert.InRange(Compare(header, lines), lines.Count / 5, lines.Count - 1);
    }

    [Fact]
    public void Every_row_of_the_demo_settlements_is_taken_by_the_plain_parser_as_the_general_one_reads_it()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        try
        {
            var lines = File.ReadAllLines(Path.Combine(folder, "settlements.csv"));
            var persons = File.ReadLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
            var kind = (SettlementsKind)FileKind.Find("settlements")!;
            var header = lines[0].Split(',');
            var (general, plain) = (new RowReader(header, kind.Aliases, false), new RowReader(header, kind.Aliases, false));
            var parser = kind.PlainParser(plain);
            var batch = new RowBatch(kind.Columns, lines.Length);
            LoadContext Demo() => new()
            {
                KnownPersons = new HashSet<string>(persons, StringComparer.Ordinal),
                PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
                IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
                KnownCounties = [],
            };
            var (generalContext, plainContext) = (Demo(), Demo());
            var expected = new List<object?[]>();
            for (var i = 1; i < lines.Length; i++)
            {
                var buffer = Encoding.UTF8.GetBytes(lines[i]);
                general.Next(i + 1, buffer, 0, buffer.Length);
                expected.Add(kind.Parse(general, generalContext)!);
                plain.Next(i + 1, buffer, 0, buffer.Length);
                Assert.True(parser.TryParse(plain, plainContext, batch), lines[i]);
            }
            Assert.Empty(general.Errors);
            Assert.True(expected.Count > 1000);
            for (var r = 0; r < expected.Count; r++)
            {
                Assert.Equal(expected[r], Enumerable.Range(0, kind.Columns.Count).Select(c => batch.Value(r, c)));
                Assert.Equal(RowBatchTests.AsFirstWritten(expected[r]), Encoding.ASCII.GetString(batch.Hash(r)));
            }
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
