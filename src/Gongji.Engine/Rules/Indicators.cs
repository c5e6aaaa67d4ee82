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
        var result = new List<(string, decimal, string)>();
        var total = Money.Sum(assisted.Select(p => p.MedfeeSumamt));
        if (total.IsPositive)
        {
            var burden = Money.Sum(assisted.Select(p => p.BurdenAfterHouseholdTiers));
            result.Add(("comprehensive_coverage_rate", Rate4((total - burden).Yuan, total.Yuan), "嵊州方案 附件1 指标7"));
            result.Add(("personal_burden_rate", Rate4(burden.Yuan, total.Yuan), "嵊州方案 附件1 指标3"));
            var social = Money.Sum(assisted.SelectMany(p => SocialPayers.Select(payer => p[payer])));
            result.Add(("social_participation_rate", Rate4(social.Yuan, total.Yuan), "嵊州方案 附件1 指标8"));
        }
        var scope = Money.Sum(assisted.Select(p => p.PolicyScopeAmount));
        if (scope.IsPositive)
        {
            var funds = Money.Sum(assisted.SelectMany(p => FundPaymentPayers.Select(payer => p[payer])));
            result.Add(("fund_payment_ratio", Rate4(funds.Yuan, scope.Yuan), "嵊州方案 附件1 指标6"));
        }
        var high = assisted.Where(p => p.BurdenBeforeAnnualTiers > highCostLine).ToList();
        var cleared = high.Count(p => p.BurdenAfterHouseholdTiers <= highCostLine);
        result.Add(("clearance_rate", high.Count == 0 ? 1.0000m : Rate4(cleared, high.Count), "嵊州方案 附件1 指标10"));
        return result;
    }
}
