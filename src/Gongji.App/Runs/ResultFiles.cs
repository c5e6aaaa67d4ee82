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
            var count = WriteCsv(csv, header, rows);
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
        yield return ("person_totals", ["psn_no", "household_id", "year", "medfee_sumamt", .. payerIds, "personal_burden", "warning_base"],
            result.Persons.Select(p => (string[])[p.PsnNo, p.HouseholdId ?? "", Year(result), Amount(p.MedfeeSumamt), .. p.ByPayer.Select(Amount), Amount(p.PersonalBurden), Amount(p.WarningBase)]));
        yield return ("household_totals", ["household_id", "region_code", "year", "category", "medfee_sumamt", .. payerIds, "personal_burden"],
            result.Households.Select(h => (string[])[h.Household.Id, h.Household.Region, Year(result), h.Category?.ToString().ToLowerInvariant() ?? "", Amount(h.MedfeeSumamt), .. h.ByPayer.Select(Amount), Amount(h.PersonalBurden)]));
        yield return ("warnings", ["psn_no", "kind", "group", "base", "line"],
            result.Warnings.Select(w => new[] { w.PsnNo, w.Kind.Id(), w.Group.Id(), w.Base is { } b ? Amount(b) : "", w.Line is { } l ? Amount(l) : "" }));
        yield return ("indicators", ["region_code", "year", "indicator", "value", "target"],
            result.Indicators.Select(i => new[] { regionCode, Year(result), i.Id, i.Value.ToString("0.0000", CultureInfo.InvariantCulture), i.Target?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "" }));
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
