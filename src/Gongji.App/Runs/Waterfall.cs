using System.Globalization;
using System.Text;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Reference;

namespace Gongji.Runs;

/// <summary>
/// A household's (or a person's) year as a clerk reads it: the bill, each payer in the order it bears
/// the cost with its clause, and what is left (<c>gongji explain</c>).
/// </summary>
public static class Waterfall
{
    public static string Render(RegionYearResult result, string id)
    {
        var household = result.Households.FirstOrDefault(h => h.Household.Id == id);
        var members = household is not null
            ? result.Persons.Where(p => p.HouseholdId == id).ToList()
            : result.Persons.Where(p => p.PsnNo == id).ToList();
        if (members.Count == 0)
        {
            return $"{id}: 本年度（{result.Year}）没有结算或其他渠道支付记录 (no settlements or aids in {result.Year})";
        }
        var sb = new StringBuilder();
        var region = household?.Household.Region ?? members[0].Person.Region;
        var title = household is not null
            ? $"家庭 {id}　{Divisions.Zhejiang.FullName(region)}　{CategoryName(household.Category)}　{result.Year} 年度"
            : $"参保人 {id}　{Divisions.Zhejiang.FullName(region)}　{result.Year} 年度";
        sb.AppendLine(title);
        sb.AppendLine(new string('─', 78));
        var total = Money.Sum(members.Select(m => m.MedfeeSumamt));
        Line(sb, "医疗总费用 medfee_sumamt", total, $"{members.Sum(m => m.SettlementCount)} 笔结算，{members.Count} 人");
        var left = total;
        foreach (var payer in Payers.All)
        {
            var amount = payer == Payer.CapFund && household is not null ? household[payer] : Money.Sum(members.Select(m => m[payer]));
            if (amount.IsZero)
            {
                continue;
            }
            left -= amount;
            var lines = members.SelectMany(m => m.Lines).Where(l => l.Payer == payer).ToList();
            if (payer == Payer.CapFund && household is not null)
            {
                lines = household.Lines.Where(l => l.Payer == payer).ToList();
            }
            var clause = lines.Select(l => l.Clause).Distinct().FirstOrDefault() ?? "";
            Line(sb, $"− {payer.ChineseName()} {payer.Id()}", amount, clause);
            foreach (var l in lines.Where(l => l.Payer.IsAnnualTier() || l.Payer == Payer.MedicalAssistance).Take(12))
            {
                sb.Append("      ").AppendLine(Detail(l));
            }
            if (lines.Count > 12 && (payer.IsAnnualTier() || payer == Payer.MedicalAssistance))
            {
                sb.AppendLine($"      … 另 {lines.Count - 12} 笔");
            }
        }
        sb.AppendLine(new string('─', 78));
        Line(sb, household is not null ? "= 家庭个人负担 personal_burden" : "= 个人负担 personal_burden", left, total.IsPositive ? $"个人负担率 {left.Yuan / total.Yuan:P1}" : "");
        foreach (var w in result.Warnings.Where(w => members.Any(m => m.PsnNo == w.PsnNo)))
        {
            sb.AppendLine($"  预警：{w.PsnNo} {w.Kind.ChineseName()}（{w.Group.ChineseName()}）" + (w.Base is { } b ? $" 预警基数 {Yuan(b)} ≥ {Yuan(w.Line!.Value)}" : "") + $"　{w.Clause}");
        }
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string label, Money amount, string note) =>
        sb.Append("  ").Append(Pad(label, 40)).Append(Yuan(amount).PadLeft(14)).Append("   ").AppendLine(note);

    /// <summary>Pads by display width: a Chinese character takes two columns.</summary>
    private static string Pad(string text, int width)
    {
        var w = text.Sum(c => c > 0x2E80 ? 2 : 1);
        return w >= width ? text : text + new string(' ', width - w);
    }

    public static string Yuan(Money m) => m.Yuan.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>How one amount was computed: base, ratio, result, the limit left and any note.</summary>
    public static string Detail(PayerLine l)
    {
        var detail = new StringBuilder();
        detail.Append(l.SetlId ?? l.PsnNo).Append(' ').Append(l.Rule).Append("：基数 ").Append(Yuan(l.Base));
        if (l.Ratio is { } r)
        {
            detail.Append(" × ").Append((r.Value * 100m).ToString("0.##", CultureInfo.InvariantCulture)).Append('%');
        }
        detail.Append(" → ").Append(Yuan(l.Amount));
        if (l.LimitLeft is { } limitLeft)
        {
            detail.Append("；限额余 ").Append(Yuan(limitLeft));
        }
        if (l.Note is { } note)
        {
            detail.Append("；").Append(note);
        }
        return detail.ToString();
    }

    public static string CategoryName(HouseholdCategory? c) => c switch
    {
        HouseholdCategory.Tekun => "特困",
        HouseholdCategory.Dibao => "低保家庭",
        HouseholdCategory.Dibian => "低边家庭",
        _ => "",
    };
}
