using Gongji.App.Tests.Store;
using Gongji.Demo;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Runs;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Runs;

[Collection(StoreCollection.Name)]
public class RunTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, decimal> NoParameters = [];

    private static async Task<(GongjiStore Store, string Folder)> DemoStoreAsync(string provider, PostgresServer postgres, string county, int persons)
    {
        var store = await Stores.NewAsync(provider, postgres);
        return (store, await DemoData.LoadAsync(store, county, persons, 2023, 2024));
    }

    private static string Totals(RegionYearResult result) => string.Join("\n",
        result.Persons.OrderBy(p => p.PsnNo, StringComparer.Ordinal).Select(p => $"{p.PsnNo}|{p.HouseholdId}|{string.Join(",", p.ByPayer)}|{p.PersonalBurden}|{p.WarningBase}")
            .Concat(result.Households.Select(h => $"{h.Household.Id}|{string.Join(",", h.ByPayer)}|{h.PersonalBurden}"))
            .Concat(result.Warnings.Select(w => $"{w.PsnNo}|{w.Kind}|{w.Group}|{w.Base}").Order(StringComparer.Ordinal))
            .Concat(result.Indicators.Select(i => $"{i.Id}|{i.Value}")));

    [Theory]
    [InlineData("330108")]
    [InlineData("331127")]
    public async Task Files_and_both_stores_give_the_same_results_fen_for_fen(string county)
    {
        var (sqlite, folder) = await DemoStoreAsync("sqlite", postgres, county, 800);
        var pg = await postgres.NewStoreAsync();
        await DemoData.LoadAsync(pg, folder);
        var fromSqlite = PayerEngine.Compute((await StoreSnapshot.ReadAsync(sqlite, county, 2024, NoParameters)).Input);
        var fromPostgres = PayerEngine.Compute((await StoreSnapshot.ReadAsync(pg, county, 2024, NoParameters)).Input);
        var fromFiles = PayerEngine.Compute(FileSnapshot.Read(folder, county, 2024, NoParameters));
        Assert.True(fromSqlite.Persons.Count > 300);
        Assert.Equal(Totals(fromSqlite), Totals(fromPostgres));
        Assert.Equal(Totals(fromSqlite), Totals(fromFiles));
    }

    [Fact]
    public async Task Settlements_over_21_million_yuan_give_the_same_results_from_files_as_from_the_store()
    {
        var folder = DemoData.Write("330108", 300, 2023, 2024);
        var settlements = Path.Combine(folder, "settlements.csv");
        var header = File.ReadLines(settlements).First().Split(',');
        var (sum, flag, id) = (Array.IndexOf(header, "medfee_sumamt"), Array.IndexOf(header, "refd_setl_flag"), Array.IndexOf(header, "setl_id"));
        var reversed = File.ReadLines(settlements).Skip(1).Select(l => l.Split(',')[Array.IndexOf(header, "init_setl_id")]).Where(i => i.Length > 0).ToHashSet();
        // Tekun all year: medical assistance without a limit, so it too goes over 21 million yuan.
        var tekun = File.ReadLines(Path.Combine(folder, "identities.csv")).Skip(1).Select(l => l.Split(','))
            .Where(c => c[1] is "tekun" or "ZJ11" && string.CompareOrdinal(c[3], "2024-01-01") <= 0 && (c[4].Length == 0 || string.CompareOrdinal(c[4], "2024-12-31") >= 0))
            .Select(c => c[0]).ToHashSet();
        Assert.NotEmpty(tekun);
        var (psn, time, compliant) = (Array.IndexOf(header, "psn_no"), Array.IndexOf(header, "setl_time"), Array.IndexOf(header, "referral_compliant"));
        Loading.SettlementFileReaderTests.Widen(settlements, (line, cells) => cells[flag] != "1" && !reversed.Contains(cells[id])
            && decimal.Parse(cells[sum], System.Globalization.CultureInfo.InvariantCulture) > 3000m
            && (line % 50 == 7 || (tekun.Contains(cells[psn]) && cells[time].StartsWith("2024", StringComparison.Ordinal) && cells[compliant] == "1")), factor: 100_000m);
        var store = await Stores.NewAsync("sqlite", postgres);
        await DemoData.LoadAsync(store, folder);
        var fromStore = PayerEngine.Compute((await StoreSnapshot.ReadAsync(store, "330108", 2024, NoParameters)).Input);
        var fromFiles = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Contains(fromFiles.Persons, p => p.MedfeeSumamt > new Money(21_474_836.47m));
        Assert.Contains(Enumerable.Range(0, fromFiles.Order.Length), k => fromFiles.Columns.MedicalAssistance(fromFiles.Order[k]) > int.MaxValue);
        Assert.Equal(Totals(fromStore), Totals(fromFiles));
    }

    [Fact]
    public void An_identity_naming_its_person_by_id_number_alone_reaches_that_person()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var person = File.ReadLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(','))
            .First(c => c[1].Length == 18 && c[2] == "01");
        // A second identities file with certno in place of psn_no (data.md allows either).
        File.WriteAllText(Path.Combine(folder, "identities_by_certno.csv"), $"certno,psn_idet_type,begntime\n{person[1]},tekun,2020-01-01\n");
        foreach (var partBytes in new long[] { 1, 16 << 20 })
        {
            var input = FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: partBytes);
            var read = input.Persons.Single(p => p.PsnNo == person[0]);
            Assert.Contains(read.Identities, i => i.Type == IdentityType.Tekun && i.Validity.From == new DateOnly(2020, 1, 1));
        }
    }

    [Fact]
    public void A_run_from_files_reports_what_the_loaders_warn_of()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var persons = Path.Combine(folder, "persons.csv");
        var lines = File.ReadAllLines(persons);
        var cells = lines[5].Split(',');
        cells[1] = "11010519491231002X"; // a valid number with a Beijing address: kept, with a warning
        lines[5] = string.Join(',', cells);
        File.WriteAllLines(persons, lines);
        foreach (var partBytes in new long[] { 1, 16 << 20 })
        {
            var warnings = new List<string>();
            FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: partBytes, warnings: warnings);
            var warning = Assert.Single(warnings);
            Assert.Equal("persons.csv: row 6: ID number 110105********002X has address code 110105 not in the Zhejiang division list (kept)", warning);
        }
        var report = RunService.RunFromFiles(folder, "330108", 2024, NoParameters, Path.Combine(folder, "out"), spreadsheets: false);
        Assert.Single(report.InputWarnings);
    }

    [Fact]
    public void A_run_from_files_is_fingerprinted_as_its_files_read_one_by_one_and_a_changed_byte_changes_it()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        // The run hashes the settlements file's blocks while it counts the lines, the rest beside it.
        var report = RunService.RunFromFiles(folder, "330108", 2024, NoParameters, Path.Combine(Path.GetTempPath(), "gongji-out-" + Guid.NewGuid().ToString("N")[..8]), spreadsheets: false);
        Assert.Equal(RunService.FilesFingerprint(folder), report.Fingerprint);
        var settlements = Path.Combine(folder, "settlements.csv");
        var bytes = File.ReadAllBytes(settlements);
        var at = Array.LastIndexOf(bytes, (byte)'1');
        bytes[at] = (byte)'2';
        File.WriteAllBytes(settlements, bytes);
        Assert.NotEqual(report.Fingerprint, RunService.FilesFingerprint(folder));
    }

    [Fact]
    public void Persons_and_enrolments_read_from_their_bytes_in_parts_give_the_same_people_as_the_general_parser()
    {
        var folder = DemoData.Write("330108", 400, 2024);
        var path = Path.Combine(folder, "persons.csv");
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        // Rows in forms the plain check leaves to the general parser, among the common ones.
        var certnos = new List<string>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            switch (i % 7)
            {
                case 1 when cells[Column("certno")].EndsWith('X'):
                    cells[Column("certno")] = cells[Column("certno")].ToLowerInvariant();
                    break;
                case 2:
                    cells[Column("insutype")] = " " + cells[Column("insutype")];
                    break;
                case 3 when cells[Column("insured_since")].Length == 10:
                    cells[Column("insured_since")] = cells[Column("insured_since")].Replace("-", "", StringComparison.Ordinal);
                    break;
                case 4:
                    cells[Column("psn_cert_type")] = "02";
                    break;
                case 5 when cells[Column("certno")].Length == 18:
                    certnos.Add(cells[Column("certno")]);
                    break;
            }
            lines[i] = string.Join(',', cells);
        }
        File.WriteAllLines(path, lines);
        var enrolmentsPath = Path.Combine(folder, "enrolments.csv");
        var enrolments = File.ReadAllLines(enrolmentsPath);
        for (var i = 1; i < enrolments.Length; i++)
        {
            var cells = enrolments[i].Split(',');
            switch (i % 5)
            {
                case 1:
                    cells[4] = cells[4] == "1" ? "是" : "否"; // subsidized in words
                    break;
                case 2:
                    cells[2] = cells[2].Replace("-", "", StringComparison.Ordinal); // begndate as yyyyMMdd
                    break;
                case 3:
                    cells[1] = cells[1] + " ";
                    break;
            }
            enrolments[i] = string.Join(',', cells);
        }
        File.WriteAllLines(enrolmentsPath, enrolments);
        // An identities file that finds people by ID number: the numbers must be kept alike both ways.
        File.WriteAllLines(Path.Combine(folder, "identities_by_certno.csv"),
            ["certno,psn_idet_type,begntime", .. certnos.Select(c => $"{c},dibao,2024-02-01")]);
        string Describe(RegionYearInput input, List<string> warnings) => string.Join("\n",
            input.Persons.Select(p => $"{p.PsnNo}|{p.HouseholdId}|{p.Region}|{p.Insutype}|{p.HukouRegion}|{p.InsuredSince}|{p.Identities.Count}|{string.Join(";", p.Enrolments ?? [])}")
                .Concat(warnings));
        var (wholeWarnings, partsWarnings) = (new List<string>(), new List<string>());
        var whole = FileSnapshot.Read(folder, "330108", 2024, NoParameters, warnings: wholeWarnings);
        var inParts = FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1, warnings: partsWarnings);
        Assert.Equal(Describe(whole, wholeWarnings), Describe(inParts, partsWarnings));
        Assert.Equal(Totals(PayerEngine.Compute(whole)), Totals(PayerEngine.Compute(inParts)));
        Assert.Contains(inParts.Persons, p => p.Identities.Any(i => i.Validity.From == new DateOnly(2024, 2, 1)));

        // A row read from its bytes, then the same enrolment again written otherwise: the same error both ways.
        File.WriteAllLines(enrolmentsPath, [.. enrolments, enrolments[4].Replace(",", ", ", StringComparison.Ordinal)]);
        var expected = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters)).Message;
        Assert.Contains($"row {enrolments.Length + 1}, column begndate", expected);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1)).Message);
    }

    [Fact]
    public void Registry_files_read_in_parts_give_the_same_input_and_the_same_first_error()
    {
        var folder = DemoData.Write("330108", 600, 2024);
        var whole = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        var inParts = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1));
        Assert.Equal(Totals(whole), Totals(inParts));

        // A psn_no in both halves of persons.csv: neither part sees it twice, the join does.
        var persons = Path.Combine(folder, "persons.csv");
        var lines = File.ReadAllLines(persons).ToList();
        lines.Add(lines[3]);
        File.WriteAllLines(persons, lines);
        var expected = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters)).Message;
        var actual = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1)).Message;
        Assert.Contains($"row {lines.Count}", expected);
        Assert.Contains("appears twice", expected);
        Assert.Equal(expected, actual);
        lines.RemoveAt(lines.Count - 1);

        // Twice within the first half and within the second: the part that holds both sees it, and names the
        // same row as one reader of the whole file.
        foreach (var (copy, at) in new[] { (3, 6), (lines.Count - 4, lines.Count - 1) })
        {
            var twice = lines.ToList();
            twice.Insert(at, lines[copy]);
            File.WriteAllLines(persons, twice);
            var message = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters)).Message;
            Assert.Contains($"row {at + 1}", message);
            Assert.Contains("appears twice", message);
            Assert.Equal(message, Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1)).Message);
        }

        // A bad value late in the file is named by its row when a later part reads it.
        var cells = lines[^2].Split(',');
        cells[5] = "1970-13-01"; // brdy
        lines[^2] = string.Join(',', cells);
        File.WriteAllLines(persons, lines);
        var bad = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters, partBytes: 1)).Message;
        Assert.Contains($"row {lines.Count - 1}, column brdy, value '1970-13-01'", bad);
    }

    [Theory]
    [InlineData("330108")]
    [InlineData("331127")]
    public void Every_result_csv_holds_exactly_the_rows_of_the_result_tables(string county)
    {
        // settlement_payers.csv is written straight from the engine's columns, person_totals.csv and
        // household_totals.csv as bytes: all must read as the result tables (and settlement_payers as the
        // engine's settlement lines).
        var folder = DemoData.Write(county, 500, 2024);
        // A household id with a comma and a quote: written quoted, as the tables' rows are (Loader.Csv).
        var householdsFile = Path.Combine(folder, "households.csv");
        var households = File.ReadAllLines(householdsFile);
        var id = households[1].Split(',')[0];
        const string Odd = "\"H,\"\"odd\"\"\"";
        File.WriteAllLines(householdsFile, households.Select(l => l.StartsWith(id + ",", StringComparison.Ordinal) ? Odd + l[id.Length..] : l));
        var personsFile = Path.Combine(folder, "persons.csv");
        File.WriteAllLines(personsFile, File.ReadAllLines(personsFile).Select(l => l.Replace("," + id + ",", "," + Odd + ",", StringComparison.Ordinal)));
        var result = PayerEngine.Compute(FileSnapshot.Read(folder, county, 2024, NoParameters));
        Assert.Contains(result.Households, h => h.Household.Id == "H,\"odd\"");
        var outFolder = Path.Combine(folder, "out");
        ResultFiles.Write(result, county, outFolder, spreadsheets: false, peoplePerBlock: 7); // many blocks, formatted in parallel
        foreach (var (name, header, rows) in ResultFiles.Tables(result, county))
        {
            var expected = rows.Select(r => string.Join(',', r.Select(Loader.Csv))).Prepend(string.Join(',', header)).ToList();
            var actual = File.ReadAllLines(Path.Combine(outFolder, name + ".csv")).ToList();
            actual[0] = actual[0].TrimStart('\uFEFF');
            Assert.True(expected.Count > (name == "settlement_payers" ? 1000 : 0));
            Assert.True(expected.SequenceEqual(actual), $"{name}.csv: first difference at line {Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1) + 1}");
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_run_is_kept_with_its_fingerprint_and_writes_the_result_files(string provider)
    {
        var (store, _) = await DemoStoreAsync(provider, postgres, "330108", 500);
        var outFolder = Path.Combine(Path.GetTempPath(), "gongji-out-" + Guid.NewGuid().ToString("N")[..8]);
        var service = new RunService(store, TimeProvider.System);
        var first = await service.RunAsync("330108", 2024, NoParameters, outFolder);
        var second = await service.RunAsync("330108", 2024, NoParameters, null);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.NotEqual(first.RunId, second.RunId);
        await using (var db = store.CreateDb())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == first.RunId);
            Assert.Equal((first.Fingerprint, first.Result.ParameterVersion, 2024), (run.InputsFingerprint, run.ParameterVersion, run.Year));
            Assert.True(run.LastBatchId > 0);
        }
        foreach (var name in ResultFiles.Names)
        {
            Assert.True(File.Exists(Path.Combine(outFolder, name + ".csv")));
            // The .xlsx opens as a real workbook and holds the same rows as the CSV.
            var csvRows = File.ReadAllLines(Path.Combine(outFolder, name + ".csv")).Length - 1;
            var xlsxRows = TabularFile.Open(Path.Combine(outFolder, name + ".xlsx")).Rows(_ => { }).Count();
            Assert.Equal(csvRows, xlsxRows);
        }
        var header = File.ReadAllLines(Path.Combine(outFolder, "person_totals.csv"))[0].TrimStart('\uFEFF');
        Assert.Equal("psn_no,household_id,year,medfee_sumamt," + string.Join(",", Payers.All.Select(p => p.Id())) + ",personal_burden,warning_base", header);
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(outFolder, "person_totals.csv")), c => c is >= '\u4e00' and <= '\u9fff'); // no names in results
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_past_run_is_reproduced_exactly_after_the_data_changed(string provider)
    {
        var (store, folder) = await DemoStoreAsync(provider, postgres, "330108", 400);
        var service = new RunService(store, TimeProvider.System);
        var first = await service.RunAsync("330108", 2024, NoParameters, null);

        // New data arrives: a settlement comes again with other amounts, an identity ends early.
        var lines = File.ReadAllLines(Path.Combine(folder, "settlements.csv"));
        var header = lines[0].Split(',');
        var row = lines.Skip(1).Select(l => l.Split(',')).First(c => c[Array.IndexOf(header, "setl_time")].StartsWith("2024", StringComparison.Ordinal) && c[Array.IndexOf(header, "refd_setl_flag")] == "0");
        var sum = Array.IndexOf(header, "medfee_sumamt");
        var fulamt = Array.IndexOf(header, "fulamt_ownpay_amt");
        var psnPart = Array.IndexOf(header, "psn_part_amt");
        row[sum] = (decimal.Parse(row[sum], System.Globalization.CultureInfo.InvariantCulture) + 5000m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        row[fulamt] = (decimal.Parse(row[fulamt], System.Globalization.CultureInfo.InvariantCulture) + 5000m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        row[psnPart] = (decimal.Parse(row[psnPart], System.Globalization.CultureInfo.InvariantCulture) + 5000m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        var changed = Path.Combine(folder, "settlements_correction.csv");
        File.WriteAllLines(changed, [lines[0], string.Join(',', row)]);
        var identityLines = File.ReadAllLines(Path.Combine(folder, "identities.csv"));
        var identity = identityLines[1].Split(',');
        identity[4] = "2024-01-31";
        var identityChange = Path.Combine(folder, "identities_correction.csv");
        File.WriteAllLines(identityChange, [identityLines[0], string.Join(',', identity)]);
        var loader = new Loader(store, TimeProvider.System);
        Assert.Equal(1, (await loader.LoadAsync(changed)).Counts!.Replaced);
        Assert.Equal(1, (await loader.LoadAsync(identityChange)).Counts!.Replaced);

        var second = await service.RunAsync("330108", 2024, NoParameters, null);
        Assert.NotEqual(first.Fingerprint, second.Fingerprint);

        var (again, original) = await service.ReproduceAsync(first.RunId!.Value, null);
        Assert.Equal(first.Fingerprint, again.Fingerprint);
        Assert.Equal(original.InputsFingerprint, again.Fingerprint);
        Assert.Equal(Totals(first.Result), Totals(again.Result));
    }

    [Fact]
    public async Task A_year_outside_policy_is_refused_even_for_an_empty_store()
    {
        var store = await Stores.NewAsync("sqlite", postgres);
        var e = await Assert.ThrowsAsync<Gongji.Engine.Parameters.PolicyNotInForceException>(() => new RunService(store, TimeProvider.System).RunAsync("330683", 2027, NoParameters, null));
        Assert.Contains("330683", e.Message, StringComparison.Ordinal);
        Assert.Contains("2027", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_region_with_nobody_in_the_files_is_computed_empty_as_from_the_store_and_refused_outside_policy()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var store = await Stores.NewAsync("sqlite", postgres);
        await DemoData.LoadAsync(store, folder);
        var fromStore = await new RunService(store, TimeProvider.System).RunAsync("330683", 2024, NoParameters, null);
        var fromFiles = RunService.RunFromFiles(folder, "330683", 2024, NoParameters, Path.Combine(folder, "out"), spreadsheets: false);
        Assert.Empty(fromFiles.Result.Persons);
        Assert.Equal(Totals(fromStore.Result), Totals(fromFiles.Result));
        var e = Assert.Throws<Gongji.Engine.Parameters.PolicyNotInForceException>(() => RunService.RunFromFiles(folder, "330683", 2027, NoParameters, Path.Combine(folder, "out"), spreadsheets: false));
        Assert.Contains("2027", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_data_files_is_refused_and_one_without_settlements_is_warned_of()
    {
        var empty = Path.Combine(Path.GetTempPath(), "gongji-empty-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(empty, "330108", 2024, NoParameters));
        Assert.Contains("no data.md files", e.Message, StringComparison.Ordinal);

        var folder = DemoData.Write("330108", 100, 2024);
        File.Delete(Path.Combine(folder, "settlements.csv"));
        var warnings = new List<string>();
        var input = FileSnapshot.Read(folder, "330108", 2024, NoParameters, warnings: warnings);
        Assert.Equal(0, input.Table!.Count);
        Assert.Contains(warnings, w => w.Contains("no settlements file", StringComparison.Ordinal));
    }

    [Fact]
    public void The_settlements_file_measured_beside_the_registry_reads_as_before_and_fails_in_turn()
    {
        // The settlements file's lines are counted (and its encoding found) while the registry is read, and
        // the people's keys made while the people are: the same input whichever the file's encoding, and a
        // bad registry row is still the answer before anything wrong with the settlements.
        var folder = DemoData.Write("330108", 300, 2024);
        var utf8 = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        var csv = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(csv);
        var gb18030 = System.Text.Encoding.GetEncoding("GB18030");
        File.WriteAllText(csv, string.Join("\n", [lines[0] + ",fixmedins_name", .. lines.Skip(1).Select(l => l + ",滨江区人民医院")]) + "\n", gb18030);
        Assert.Equal("GB18030", SettlementFileReader.Measure(csv).Encoding.WebName.ToUpperInvariant());
        var fromGb = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Equal(Totals(utf8), Totals(fromGb));

        File.WriteAllLines(csv, [lines[0].Replace("medfee_sumamt", "medfee", StringComparison.Ordinal), .. lines.Skip(1)]);
        var header = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Contains("medfee_sumamt", header.Message, StringComparison.Ordinal);
        var persons = Path.Combine(folder, "persons.csv");
        var people = File.ReadAllLines(persons);
        var cells = people[5].Split(',');
        cells[5] = "1970-13-01"; // brdy
        people[5] = string.Join(',', cells);
        File.WriteAllLines(persons, people);
        var registry = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Contains("value '1970-13-01'", registry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reversal_in_a_gb18030_file_cancels_its_settlement_named_in_chinese()
    {
        // setl_ids are kept as UTF-8 (SettlementTable.SetlId reads them so, and a reversal's init_setl_id is
        // matched against them): an id in a GB18030 file is put in UTF-8 first, whichever way its row is read.
        var folder = DemoData.Write("330108", 200, 2024);
        var csv = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(csv).ToList();
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        var at = lines.FindIndex(1, l => l.Split(',') is var c && c[Col("refd_setl_flag")] == "0" && decimal.Parse(c[Col("medfee_sumamt")], System.Globalization.CultureInfo.InvariantCulture) > 100m);
        var original = lines[at].Split(',');
        original[Col("setl_id")] = "结算甲1";
        lines[at] = string.Join(',', original);
        var reversal = (string[])original.Clone();
        reversal[Col("setl_id")] = "结算乙1";
        reversal[Col("refd_setl_flag")] = "1";
        reversal[Col("init_setl_id")] = "结算甲1";
        foreach (var money in new[] { "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay" })
        {
            if (Col(money) >= 0 && reversal[Col(money)] is var v && v != "" && v != "0")
            {
                reversal[Col(money)] = "-" + v;
            }
        }
        lines.Add(string.Join(',', reversal));
        File.WriteAllText(csv, string.Join("\n", lines) + "\n", System.Text.Encoding.UTF8);
        var fromUtf8 = PayerEngine.Compute(FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        File.WriteAllText(csv, string.Join("\n", lines) + "\n", System.Text.Encoding.GetEncoding("GB18030"));
        var input = FileSnapshot.Read(folder, "330108", 2024, NoParameters);
        var table = input.Table!;
        var rows = Enumerable.Range(0, table.Count).Where(r => table.SetlId(r).StartsWith("结算", StringComparison.Ordinal)).ToList();
        Assert.Equal(["结算甲1", "结算乙1"], rows.Select(table.SetlId));
        Assert.Equal("结算甲1", table.InitSetlId(rows[1]));
        var fromGb = PayerEngine.Compute(input);
        Assert.DoesNotContain(rows[0], fromGb.Order);
        Assert.Equal(Totals(fromUtf8), Totals(fromGb));
    }

    [Fact]
    public void Two_settlements_files_are_refused_before_anything_is_read()
    {
        var folder = DemoData.Write("330108", 100, 2024);
        File.Copy(Path.Combine(folder, "settlements.csv"), Path.Combine(folder, "settlements-2.csv"));
        // A bad persons row too: the refusal comes first, before the registry is read.
        var persons = Path.Combine(folder, "persons.csv");
        File.AppendAllLines(persons, ["not,a,person"]);
        var e = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Contains("run --from takes one settlements file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settlements_as_a_sheet_are_refused_by_a_run_from_files_not_dropped()
    {
        var folder = DemoData.Write("330108", 100, 2024);
        var csv = Path.Combine(folder, "settlements.csv");
        var lines = File.ReadAllLines(csv);
        Xlsx.Write(Path.Combine(folder, "settlements.xlsx"), "settlements", lines[0].Split(','), lines.Skip(1).Take(50).Select(l => l.Split(',')));
        File.Delete(csv);
        var e = Assert.Throws<InvalidDataException>(() => FileSnapshot.Read(folder, "330108", 2024, NoParameters));
        Assert.Contains("settlements.xlsx: run --from reads settlements from CSV only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_waterfall_names_every_payer_with_its_clause()
    {
        var (store, _) = await DemoStoreAsync("sqlite", postgres, "330108", 1500);
        var result = PayerEngine.Compute((await StoreSnapshot.ReadAsync(store, "330108", 2024, NoParameters)).Input);
        var capped = result.Households.First(h => h[Payer.CapFund].IsPositive);
        var text = Waterfall.Render(result, capped.Household.Id);
        Assert.Contains("医疗总费用", text, StringComparison.Ordinal);
        Assert.Contains("滨政办函〔2024〕1号 二（三）", text, StringComparison.Ordinal);
        Assert.Contains("杭政办函〔2022〕70号 二（二）", text, StringComparison.Ordinal);
        Assert.Contains(Waterfall.Yuan(capped.PersonalBurden), text, StringComparison.Ordinal);
    }
}
