using System.Globalization;
using System.Text;
using Gongji.App.Tests.Store;
using Gongji.Loading;
using Gongji.Runs;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Loading;

[Collection(StoreCollection.Name)]
public class LoaderTests(PostgresServer postgres)
{
    private const string SettlementHeader = "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,hifp_pay,hifmi_pay,maf_pay,fund_pay_sumamt,psn_part_amt,dise_name";

    private static readonly Encoding Gb18030 = CodePagesEncodingProvider.Instance.GetEncoding("GB18030")!;

    private static string Folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string Write(string folder, string name, string text, Encoding? encoding = null)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal), encoding ?? new UTF8Encoding(false));
        return path;
    }

    private static async Task<GongjiStore> WithPersonsAsync(string provider, PostgresServer postgres, string folder)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var persons = Write(folder, "persons.csv", """
            psn_no,certno,psn_cert_type,psn_name,insutype,insuplc_admdvs,household_id
            P1,11010519491231002X,01,张三,390,330108,H1
            P2,,,李四,390,330108,
            """);
        Assert.True((await new Loader(store, TimeProvider.System).LoadAsync(persons)).Succeeded);
        return store;
    }

    private static async Task<int> CountAsync(GongjiStore store, Func<GongjiDb, Task<int>> count)
    {
        await using var db = store.CreateDb();
        return await count(db);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_GB18030_file_with_three_bad_rows_loads_nothing_and_lists_exactly_those_rows(string provider)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var bad = Write(folder, "settlements.csv", $"""
            {SettlementHeader}
            S1,P1,2024-03-05 10:00:00,21,50000,5000,0,3000,42000,28000,2000,0,30000,20000,肺炎
            S2,P1,2024-03-06,11,-100,0,0,0,0,0,0,0,,,高血压
            S3,P1,2024/3/7,11,100,0,0,0,200,50,0,0,,,高血压
            S4,P2,20240308,21,1000,0,0,0,1000,600,0,0,500,500,胃炎
            S5,P2,2024-03-09,11,300.5,0,0,0,300.5,150,0,0,150,150.5,感冒
            """, Gb18030);
        var loader = new Loader(store, TimeProvider.System);
        var result = await loader.LoadAsync(bad);

        Assert.False(result.Succeeded);
        Assert.Equal("GB18030", result.Encoding);
        Assert.Equal([3, 4, 5], result.Errors.Select(e => e.Row).Distinct());
        Assert.Contains(result.Errors, e => e is { Row: 3, Column: "medfee_sumamt", Value: "-100" } && e.Reason.Contains("negative", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e is { Row: 4, Column: "inscp_scp_amt" } && e.Reason.Contains("greater than medfee_sumamt", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e is { Row: 5, Column: "fund_pay_sumamt", Value: "500.00" });
        var errorFile = File.ReadAllLines(result.ErrorFile!, Encoding.UTF8);
        Assert.Equal("row,column,value,reason", errorFile[0].TrimStart('\uFEFF'));
        Assert.Equal([3, 4, 5], errorFile.Skip(1).Select(l => int.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).Distinct());
        Assert.Equal(0, await CountAsync(store, db => db.Settlements.CountAsync()));
        Assert.Equal(0, await CountAsync(store, db => db.LoadBatches.CountAsync(b => b.Kind == "settlements")));

        var fixedFile = Write(folder, "settlements.csv", $"""
            {SettlementHeader}
            S1,P1,2024-03-05 10:00:00,21,50000,5000,0,3000,42000,28000,2000,0,30000,20000,肺炎
            S2,P1,2024-03-06,11,100,0,0,0,100,50,0,0,,,高血压
            S3,P1,2024/3/7,11,100,0,0,0,100,50,0,0,,,高血压
            S4,P2,20240308,21,1000,0,0,0,1000,600,0,0,600,400,胃炎
            S5,P2,2024-03-09,11,300.5,0,0,0,300.5,150,0,0,150,150.5,感冒
            """, Gb18030);
        var loaded = await loader.LoadAsync(fixedFile);
        Assert.True(loaded.Succeeded, string.Join("; ", loaded.Errors));
        Assert.Equal(new WriteCounts(5, 0, 0), loaded.Counts);
        Assert.False(File.Exists(result.ErrorFile), "the stale error file is removed once the file loads");
        var again = await loader.LoadAsync(fixedFile);
        Assert.Equal(new WriteCounts(0, 0, 5), again.Counts);
        Assert.Equal(5, await CountAsync(store, db => db.Settlements.CountAsync()));
        await using var db = store.CreateDb();
        Assert.Equal("肺炎", (await db.Settlements.SingleAsync(s => s.SetlId == "S1")).DiseName);
        Assert.Equal(30050, (await db.Settlements.SingleAsync(s => s.SetlId == "S5")).MedfeeSumamtFen);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_SETL_D_export_with_its_own_field_names_loads_unchanged(string provider)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var path = Write(folder, "SETL_D_202403.csv", """
            SETL_ID,MDTRT_ID,PSN_NO,SETL_TIME,MED_TYPE,MEDFEE_SUMAMT,FULAMT_OWNPAY_AMT,OVERLMT_SELFPAY,PRESELFPAY_AMT,INSCP_SCP_AMT,HIFP_PAY,HIFMI_PAY,OTHFUND_PAY,FUND_PAY_SUMAMT,PSN_PAY,ACCT_PAY,CASH_PAYAMT,DISE_CODG,DISE_NAME,FIXMEDINS_CODE,EXTRA_COLUMN
            S9,M9,P1,2024-04-01 09:30:00,21,"12,000.00",1000,0,500,10500,6000,0,300,6300,5700,700,5000,J18.900,肺炎,H33010800001,anything
            """);
        var result = await new Loader(store, TimeProvider.System).LoadAsync(path);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal("settlements", result.Kind);
        await using var db = store.CreateDb();
        var s = await db.Settlements.SingleAsync();
        Assert.Equal((1200000L, 30000L, 570000L, 500000L, "J18.900"), (s.MedfeeSumamtFen, s.OthPayFen, s.PsnPartAmtFen!.Value, s.PsnCashPayFen!.Value, s.DiseNo!));
        Assert.Equal(new DateTime(2024, 4, 1, 9, 30, 0), s.SetlTime);
    }

    /// <summary>Every stored column, as text, with what differs between the stores left out (the load batch).</summary>
    private static async Task<List<string>> StoredAsync(GongjiStore store)
    {
        static string Of(object row) => string.Join("|", row.GetType().GetProperties()
            .Where(p => p.Name is not ("BatchId" or "Id"))
            .Select(p => $"{p.Name}={Convert.ToString(p.GetValue(row), System.Globalization.CultureInfo.InvariantCulture)}"));
        await using var db = store.CreateDb();
        return [
            .. (await db.Settlements.OrderBy(s => s.SetlId).ToListAsync()).Select(Of),
            .. (await db.Identities.ToListAsync()).Select(Of).Order(StringComparer.Ordinal),
            .. (await db.Enrolments.ToListAsync()).Select(Of).Order(StringComparer.Ordinal),
            .. (await db.Aids.ToListAsync()).Select(Of).Order(StringComparer.Ordinal),
        ];
    }

    [Fact]
    public async Task Every_kind_of_value_is_stored_the_same_in_PostgreSQL_as_in_SQLite()
    {
        var stored = new List<List<string>>();
        foreach (var provider in new[] { "sqlite", "postgres" })
        {
            var folder = Folder();
            var store = await WithPersonsAsync(provider, postgres, folder);
            var files = new[]
            {
                Write(folder, "settlements.csv", """
                    setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,hifp_pay,hifmi_pay,refd_setl_flag,init_setl_id,referral_compliant,exclusion,begndate,enddate,dise_name,fixmedins_name
                    S1,P1,2024-03-05 10:21:56,21,1000.00,10.00,0,5,985,600.5,20.05,0,,1,none,2024-03-01,2024-03-05,肺炎（社区获得性）,滨江区人民医院
                    S2,P1,1999-12-31 23:59:59,11,12.34,0,0,0,12.34,0,0,0,,0,work_injury,,,,
                    S3,P2,2024-03-06 00:00:00,21,-1000.00,-10.00,0,-5,-985,-600.5,-20.05,1,S1,1,none,2000-01-01,2038-01-19,,
                    """),
                Write(folder, "identities.csv", """
                    psn_no,psn_idet_type,psn_type_lv,begntime,endtime,illness_induced,gradual_exit,source
                    P1,disabled,2,1990-06-01,,1,0,残联
                    P2,dibao,,2024-01-01,2024-12-31,0,1,
                    """),
                Write(folder, "enrolments.csv", """
                    psn_no,insutype,begndate,enddate,subsidized
                    P1,390,1998-01-01,,1
                    P2,310,2024-02-29,2024-12-31,0
                    """),
                Write(folder, "aids.csv", """
                    psn_no,payer,amount,pay_date,expense_year,voucher_no,setl_id
                    P1,red_cross,8591.86,2025-02-16,2024,HC1,S1
                    P2,charity,0.01,2024-12-31,,CH1,
                    """),
            };
            foreach (var path in files)
            {
                var result = await new Loader(store, TimeProvider.System).LoadAsync(path);
                Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            }
            stored.Add(await StoredAsync(store));
        }
        Assert.Equal(9, stored[0].Count);
        Assert.Equal(stored[0], stored[1]);
    }

    public static TheoryData<string, string, string, string, string> BadRows => new()
    {
        // file, header, row, column named in the error, words of the reason
        { "settlements.csv", SettlementHeader, ",P1,2024-03-05,21,10,0,0,0,10,5,0,0,,,x", "setl_id", "required" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-13-45,21,10,0,0,0,10,5,0,0,,,x", "setl_time", "not a date" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,ten,0,0,0,10,5,0,0,,,x", "medfee_sumamt", "not an amount" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10.001,0,0,0,10,5,0,0,,,x", "medfee_sumamt", "two decimals" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,330108197008101549,0,0,0,10,5,0,0,,,x", "medfee_sumamt", "too large" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10,0,0,0,10,-5,0,0,,,x", "hifp_pay", "negative" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10,0,0,0,20,5,0,0,,,x", "inscp_scp_amt", "greater than medfee_sumamt" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10,0,0,0,10,5,0,0,6,,x", "fund_pay_sumamt", "sum of the fund columns" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10,0,0,0,10,5,0,0,5,6,x", "psn_part_amt", "medfee_sumamt − fund_pay_sumamt" },
        { "settlements.csv", SettlementHeader, "S1,P7,2024-03-05,21,10,0,0,0,10,5,0,0,,,x", "psn_no", "not in the registry" },
        { "settlements.csv", SettlementHeader, "S1,P1,2024-03-05,21,10,0,0,0,10,5,0,0,,,x\nS1,P1,2024-03-06,21,10,0,0,0,10,5,0,0,,,x", "setl_id", "twice" },
        { "settlements.csv", SettlementHeader + ",refd_setl_flag", "S1,P1,2024-03-05,21,-10,0,0,0,-10,-5,0,0,,,x,1", "init_setl_id", "reversal" },
        { "settlements.csv", SettlementHeader + ",exclusion", "S1,P1,2024-03-05,21,10,0,0,0,10,5,0,0,,,x,accident", "exclusion", "work_injury" },
        { "persons.csv", "psn_no,certno,psn_cert_type", "P5,110105194912310021,01", "certno", "check digit" },
        { "persons.csv", "psn_no,certno,psn_cert_type", "P5,1101051949,01", "certno", "18 characters" },
        { "identities.csv", "psn_no,psn_idet_type,begntime,endtime", "P1,XX99,2024-01-01,2024-12-31", "psn_idet_type", "unmapped identity code" },
        { "identities.csv", "psn_no,psn_idet_type,begntime,endtime", "P1,dibao,2024-01-01,2023-12-31", "endtime", "before begntime" },
        { "identities.csv", "psn_no,psn_idet_type,begntime,endtime", "P1,disabled,2024-01-01,2030-12-31", "psn_type_lv", "grade" },
        { "identities.csv", "certno,psn_idet_type,begntime", "330108199001011234,dibao,2024-01-01", "certno", "no person with this ID number" },
        { "enrolments.csv", "psn_no,insutype,begndate,enddate", "P1,390,2024-01-01,2023-01-01", "enddate", "before begndate" },
        { "aids.csv", "psn_no,payer,amount,pay_date,voucher_no", "P1,medical_assistance,100,2024-05-01,V1", "payer", "paid as an aid" },
        { "aids.csv", "psn_no,payer,amount,pay_date,voucher_no", "P1,red_cross,100,2024-05-01,", "voucher_no", "required" },
        { "aids.csv", "psn_no,payer,amount,pay_date,voucher_no", "P1,red_cross,100,2024-05-01,V1\nP1,RED_CROSS,100,2024-05-01,V1", "voucher_no", "twice" },
        { "households.csv", "household_id,region_code,category", "H1,33010800,dibao", "region_code", "6 or 9 or 12 digits" },
        { "households.csv", "household_id,region_code,category", "H1,330108001,poor", "category", "tekun, dibao or dibian" },
        { "fee_details.csv", "setl_id,feedetl_sn,det_item_fee_sumamt,chrgitm_lv", "S1,1,10,04", "chrgitm_lv", "01 甲" },
        { "identity_codes.csv", "raw_code,idet_type", "ZJ99,pauper", "idet_type", "not an identity type" },
    };

    public static TheoryData<string, string, string, string, string, string> BadRowsOnEachStore()
    {
        var data = new TheoryData<string, string, string, string, string, string>();
        foreach (var provider in new[] { "sqlite", "postgres" })
        {
            foreach (var row in BadRows)
            {
                data.Add(provider, (string)row[0], (string)row[1], (string)row[2], (string)row[3], (string)row[4]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadRowsOnEachStore))]
    public async Task Every_bad_value_is_named_by_row_column_and_reason(string provider, string file, string header, string rows, string column, string reason)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var path = Write(folder, file, header + "\n" + rows + "\n");
        var before = await CountAsync(store, db => db.LoadBatches.CountAsync());
        var result = await new Loader(store, TimeProvider.System).LoadAsync(path);
        Assert.Equal(before, await CountAsync(store, db => db.LoadBatches.CountAsync()));
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors, e => e.Column == column);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.True(error.Row >= 2);
        Assert.True(File.Exists(result.ErrorFile));
    }

    [Fact]
    public async Task Dates_in_messages_are_written_alike_whatever_the_culture_of_the_machine()
    {
        var folder = Folder();
        var store = await WithPersonsAsync("sqlite", postgres, folder);
        var path = Write(folder, "enrolments.csv", "psn_no,insutype,begndate,enddate\nP1,390,2024-01-01,2024-12-31\nP1,390,2024-01-01,2023-06-30\n");
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("th-TH"); // a Buddhist calendar: 2024 is 2567
            var result = await new Loader(store, TimeProvider.System).LoadAsync(path);
            Assert.Equal("P1|390|2024-01-01", Assert.Single(result.Errors, e => e.Column == "begndate").Value);
            var end = Assert.Single(result.Errors, e => e.Column == "enddate");
            Assert.Equal(("2023-06-30", "before begndate 2024-01-01"), (end.Value, end.Reason));
            var identities = Write(folder, "identities.csv", "psn_no,psn_idet_type,begntime,source\nP1,dibao,0987-03-04,民政\nP1,dibao,0987-03-04,民政\nP1,dibao,2024-01-01,\nP1,dibao,2024-01-01,\n");
            result = await new Loader(store, TimeProvider.System).LoadAsync(identities);
            Assert.Equal(["P1|dibao|0987-03-04|民政", "P1|dibao|2024-01-01|roster"], result.Errors.Where(e => e.Column == "psn_idet_type").Select(e => e.Value));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_settlement_that_comes_again_with_other_amounts_replaces_it_and_the_old_version_stays_in_history(string provider)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var loader = new Loader(store, TimeProvider.System);
        var first = Write(folder, "settlements_a.csv", $"{SettlementHeader}\nS1,P1,2024-03-05,21,1000,0,0,0,1000,600,0,0,,,x\nS2,P1,2024-03-06,11,100,0,0,0,100,50,0,0,,,y\n");
        Assert.Equal(new WriteCounts(2, 0, 0), (await loader.LoadAsync(first)).Counts);
        var second = Write(folder, "settlements_b.csv", $"{SettlementHeader}\nS1,P1,2024-03-05,21,1200,0,0,0,1200,700,0,0,,,x\nS2,P1,2024-03-06,11,100,0,0,0,100,50,0,0,,,y\nS3,P2,2024-04-01,11,80,0,0,0,80,40,0,0,,,z\n");
        Assert.Equal(new WriteCounts(1, 1, 1), (await loader.LoadAsync(second)).Counts);
        await using var db = store.CreateDb();
        var s1 = await db.Settlements.SingleAsync(s => s.SetlId == "S1");
        Assert.Equal((120000L, 2), (s1.MedfeeSumamtFen, s1.Version));
        var history = await db.SettlementHistory.Where(h => h.SetlId == "S1").ToListAsync();
        Assert.Equal(100000L, Assert.Single(history).MedfeeSumamtFen);
        Assert.Equal(1, history[0].Version);
        Assert.NotNull(history[0].ReplacedByBatch);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_second_file_of_new_changed_and_unchanged_rows_interleaved_leaves_each_as_the_last_file_has_it(string provider)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var loader = new Loader(store, TimeProvider.System);
        static string Row(int id, int amount) => $"S{id},P{1 + (id % 2)},2024-03-05,21,{amount},0,0,0,{amount},{amount / 2},0,0,,,d{id}";
        var first = Write(folder, "settlements_a.csv", SettlementHeader + "\n" + string.Join("\n", Enumerable.Range(1, 40).Select(i => Row(i, 100 + i))) + "\n");
        Assert.Equal(new WriteCounts(40, 0, 0), (await loader.LoadAsync(first)).Counts);
        // Rows 1-40 again, every fourth with another amount, and 41-70 new, the new ones spread between the others.
        var second = Enumerable.Range(1, 70).OrderBy(i => (i * 37) % 71).ToList();
        int Amount(int i) => i > 40 ? 1000 + i : i % 4 == 0 ? 500 + i : 100 + i;
        var path = Write(folder, "settlements_b.csv", SettlementHeader + "\n" + string.Join("\n", second.Select(i => Row(i, Amount(i)))) + "\n");
        Assert.Equal(new WriteCounts(30, 10, 30), (await loader.LoadAsync(path)).Counts);
        await using var db = store.CreateDb();
        var stored = await db.Settlements.ToDictionaryAsync(s => s.SetlId, s => (s.MedfeeSumamtFen, s.Version, s.DiseName));
        Assert.Equal(70, stored.Count);
        foreach (var i in second)
        {
            Assert.Equal((Amount(i) * 100L, i <= 40 && i % 4 == 0 ? 2 : 1, $"d{i}"), stored[$"S{i}"]);
        }
        Assert.Equal(10, await db.SettlementHistory.CountAsync());
    }

    [Fact]
    public async Task A_first_load_into_PostgreSQL_leaves_the_indexes_and_key_as_they_were_and_a_failed_one_leaves_them_too()
    {
        var folder = Folder();
        var store = await WithPersonsAsync("postgres", postgres, folder);
        async Task<List<string>> IndexesAsync()
        {
            await using var connection = await store.OpenAsync();
            await using var query = connection.CreateCommand();
            // The key is dropped and added back too: as a constraint, not only as its unique index.
            query.CommandText = "SELECT indexdef FROM pg_indexes WHERE tablename = 'settlements' " +
                "UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'settlements'::regclass ORDER BY 1";
            var definitions = new List<string>();
            await using var rows = await query.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                definitions.Add(rows.GetString(0));
            }
            return definitions;
        }
        var before = await IndexesAsync();
        Assert.Contains(before, d => d.Contains("(psn_no, setl_time)", StringComparison.Ordinal));
        Assert.Contains("settlements_pkey PRIMARY KEY (setl_id)", before);
        var loader = new Loader(store, TimeProvider.System);
        // A bad last row: the copy is written, then rolled back with the dropped indexes.
        var bad = Write(folder, "settlements_bad.csv", $"{SettlementHeader}\nS1,P1,2024-03-05,21,1000,0,0,0,1000,600,0,0,,,x\n" + string.Concat(Enumerable.Range(2, 3000).Select(i => $"S{i},P1,2024-03-05,21,10,0,0,0,10,5,0,0,,,x\n")) + "S9,P9,2024-03-05,21,10,0,0,0,10,5,0,0,,,x\n");
        Assert.False((await loader.LoadAsync(bad)).Succeeded);
        Assert.Equal(before, await IndexesAsync());
        var good = Write(folder, "settlements_a.csv", $"{SettlementHeader}\nS1,P1,2024-03-05,21,1000,0,0,0,1000,600,0,0,,,x\nS2,P1,2024-03-06,11,100,0,0,0,100,50,0,0,,,y\n");
        Assert.Equal(new WriteCounts(2, 0, 0), (await loader.LoadAsync(good)).Counts);
        Assert.Equal(before, await IndexesAsync());
    }

    [Fact]
    public async Task A_first_load_into_PostgreSQL_stores_its_rows_frozen()
    {
        var folder = Folder();
        var store = await WithPersonsAsync("postgres", postgres, folder);
        var good = Write(folder, "settlements_a.csv", $"{SettlementHeader}\n" + string.Concat(Enumerable.Range(1, 2000).Select(i => $"S{i},P1,2024-03-05,21,10,0,0,0,10,5,0,0,,,x\n")));
        Assert.Equal(new WriteCounts(2000, 0, 0), (await new Loader(store, TimeProvider.System).LoadAsync(good)).Counts);
        await using var connection = await store.OpenAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = "CREATE EXTENSION IF NOT EXISTS pg_visibility; SELECT count(*), bool_and(all_frozen) FROM pg_visibility_map('settlements')";
        await using var rows = await query.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        Assert.True(rows.GetInt64(0) > 1); // pages
        Assert.True(rows.GetBoolean(1)); // every page all-frozen: no vacuum has to come back to them
    }

    [Fact]
    public async Task A_first_load_into_PostgreSQL_keeps_rows_another_session_committed_while_it_waited()
    {
        var folder = Folder();
        var store = await WithPersonsAsync("postgres", postgres, folder);
        // Another session writes a settlement and holds its transaction open: the table looks empty to the load.
        await using var other = await store.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var insert = other.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO settlements (setl_id, psn_no, setl_time, setl_year, med_type, medfee_sumamt_fen, fulamt_ownpay_amt_fen, overlmt_selfpay_fen, " +
                "preselfpay_amt_fen, inscp_scp_amt_fen, hifp_pay_fen, hifmi_pay_fen, hifob_pay_fen, cvlserv_pay_fen, hifes_pay_fen, hifdm_pay_fen, maf_pay_fen, oth_pay_fen, " +
                "refd_setl_flag, referral_compliant, exclusion, content_hash, batch_id) VALUES ('OTHER', 'P1', '2024-01-02', 2024, '11', 100, 0, 0, 0, 100, 50, 0, 0, 0, 0, 0, 0, 0, false, true, 'none', 'h', 0)";
            await insert.ExecuteNonQueryAsync();
        }
        var good = Write(folder, "settlements_a.csv", $"{SettlementHeader}\nS1,P1,2024-03-05,21,1000,0,0,0,1000,600,0,0,,,x\nS2,P1,2024-03-06,11,100,0,0,0,100,50,0,0,,,y\n");
        var load = new Loader(store, TimeProvider.System).LoadAsync(good);
        // The load waits for the table's lock; then the other session commits.
        await using (var waiting = other.CreateCommand())
        {
            waiting.Transaction = transaction;
            waiting.CommandText = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND relation = 'settlements'::regclass AND NOT granted)";
            for (var tries = 0; !(bool)(await waiting.ExecuteScalarAsync())! && !load.IsCompleted; tries++)
            {
                Assert.True(tries < 600, "the load never waited for the table");
                await Task.Delay(50);
            }
        }
        await transaction.CommitAsync();
        Assert.Equal(new WriteCounts(2, 0, 0), (await load).Counts);
        await using var db = store.CreateDb();
        Assert.Equal(new[] { "OTHER", "S1", "S2" }, await db.Settlements.OrderBy(s => s.SetlId).Select(s => s.SetlId).ToListAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_second_import_of_the_same_voucher_changes_nothing(string provider)
    {
        var folder = Folder();
        var store = await WithPersonsAsync(provider, postgres, folder);
        var loader = new Loader(store, TimeProvider.System);
        Assert.Equal(new WriteCounts(1, 0, 0), (await loader.LoadAsync(Write(folder, "aids_1.csv", "psn_no,payer,amount,pay_date,voucher_no\nP1,red_cross,500,2024-05-01,RC-1\n"))).Counts);
        Assert.Equal(new WriteCounts(0, 0, 1), (await loader.LoadAsync(Write(folder, "aids_2.csv", "psn_no,payer,amount,pay_date,voucher_no\nP1,red_cross,900,2024-05-02,RC-1\n"))).Counts);
        await using var db = store.CreateDb();
        Assert.Equal(50000L, (await db.Aids.SingleAsync()).AmountFen);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Xlsx_files_load_like_csv(string provider)
    {
        var folder = Folder();
        var store = await Stores.NewAsync(provider, postgres);
        var path = Path.Combine(folder, "persons.xlsx");
        Xlsx.Write(path, "persons", ["psn_no", "certno", "psn_name", "insuplc_admdvs", "insured_since"],
            [["P1", "110105491231002", "王五", "330108", "2010-01-01"], ["P2", "", "赵六", "330108", "20120101"]]);
        var result = await new Loader(store, TimeProvider.System).LoadAsync(path);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal("xlsx", result.Encoding);
        await using var db = store.CreateDb();
        var p1 = await db.Persons.SingleAsync(p => p.PsnNo == "P1");
        Assert.Equal("11010519491231002X", p1.Certno); // 15 digits upgraded to 18 with its check digit
        Assert.Equal("王五", p1.PsnName);
        Assert.Equal(new DateOnly(2012, 1, 1), (await db.Persons.SingleAsync(p => p.PsnNo == "P2")).InsuredSince);
    }

    [Fact]
    public async Task Raw_identity_codes_are_translated_by_the_configurable_mapping()
    {
        var folder = Folder();
        var store = await WithPersonsAsync("sqlite", postgres, folder);
        var loader = new Loader(store, TimeProvider.System);
        Assert.True((await loader.LoadAsync(Write(folder, "identity_codes.csv", "raw_code,idet_type,level,illness_induced\nZJ14,dibao,,1\nCL02,disabled,2,0\n"))).Succeeded);
        var result = await loader.LoadAsync(Write(folder, "identities.csv", "psn_no,psn_idet_type,begntime,endtime\nP1,ZJ14,2024-07-10,2026-07-09\nP2,CL02,2020-01-01,\n"));
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        await using var db = store.CreateDb();
        var dibao = await db.Identities.SingleAsync(i => i.PsnNo == "P1");
        Assert.Equal(("dibao", true, "ZJ14"), (dibao.IdetType, dibao.IllnessInduced, dibao.RawCode));
        Assert.Equal(2, (await db.Identities.SingleAsync(i => i.PsnNo == "P2")).Level);
    }

    [Fact]
    public void Utf8_and_GB18030_are_told_apart()
    {
        var folder = Folder();
        Assert.Equal(65001, TabularFile.DetectEncoding(Write(folder, "a.csv", "psn_no,psn_name\nP1,张三\n")).CodePage);
        Assert.Equal(65001, TabularFile.DetectEncoding(Write(folder, "b.csv", "psn_no,psn_name\nP1,张三\n", new UTF8Encoding(true))).CodePage);
        Assert.Equal(Gb18030.CodePage, TabularFile.DetectEncoding(Write(folder, "c.csv", "psn_no,psn_name\nP1,张三\n", Gb18030)).CodePage);
    }
}
