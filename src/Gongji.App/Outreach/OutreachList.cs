using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Reference;
using Gongji.Runs;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Outreach;

/// <summary>One person on a township's outreach list, as field staff may see it (masked).</summary>
public sealed record OutreachEntry(string Township, string TownshipName, string PsnNo, string Name, string Certno, string Reason, Money? Amount, Money? Line, string Clause);

/// <summary>
/// 政策找人: per township, people likely eligible for help but not receiving it — impoverishment
/// warnings, gradual-exit people over the line, Jingning's other-illness people with a subsidy due, and
/// assisted people with a gap in their enrolment. Names and ID numbers are masked (data.md).
/// </summary>
public static class OutreachList
{
    public static readonly string[] Header = ["乡镇(街道)代码", "乡镇(街道)", "psn_no", "姓名", "身份证号", "线索", "金额", "线", "依据"];

    public static async Task<IReadOnlyList<OutreachEntry>> BuildAsync(GongjiStore store, string region, int year, IReadOnlyDictionary<string, decimal> parameters, CancellationToken ct = default)
    {
        var merged = await new Parameters.DeploymentParameters(store, TimeProvider.System).ForRunAsync(region, year, parameters, ct);
        var (input, _, _) = await StoreSnapshot.ReadAsync(store, region, year, merged, ct);
        return await BuildAsync(store, input, PayerEngine.Compute(input with { Explain = false }), ct);
    }

    /// <summary>The list from a county-year already computed (the web app keeps one per county and year).</summary>
    public static async Task<IReadOnlyList<OutreachEntry>> BuildAsync(GongjiStore store, RegionYearInput input, RegionYearResult result, CancellationToken ct = default)
    {
        var year = input.Year;
        await using var db = store.CreateDb();
        var people = await db.Persons.AsNoTracking().Select(p => new { p.PsnNo, p.PsnName, p.Certno }).ToDictionaryAsync(p => p.PsnNo, StringComparer.Ordinal, ct);
        var persons = input.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        var entries = new List<OutreachEntry>();
        void Add(string psnNo, string reason, Money? amount, Money? line, string clause)
        {
            var person = persons[psnNo];
            var township = person.Region.Length >= 9 ? person.Region[..9] : "";
            people.TryGetValue(psnNo, out var who);
            entries.Add(new OutreachEntry(township, township.Length == 0 ? "（未登记乡镇）" : Divisions.Zhejiang.NameOf(township), psnNo,
                CertNumbers.MaskName(who?.PsnName), CertNumbers.Mask(who?.Certno), reason, amount, line, clause));
        }
        foreach (var w in result.Warnings)
        {
            switch (w.Kind)
            {
                case WarningKind.Impoverishment:
                    Add(w.PsnNo, "因病致贫预警：未享受救助，年度个人负担超过预警线", w.Base, w.Line, w.Clause);
                    break;
                case WarningKind.EnrollmentGap:
                    Add(w.PsnNo, "困难群众参保中断：请协助资助参保", null, null, w.Clause);
                    break;
                case WarningKind.Relapse when OnlyGradualExit(persons[w.PsnNo], year):
                    Add(w.PsnNo, "渐退期对象负担超线：请核实是否符合重新认定", w.Base, w.Line, w.Clause);
                    break;
                default:
                    break;
            }
        }
        foreach (var p in result.Persons.Where(p => p[Payer.HighCostSubsidy].IsPositive && !p.Difficult))
        {
            Add(p.PsnNo, "景宁其他因病困难人员：可申请高额医疗费补助（次年6月30日前）", p[Payer.HighCostSubsidy], null, "景政办发〔2021〕29号 二（二）2、二（三）");
        }
        return entries.OrderBy(e => e.Township, StringComparer.Ordinal).ThenBy(e => e.Reason, StringComparer.Ordinal).ThenBy(e => e.PsnNo, StringComparer.Ordinal).ToList();
    }

    private static bool OnlyGradualExit(Person person, int year)
    {
        var range = DateRange.Year(year);
        var held = person.Identities.Where(i => i.Validity.Overlaps(range) && i.Type.IsDifficult()).ToList();
        return held.Count > 0 && held.All(i => i.GradualExit);
    }

    /// <summary>Writes the list as .xlsx (and CSV) for field staff: masked names and ID numbers only.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<OutreachEntry> entries, string folder, string? township = null)
    {
        Directory.CreateDirectory(folder);
        var rows = entries.Where(e => township is null || e.Township.StartsWith(township, StringComparison.Ordinal))
            .Select(e => new[] { e.Township, e.TownshipName, e.PsnNo, e.Name, e.Certno, e.Reason, e.Amount?.ToString() ?? "", e.Line?.ToString() ?? "", e.Clause })
            .ToList();
        var name = township is null ? "outreach" : $"outreach-{township}";
        var xlsx = Path.Combine(folder, name + ".xlsx");
        var csv = Path.Combine(folder, name + ".csv");
        Xlsx.Write(xlsx, "政策找人", Header, rows);
        ResultFiles.WriteCsv(csv, Header, rows);
        return [xlsx, csv];
    }
}
