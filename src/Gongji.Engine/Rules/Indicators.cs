using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>The indicator system of 嵊州方案 附件1 (formulas in its 备注), over the assisted people.</summary>
public static class Indicators
{
    public const string Clause = "嵊州方案 附件1 备注";

    private static readonly Payer[] SocialPayers =
    [
        Payer.Huiminbao, Payer.Union, Payer.RedCross, Payer.Charity, Payer.HighCostResolution,
        Payer.WarmFundCity, Payer.WarmFundTownship, Payer.CapFund,
    ];

    private static readonly Payer[] FundPaymentPayers = [Payer.Basic, Payer.Critical, Payer.LargeSum, Payer.MedicalAssistance];

    public static decimal Rate4(decimal numerator, decimal denominator) =>
        decimal.Round(numerator / denominator, 4, MidpointRounding.AwayFromZero);

    public static List<(string Id, decimal Value, string Clause)> Compute(IReadOnlyList<PersonYearResult> assisted, Money highCostLine)
    {
        // Every sum of the formulas in one pass over the people (a city has a million; sums of whole fen, exact in any order).
        long total = 0, burden = 0, social = 0, scope = 0, funds = 0;
        int high = 0, cleared = 0;
        foreach (var p in assisted)
        {
            total += p.MedfeeSumamt.Fen;
            burden += p.BurdenAfterHouseholdTiers.Fen;
            scope += p.PolicyScopeAmount.Fen;
            foreach (var payer in SocialPayers)
            {
                social += p[payer].Fen;
            }
            foreach (var payer in FundPaymentPayers)
            {
                funds += p[payer].Fen;
            }
            if (p.BurdenBeforeAnnualTiers > highCostLine)
            {
                high++;
                cleared += p.BurdenAfterHouseholdTiers <= highCostLine ? 1 : 0;
            }
        }
        var result = new List<(string, decimal, string)>();
        if (total > 0)
        {
            var (t, b) = (Money.FromFen(total), Money.FromFen(burden));
            result.Add(("comprehensive_coverage_rate", Rate4((t - b).Yuan, t.Yuan), "嵊州方案 附件1 指标7"));
            result.Add(("personal_burden_rate", Rate4(b.Yuan, t.Yuan), "嵊州方案 附件1 指标3"));
            result.Add(("social_participation_rate", Rate4(Money.FromFen(social).Yuan, t.Yuan), "嵊州方案 附件1 指标8"));
        }
        if (scope > 0)
        {
            result.Add(("fund_payment_ratio", Rate4(Money.FromFen(funds).Yuan, Money.FromFen(scope).Yuan), "嵊州方案 附件1 指标6"));
        }
        result.Add(("clearance_rate", high == 0 ? 1.0000m : Rate4(cleared, high), "嵊州方案 附件1 指标10"));
        return result;
    }
}
