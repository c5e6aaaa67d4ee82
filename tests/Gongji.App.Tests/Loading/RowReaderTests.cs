using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class RowReaderTests
{
    private static LoadContext Context() => new()
    {
        KnownPersons = new HashSet<string>(["P1", "P2", "3301080000000001"], StringComparer.Ordinal),
        PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal) { ["330108197008101549"] = "3301080000000001" },
        IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal) { ["ZJ11"] = new("ZJ11", "dibao", null, false) },
        KnownCounties = [],
    };

    /// <summary>Rows of every kind, common and odd: each value must read the same from bytes as from cells.</summary>
    public static TheoryData<string, string, string[]> Rows() => new()
    {
        {
            "persons", "psn_no,certno,psn_cert_type,psn_name,gend,brdy,insutype,psn_type,insuplc_admdvs,psn_insu_stas,psn_insu_date,household_id,relation,hukou_admdvs,insured_since",
            [
                "3301080000000001,330108197008101549,01,肖艳,2,1970-08-10,390,1501,330108,1,1998-01-01,,,330108,1998-01-01",
                "P2, 330108197008101549 ,01,\u3000王五\u3000,1,1970/8/10,390,11,330108,1,19980101,H1,01,330108003,1998-1-1",
                "P3,33010819700810154X,01,李,2,1970-02-30,390,11,33010,1,1998-01-01,,,330108,",
                "P4,330108700810154,,赵,2,,310",
                "P5,,,,,,,,,,,,,,,extra,cells",
                "",
                " ",
            ]
        },
        {
            "identities", "psn_no,psn_idet_type,psn_type_lv,begntime,endtime,illness_induced,gradual_exit,source",
            [
                "P1,ZJ11,,2020-01-06,2024-01-05,0,0,民政",
                "P1,disabled,4,2021-06-01,,1,是,残联",
                "P2,disabled,,2021-06-01,,true,no,",
                "P2,disabled,5,2021-06-01,2020-01-01,2,0,残联",
                "P9,tekun,,2021-06-01,,0,0,",
                ",dibao, 01 ,2021-06-01 ,,0,0,",
                "P1,ZJ99,1,20210601,,0,0,",
            ]
        },
        {
            "enrolments", "psn_no,insutype,begndate,enddate,subsidized",
            [
                "P1,390,1998-01-01,,0",
                "P1,390,1998-01-01,,1",
                "P2,310,2024-01-01,2023-12-31,Y",
                "P2,,2024/02/29,2024-13-01,",
                "P1,390,2024-02-29 00:00:00,,0",
            ]
        },
        {
            "aids", "psn_no,payer,amount,pay_date,expense_year,voucher_no,setl_id",
            [
                "P1,huiminbao,8591.86,2025-02-16,2024,HU1,",
                "P1,union,3227.4,2025-02-16,,UN1,S1",
                "P2,union,-1.00,2025-02-16,2024,UN2,",
                "P2,union,1.001,2025-02-16,1999,UN3,",
                "P2,UNION,+12,2025-02-16,2101,UN4,",
                "P2,basic,12.,2025-02-16,2024,UN5,",
                "P2,charity,.5,2025-02-16,2024,UN5,",
                "P2,charity,1e3,2025-02-16,2024,UN6,",
                "P2,charity, 7.50 ,2025-02-16,2024,UN7,",
                "P2,charity,1234567890123456,2025-02-16,2024,UN8,",
            ]
        },
        {
            "settlements", "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,hifmi_pay,refd_setl_flag,init_setl_id,begndate",
            [
                "S1,P1,2024-03-05 10:21:56,21,1000.00,10.00,0,5,600.5,20.05,0,,2024-03-01",
                "S2,P1,2024-03-05,21,100,0,0,0,60,,1,S1,",
                "S3,P2,2024-02-30 10:21:56,21,100,0,0,0,60,,0,,",
                "S4,P2,2024-03-05 24:00:00,21,-100,0,0,0,60,,0,,",
                "S5,P2,20240305102156,21,100,0,0,0,60,,0,,",
                "S6,P2,2024-03-05T10:21:56,21,100,0,0,0,60,,x,,",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_row_reads_the_same_from_its_bytes_as_from_its_cells(string kindName, string headerLine, string[] lines)
    {
        var kind = FileKind.Find(kindName)!;
        var header = headerLine.Split(',');
        var fromCells = new RowReader(header, kind.Aliases, false);
        var fromBytes = new RowReader(header, kind.Aliases, false);
        var (cellsContext, bytesContext) = (Context(), Context());
        var row = 1;
        foreach (var line in lines)
        {
            row++;
            // As the CSV reader hands them over: the header's width, missing cells empty, extra ones dropped.
            var split = line.Split(',');
            var cells = Enumerable.Range(0, header.Length).Select(i => i < split.Length ? split[i] : "").ToArray();
            fromCells.Next(row, cells);
            var expected = kind.Parse(fromCells, cellsContext);
            // The line sits inside a larger buffer, as it does in a block read from the file.
            var buffer = Encoding.UTF8.GetBytes("junk\n" + line + "\r\nmore");
            fromBytes.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            var actual = kind.Parse(fromBytes, bytesContext);
            Assert.Equal(expected, actual);
            Assert.Equal(fromCells.Errors.Select(e => e.ToString()), fromBytes.Errors.Select(e => e.ToString()));
        }
        Assert.Equal(cellsContext.SeenKeys.Order(StringComparer.Ordinal), bytesContext.SeenKeys.Order(StringComparer.Ordinal));
        Assert.NotEmpty(fromCells.Errors); // the odd rows above do make errors, so both ways were compared on them too
    }

    [Fact]
    public void A_line_with_quotes_is_not_read_as_plain_bytes()
    {
        var reader = new RowReader(["a", "b"], new Dictionary<string, string>(), false);
        var buffer = "\"x,y\",z"u8.ToArray();
        Assert.Throws<ArgumentException>(() => reader.Next(2, buffer, 0, buffer.Length));
    }

    [Fact]
    public void Short_cells_are_made_into_strings_once()
    {
        var kind = FileKind.Find("enrolments")!;
        var reader = new RowReader(["psn_no", "insutype", "begndate"], kind.Aliases, false);
        var buffer = "P1,390,2024-01-01\nP2,390,2024-01-01"u8.ToArray();
        reader.Next(2, buffer, 0, 17);
        var first = reader.Text("insutype");
        reader.Next(3, buffer, 18, 17);
        var second = reader.Text("insutype");
        Assert.Equal("390", second);
        Assert.Same(first, second);
    }
}
