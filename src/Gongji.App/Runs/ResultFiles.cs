using System.Globalization;
using System.Text;
using Gongji.Engine;
using Gongji.Engine.Model;

namespace Gongji.Runs;

/// <summary>
/// The results of data.md ("Results"), as CSV (UTF-8 with BOM, so Excel opens it) and .xlsx, same
/// names and columns. Amounts have two decimals; no name or ID number appears in them.
/// </summary>
public static class ResultFiles
{
    public static readonly IReadOnlyList<string> Names = ["settlement_payers", "person_totals", "household_totals", "warnings", "indicators"];

    /// <summary>Excel's last row: a table longer than this is written as CSV only.</summary>
    public const int SpreadsheetRowLimit = 1_048_575;

    public static IReadOnlyList<string> Write(RegionYearResult result, string regionCode, string folder, bool spreadsheets = true)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, header, rows) in Tables(result, regionCode))
        {
            var csv = Path.Combine(folder, name + ".csv");
            // settlement_payers has a line per settlement and payer — tens of millions in a city-year —
            // so it is written straight from the engine's columns.
            var count = name == "settlement_payers" ? WriteSettlementPayers(csv, header, result) : WriteCsv(csv, header, rows);
            written.Add(csv);
            var xlsx = Path.Combine(folder, name + ".xlsx");
            if (File.Exists(xlsx))
            {
                File.Delete(xlsx); // never leave a spreadsheet of an earlier run beside this run's CSV
            }
            if (spreadsheets && count <= SpreadsheetRowLimit)
            {
                Xlsx.Write(xlsx, name, header, rows);
                written.Add(xlsx);
            }
        }
        return written;
    }

    public static IEnumerable<(string Name, string[] Header, IEnumerable<string[]> Rows)> Tables(RegionYearResult result, string regionCode)
    {
        var payerIds = Payers.All.Select(p => p.Id()).ToArray();
        yield return ("settlement_payers", ["setl_id", "psn_no", "payer", "base", "ratio", "amount", "rule", "clause"],
            result.SettlementLines().Select(l => new[] { l.SetlId!, l.PsnNo, l.Payer.Id(), Amount(l.Base), l.Ratio?.ToString() ?? "", Amount(l.Amount), l.Rule, l.Clause }));
        // data.md: one row per person with a settlement in the year (aids alone make no row).
        yield return ("person_totals", ["psn_no", "household_id", "year", "medfee_sumamt", .. payerIds, "personal_burden", "warning_base"],
            result.Persons.Where(p => p.SettlementCount > 0).Select(p => (string[])[p.PsnNo, p.HouseholdId ?? "", Year(result), Amount(p.MedfeeSumamt), .. p.ByPayer.Select(Amount), Amount(p.PersonalBurden), Amount(p.WarningBase)]));
        yield return ("household_totals", ["household_id", "region_code", "year", "category", "medfee_sumamt", .. payerIds, "personal_burden"],
            result.Households.Select(h => (string[])[h.Household.Id, h.Household.Region, Year(result), h.Category?.ToString().ToLowerInvariant() ?? "", Amount(h.MedfeeSumamt), .. h.ByPayer.Select(Amount), Amount(h.PersonalBurden)]));
        yield return ("warnings", ["psn_no", "kind", "group", "base", "line"],
            result.Warnings.Select(w => new[] { w.PsnNo, w.Kind.Id(), w.Group.Id(), w.Base is { } b ? Amount(b) : "", w.Line is { } l ? Amount(l) : "" }));
        yield return ("indicators", ["region_code", "year", "indicator", "value", "target"],
            result.Indicators.Select(i => new[] { regionCode, Year(result), i.Id, i.Value.ToString("0.0000", CultureInfo.InvariantCulture), i.Target?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "" }));
    }

    /// <summary>The same lines as <see cref="RegionYearResult.SettlementLines"/>, as UTF-8 bytes without an object per line.</summary>
    private static long WriteSettlementPayers(string path, string[] header, RegionYearResult result)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 20];
        var at = 0;
        void Flush()
        {
            stream.Write(buffer, 0, at);
            at = 0;
        }
        void Put(ReadOnlySpan<byte> bytes)
        {
            if (at + bytes.Length > buffer.Length)
            {
                Flush();
            }
            bytes.CopyTo(buffer.AsSpan(at));
            at += bytes.Length;
        }
        void Fen(long fen)
        {
            if (at + 32 > buffer.Length)
            {
                Flush();
            }
            var abs = fen < 0 ? (ulong)(-(fen + 1)) + 1 : (ulong)fen;
            if (fen < 0)
            {
                buffer[at++] = (byte)'-';
            }
            System.Buffers.Text.Utf8Formatter.TryFormat(abs / 100, buffer.AsSpan(at), out var written);
            at += written;
            buffer[at++] = (byte)'.';
            buffer[at++] = (byte)('0' + (int)(abs % 100 / 10));
            buffer[at++] = (byte)('0' + (int)(abs % 10));
        }
        static byte[] Utf8(string field) => Encoding.UTF8.GetBytes(Loading.Loader.Csv(field));
        static byte[] Fields(params string[] fields) => Encoding.UTF8.GetBytes(string.Join(',', fields.Select(Loading.Loader.Csv)));
        Put(Encoding.UTF8.Preamble);
        Put(Fields(header));
        Put("\r\n"u8);
        var table = result.Columns.Table;
        var funds = new[] { Payer.Basic, Payer.Critical, Payer.LargeSum, Payer.CivilServant, Payer.Enterprise, Payer.OtherFund };
        var fundIds = funds.Select(f => Utf8(f.Id())).ToArray();
        var fundTail = Fields("", "医保结算", "医保结算数据");
        // Rule, ratio and clause of a medical-assistance line depend only on the policy and the identity.
        var maText = new Dictionary<(object Policy, Engine.Rules.Standing Standing), (byte[] Ratio, byte[] Tail)>();
        long lines = 0;
        foreach (var person in result.Persons)
        {
            var psn = Utf8(person.PsnNo);
            for (var k = person.RowStart; k < person.RowEnd; k++)
            {
                var row = result.Order[k];
                for (var f = 0; f < funds.Length; f++)
                {
                    var amount = table.Fund(row, funds[f]);
                    if (amount == 0)
                    {
                        continue;
                    }
                    Put(table.IdBytes(row));
                    Put(","u8);
                    Put(psn);
                    Put(","u8);
                    Put(fundIds[f]);
                    Put(","u8);
                    Fen(table.Sum[row]);
                    Put(",,"u8);
                    Fen(amount);
                    Put(fundTail);
                    Put("\r\n"u8);
                    lines++;
                }
                var standing = result.Columns.Standing[row];
                var ma = result.Columns.MedicalAssistance[row];
                var fromData = person.PolicyKey.MedicalAssistance == MedicalAssistanceSource.FromSettlement;
                if (fromData && ma == 0)
                {
                    continue; // maf_pay 0: no line
                }
                var key = ((object)person.PolicyKey, standing);
                if (!maText.TryGetValue(key, out var text))
                {
                    var sample = PayerEngine.MedicalAssistanceLine(result.Columns, row, person.PsnNo, person.PolicyKey, null, null);
                    text = sample is null ? ([], []) : (Utf8(sample.Ratio?.ToString() ?? ""), Fields("", sample.Rule, sample.Clause));
                    maText[key] = text;
                }
                if (text.Tail.Length == 0)
                {
                    continue; // not assisted on that day
                }
                Put(table.IdBytes(row));
                Put(","u8);
                Put(psn);
                Put(",medical_assistance,"u8);
                Fen(Math.Max(0, table.Scope[row] - table.Funds(row)));
                Put(","u8);
                Put(text.Ratio);
                Put(","u8);
                Fen(ma);
                Put(text.Tail);
                Put("\r\n"u8);
                lines++;
            }
        }
        Flush();
        return lines;
    }

    private static string Year(RegionYearResult r) => r.Year.ToString(CultureInfo.InvariantCulture);

    public static string Amount(Money m) => m.ToString();

    /// <summary>Writes the rows and returns how many there were.</summary>
    public static long WriteCsv(string path, string[] header, IEnumerable<string[]> rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(true), 1 << 20);
        WriteLine(writer, header);
        long count = 0;
        foreach (var row in rows)
        {
            WriteLine(writer, row);
            count++;
        }
        return count;
    }

    private static void WriteLine(StreamWriter writer, string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }
            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                writer.Write(Loading.Loader.Csv(cell));
            }
            else
            {
                writer.Write(cell);
            }
        }
        writer.Write("\r\n");
    }
}
