using System.Text;
using Gongji.Engine;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class SettlementFileReaderTests
{
    private static HashSet<string> PersonsOf(string folder) =>
        File.ReadLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> Rows(SettlementTable t) => Enumerable.Range(0, t.Count).Select(r =>
        $"{t.SetlId(r)}|{t.PsnNos[t.Person[r]]}|{t.Time[r]}|{t.MedTypes[t.MedType[r]]}|{t.Flags[r]}|{t.InitSetlId(r)}|{t.Sum(r)}|{t.Scope(r)}|{t.Hifp(r)}|{t.Hifmi(r)}|{t.Hifob(r)}|{t.Cvlserv(r)}|{t.Hifes(r)}|{t.Oth(r)}|{t.Maf(r)}");

    [Fact]
    public void Reading_in_parts_gives_the_rows_of_one_part_in_file_order()
    {
        var folder = DemoData.Write("330108", 400, 2023, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var persons = PersonsOf(folder);
        // Some people are left out, so parts skip lines and the join has gaps to close.
        persons.RemoveWhere(p => p.EndsWith('7'));
        var (one, oneReader) = SettlementFileReader.Read(path, persons, 2024, parts: 1);
        Assert.True(one.Count > 2000);
        Assert.Contains(Enumerable.Range(0, one.Count), r => one.InitSetlId(r) is not null);
        foreach (var parts in new[] { 2, 3, 7 })
        {
            var (many, reader) = SettlementFileReader.Read(path, persons, 2024, parts: parts);
            Assert.Equal(Rows(one), Rows(many));
            Assert.Equal(oneReader.Rows, reader.Rows);
            Assert.Equal(0, reader.ErrorCount);
        }
    }

    [Fact]
    public void A_file_measured_with_its_room_made_reads_as_one_measured_alone_and_the_room_serves_one_read()
    {
        var folder = DemoData.Write("330108", 400, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var persons = PersonsOf(folder);
        var (alone, _) = SettlementFileReader.Read(path, persons, 2024, parts: 3);
        var layout = SettlementFileReader.Measure(path, parts: 3);
        layout.MakeRoom();
        var (first, _) = SettlementFileReader.Read(layout, persons, 2024);
        // The second read of the same layout writes into memory of its own, not over the first's rows.
        var (second, _) = SettlementFileReader.Read(layout, persons, 2024);
        Assert.True(alone.Count > 1000);
        Assert.Equal(Rows(alone), Rows(first));
        Assert.Equal(Rows(alone), Rows(second));
        Assert.NotSame(first.Person, second.Person);
    }

    [Fact]
    public void Setl_ids_longer_than_a_part_has_room_for_read_as_the_short_ones()
    {
        // Each part writes its setl_ids into its segment of one pool (16 bytes a line); the middle of this
        // file has ids of 60 bytes, so the part reading it moves to a pool of its own and the join copies.
        var folder = DemoData.Write("330108", 400, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var (id, init) = (Array.IndexOf(header, "setl_id"), Array.IndexOf(header, "init_setl_id"));
        var longer = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = lines.Length / 3; i < 2 * lines.Length / 3; i++)
        {
            var cells = lines[i].Split(',');
            longer[cells[id]] = cells[id] + "-" + new string('x', 60 - cells[id].Length - 1);
        }
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            cells[id] = longer.GetValueOrDefault(cells[id], cells[id]);
            cells[init] = longer.GetValueOrDefault(cells[init], cells[init]);
            lines[i] = string.Join(',', cells);
        }
        File.WriteAllLines(path, lines);
        var persons = PersonsOf(folder);
        var (one, _) = SettlementFileReader.Read(path, persons, 2024, parts: 1);
        Assert.Contains(Enumerable.Range(0, one.Count), r => one.SetlId(r).Length == 60);
        foreach (var parts in new[] { 3, 5 })
        {
            var (many, reader) = SettlementFileReader.Read(path, persons, 2024, parts: parts);
            Assert.Equal(Rows(one), Rows(many));
            Assert.Equal(0, reader.ErrorCount);
            // A row added after the read goes after every setl_id already held.
            var added = many.Add("NEW-1"u8, 0, many.Time[0], many.MedType[0], 0, null, 100, 100, 0, 0, 0, 0, 0, 0, 0);
            Assert.Equal("NEW-1", many.SetlId(added));
            Assert.Equal(Rows(one), Rows(many).Take(one.Count));
        }
    }

    /// <summary>Every money field of the settlement lines chosen multiplied by <paramref name="factor"/>: the same arithmetic, over 21 million yuan.</summary>
    internal static void Widen(string path, Func<int, string[], bool> which, decimal factor = 10_000m)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var money = new[] { "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay",
            "cvlserv_pay", "hifes_pay", "hifdm_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay" }
            .Select(f => Array.IndexOf(header, f)).Where(i => i >= 0).ToArray();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (which(i, cells))
            {
                foreach (var f in money.Where(f => cells[f].Length > 0))
                {
                    cells[f] = (decimal.Parse(cells[f], System.Globalization.CultureInfo.InvariantCulture) * factor).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
                }
                lines[i] = string.Join(',', cells);
            }
        }
        File.WriteAllLines(path, lines);
    }

    [Fact]
    public void Settlements_over_21_million_yuan_keep_every_fen_whichever_part_reads_them()
    {
        // Amounts are kept in 32 bits of fen; a row beyond that keeps its amounts whole beside the columns,
        // and moves with its row when a part closes the gaps of the lines it skipped.
        var folder = DemoData.Write("330108", 400, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var sum = Array.IndexOf(File.ReadLines(path).First().Split(','), "medfee_sumamt");
        Widen(path, (line, cells) => line % 97 == 5 && decimal.Parse(cells[sum], System.Globalization.CultureInfo.InvariantCulture) > 3000m);
        var persons = PersonsOf(folder);
        persons.RemoveWhere(p => p.EndsWith('3'));
        var (one, _) = SettlementFileReader.Read(path, persons, 2024, parts: 1);
        var wide = Enumerable.Range(0, one.Count).Where(r => (one.Flags[r] & SettlementTable.WideFlag) != 0).ToList();
        Assert.True(wide.Count >= 3, $"only {wide.Count} wide rows");
        Assert.All(wide, r => Assert.True(one.Sum(r) > int.MaxValue));
        Assert.All(wide, r => Assert.Equal(one.Get(r).MedfeeSumamt.Fen, one.Sum(r)));
        Assert.All(wide, r => Assert.Equal(one.Hifp(r) + one.Hifmi(r) + one.Hifob(r) + one.Cvlserv(r) + one.Hifes(r) + one.Oth(r), one.Funds(r)));
        foreach (var parts in new[] { 3, 7 })
        {
            var (many, reader) = SettlementFileReader.Read(path, persons, 2024, parts: parts);
            Assert.Equal(Rows(one), Rows(many));
            Assert.Equal(0, reader.ErrorCount);
        }
    }

    [Fact]
    public void Errors_name_the_file_line_whichever_part_reads_it()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(path).ToList();
        var header = lines[0].Split(',');
        var sum = Array.IndexOf(header, "medfee_sumamt");
        var late = lines.Count - 5;
        var bad = lines[late].Split(',');
        bad[sum] = "12.345";
        lines[late] = string.Join(',', bad);
        lines.Add(lines[2]); // the setl_id of line 3 again, at the end
        File.WriteAllLines(path, lines);
        foreach (var parts in new[] { 1, 4 })
        {
            var (_, reader) = SettlementFileReader.Read(path, PersonsOf(folder), 2024, parts: parts);
            Assert.Equal(2, reader.ErrorCount);
            var money = Assert.Single(reader.Errors, e => e.Column == "medfee_sumamt");
            Assert.Equal((late + 1, "12.345"), (money.Row, money.Value));
            Assert.Contains("more than two decimals", money.Reason);
            var twice = Assert.Single(reader.Errors, e => e.Column == "setl_id");
            Assert.Equal(lines.Count, twice.Row);
            Assert.Contains("also row 3", twice.Reason);
        }
    }

    [Fact]
    public void Repeated_setl_ids_are_found_across_the_chunks_of_a_large_file()
    {
        // More than 65,536 rows: the duplicate check hashes and places them in several chunks side by side.
        var folder = DemoData.Write("330108", 6000, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(path).ToList();
        Assert.True(lines.Count > 90_000, $"only {lines.Count} lines");
        // Line 3 again in the middle and at the end; line 80,000 again at the end.
        lines.Insert(70_000, lines[2]);
        lines.Add(lines[79_999]);
        lines.Add(lines[2]);
        File.WriteAllLines(path, lines);
        var (_, reader) = SettlementFileReader.Read(path, PersonsOf(folder), 2024, parts: 2);
        var twice = reader.Errors.Where(e => e.Column == "setl_id").Select(e => (e.Row, e.Reason)).ToList();
        Assert.Equal(
            [(70_001, "appears twice in this file (also row 3)"), (lines.Count - 1, "appears twice in this file (also row 80000)"), (lines.Count, "appears twice in this file (also row 3)")],
            twice);
    }

    /// <summary>Odd values for a field, each put in a row of its own: the plain reading must refuse or read them as the general one does.</summary>
    private static readonly Dictionary<string, string[]> OddValues = new()
    {
        ["setl_id"] = ["", " S1", "S1 ", new string('S', 256), "结算1"],
        ["psn_no"] = ["", "9999999999", " {psn}", "{psn} "],
        ["setl_time"] = ["2024-03-05 10:00:00", "2024-03-05T10:00:00", "2024-3-5 10:00:00", "2024-03-05", "20240305", "2024/3/5", "2024/3/5 8:05:09",
            "2024-02-30 10:00:00", "2024-02-29 10:00:00", "2023-02-29 10:00:00", "2024-13-01 10:00:00", "2024-00-10 10:00:00", "1899-12-31 10:00:00",
            "2024-03-05 24:00:00", "2024-03-05 10:60:00", "2024-03-05 10:00:60", "2024-03-05 10:00", "2023-12-31 23:59:59", "2025-01-01 00:00:00",
            "2024-03-05x10:00:00", "2024-03-05 1a:00:00", "2024.03.05 10:00:00", "", "２０２４-03-05 10:00:00"],
        ["med_type"] = ["", "99", "ab", "9901"],
        ["medfee_sumamt"] = ["", "0", "00", "1.", ".5", "+1.00", "-1.00", "1,000.00", "1.234", "12.3", "0.05", "9999999999999999", "99999999999999999", "99999999999999.99",
            "999999999999999", "abc", "1 .00", "1e3", "１２", "1.0a", "1..0", "{sum+1}", "{sum}.0"],
        ["fulamt_ownpay_amt"] = ["", "0.5", "-0.01", "1.", "{sum+1}"],
        ["preselfpay_amt"] = ["", "0", "-1", "0.001", "0.0", "9999999999999999", "99999999999999999"],
        ["inscp_scp_amt"] = ["", "{sum+1}", "{sum}", "0", "1,0", "-5"],
        ["hifp_pay"] = ["", "0", "0.01", "+0", "{sum}"],
        ["maf_pay"] = ["0.01", "", "x"],
        ["fund_pay_sumamt"] = ["", "0.01", "{funds}", "{funds+1}"],
        ["psn_part_amt"] = ["", "0", "{part}", "{part+1}"],
        ["cvlserv_pay"] = ["", "0.01", "1.5.0"],
        ["oth_pay"] = ["", "0.10"],
        ["refd_setl_flag"] = ["", "0", "1", "true", "false", "2", "00", "0 "],
        ["init_setl_id"] = ["", "NO-SUCH"],
        ["referral_compliant"] = ["", "0", "1", "true", "false", "yes", "1 "],
        ["exclusion"] = ["", "none", "NONE", "None", "cosmetic", "COSMETIC", "work_injury", "bogus", "non_designated"],
        ["fixmedins_code"] = [" H1", "H1 ", "H\"1", "\"H1\"", "医院"],
    };

    [Theory]
    [InlineData("as made")]
    [InlineData("fewer columns")]
    public void Plain_rows_read_as_the_general_reader_reads_them(string columns)
    {
        // Rows in their common form are taken straight from their bytes; anything else goes through the general
        // row reader (ParseRow), which words the errors. Both ways must give the same rows, values and errors.
        var folder = DemoData.Write("330108", 300, 2023, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(path).ToList();
        var header = lines[0].Split(',').ToList();
        if (columns == "fewer columns")
        {
            // No policy scope, exclusion or referral columns (empty cells for every row); the fund columns the demo leaves out, added.
            foreach (var dropped in new[] { "inscp_scp_amt", "exclusion", "referral_compliant" })
            {
                var at = header.IndexOf(dropped);
                lines = [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != at)))];
                header.RemoveAt(at);
            }
        }
        header.AddRange(["cvlserv_pay", "oth_pay"]);
        lines = [string.Join(',', header), .. lines.Skip(1).Select(l => l + ",0,0")];
        int Col(string name) => header.IndexOf(name);
        static decimal Yuan(string cell) => cell == "" ? 0 : decimal.Parse(cell, System.Globalization.CultureInfo.InvariantCulture);
        var baseRows = lines.Skip(1).Select(l => l.Split(',')).Where(c => c[Col("refd_setl_flag")] == "0" && c[Col("setl_time")].StartsWith("2024", StringComparison.Ordinal)).ToList();
        var odd = new List<string>();
        var k = 0;
        foreach (var (field, values) in OddValues)
        {
            if (Col(field) < 0)
            {
                continue;
            }
            foreach (var value in values)
            {
                var cells = (string[])baseRows[k++ % baseRows.Count].Clone();
                var sum = Yuan(cells[Col("medfee_sumamt")]);
                var funds = new[] { "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay" }.Sum(f => Yuan(cells[Col(f)]));
                cells[Col(field)] = value.Replace("{psn}", cells[Col("psn_no")], StringComparison.Ordinal)
                    .Replace("{sum+1}", (sum + 1).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{sum}", sum.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funds+1}", (funds + 0.01m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funds}", funds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{part+1}", (sum - funds + 0.01m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{part}", (sum - funds).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                if (field != "setl_id")
                {
                    cells[Col("setl_id")] += "-" + k; // no row made here repeats a setl_id unless it is meant to
                }
                odd.Add(string.Join(',', cells));
            }
        }
        // Whole-row oddities: a cell short, a cell over, an empty line, a row of a person outside the registry with bad money.
        var sample = baseRows[0];
        odd.Add(string.Join(',', sample.Take(sample.Length - 1).Select((c, i) => i == Col("setl_id") ? c + "-short" : c)));
        odd.Add(string.Join(',', sample.Select((c, i) => i == Col("setl_id") ? c + "-long" : c)) + ",extra");
        odd.Add("");
        var outsider = (string[])sample.Clone();
        (outsider[Col("setl_id")], outsider[Col("psn_no")], outsider[Col("medfee_sumamt")]) = ("S-OUT", "0000", "bad");
        odd.Add(string.Join(',', outsider));
        odd.Add(string.Join(',', sample)); // the first base row's setl_id again
        // The odd rows spread through the file, so that every part of a parallel read meets some.
        var mixed = new List<string> { lines[0] };
        var step = Math.Max(1, (lines.Count - 1) / odd.Count);
        for (int i = 1, o = 0; i < lines.Count || o < odd.Count; i++)
        {
            if (i < lines.Count)
            {
                mixed.Add(lines[i]);
            }
            if ((i % step == 0 || i >= lines.Count) && o < odd.Count)
            {
                mixed.Add(odd[o++]);
            }
        }
        File.WriteAllLines(path, mixed);
        var persons = PersonsOf(folder);
        foreach (var parts in new[] { 1, 3 })
        {
            var (general, generalReader) = SettlementFileReader.Read(path, persons, 2024, parts: parts, plainRows: false);
            var (plain, plainReader) = SettlementFileReader.Read(path, persons, 2024, parts: parts);
            Assert.Equal(0, generalReader.PlainRows);
            Assert.True(plainReader.PlainRows > 0.9 * (mixed.Count - odd.Count), $"{plainReader.PlainRows} of {mixed.Count} rows read plain");
            Assert.True(generalReader.ErrorCount > 60, $"only {generalReader.ErrorCount} errors: the odd rows test little");
            Assert.Equal(Rows(general), Rows(plain));
            Assert.Equal(generalReader.Rows, plainReader.Rows);
            Assert.Equal(generalReader.ErrorCount, plainReader.ErrorCount);
            Assert.Equal(generalReader.Errors.Select(e => e.ToString()), plainReader.Errors.Select(e => e.ToString()));
        }
    }

    [Fact]
    public void Quoted_cells_and_spaces_read_as_the_plain_ones()
    {
        var folder = DemoData.Write("330108", 200, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var (plain, _) = SettlementFileReader.Read(path, PersonsOf(folder), 2024);
        var lines = File.ReadAllLines(path);
        var quoted = lines.Take(1).Concat(lines.Skip(1).Select((l, i) => i % 2 == 0 ? string.Join(',', l.Split(',').Select(c => $"\"{c}\"")) : string.Join(", ", l.Split(','))));
        File.WriteAllLines(path, quoted);
        var (read, reader) = SettlementFileReader.Read(path, PersonsOf(folder), 2024);
        Assert.Equal(0, reader.ErrorCount);
        Assert.Equal(Rows(plain), Rows(read));
    }

    [Fact]
    public void The_encoding_is_found_from_every_byte_even_a_character_cut_by_a_read()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-enc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var utf8 = Path.Combine(folder, "utf8.csv");
        // ASCII up to one byte before the 1 MiB read, then a three-byte character across it.
        var bytes = new List<byte>(Enumerable.Repeat((byte)'a', (1 << 20) - 1)) { (byte)'\n' };
        bytes.InsertRange((1 << 20) - 2, Encoding.UTF8.GetBytes("滨"));
        File.WriteAllBytes(utf8, [.. bytes]);
        Assert.Equal(65001, TabularFile.DetectEncoding(utf8).CodePage);
        var gb = Path.Combine(folder, "gb.csv");
        var ascii = Enumerable.Repeat((byte)'a', 3 << 20).ToList();
        ascii.AddRange(Encoding.GetEncoding("GB18030").GetBytes("滨江区\n")); // only at the end: the whole file is read
        File.WriteAllBytes(gb, [.. ascii]);
        Assert.Equal("GB18030", TabularFile.DetectEncoding(gb).WebName.ToUpperInvariant());
        var cut = Path.Combine(folder, "cut.csv");
        File.WriteAllBytes(cut, [.. Enumerable.Repeat((byte)'a', 10), 0xE6, 0xBB]); // a character left unfinished at the end
        Assert.NotEqual(65001, TabularFile.DetectEncoding(cut).CodePage);
    }

    [Theory]
    [InlineData("utf8")]
    [InlineData("bom")]
    [InlineData("gb18030")]
    [InlineData("gb18030 header")]
    [InlineData("cut")]
    public void The_settlement_reader_decides_the_encoding_as_every_file_is_decided(string kind)
    {
        var folder = DemoData.Write("330108", 60, 2024);
        var path = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(path).ToList();
        // A name in the last line's last column (read in the last part), a character cut at the end,
        // or the header alone not UTF-8.
        var text = string.Join("\n", lines) + "\n";
        byte[] bytes = kind switch
        {
            "utf8" => Encoding.UTF8.GetBytes(text + lines[^1] + "滨江\n"),
            "bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
            "gb18030" => [.. Encoding.UTF8.GetBytes(text + lines[^1]), .. Encoding.GetEncoding("GB18030").GetBytes("滨江\n")],
            "gb18030 header" => [.. Encoding.GetEncoding("GB18030").GetBytes(lines[0] + ",备注\n"), .. Encoding.UTF8.GetBytes(string.Join("\n", lines.Skip(1)) + "\n")],
            _ => [.. Encoding.UTF8.GetBytes(text + lines[^1]), 0xE6, 0xBB],
        };
        File.WriteAllBytes(path, bytes);
        var expected = TabularFile.DetectEncoding(path);
        foreach (var parts in new[] { 1, 3 })
        {
            var (_, reader) = SettlementFileReader.Read(path, PersonsOf(folder), 2024, parts: parts);
            Assert.Equal(expected.CodePage, reader.Encoding.CodePage);
            Assert.Equal(expected.GetPreamble().Length, reader.Encoding.GetPreamble().Length);
        }
        Assert.Equal(kind is "utf8" or "bom", expected.CodePage == 65001);
    }
}
