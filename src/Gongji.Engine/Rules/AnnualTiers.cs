using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>特殊救助 — 杭政办函〔2022〕70号 二（四）.</summary>
public static class SpecialAssistance
{
    public const string Clause = "杭政办函〔2022〕70号 二（四）";

    /// <summary>
    /// "医疗救助对象经各类救助后，个人年度医疗费用负担仍然较重的 … 特困 60%，其他医疗救助对象 50%，
    /// 年度限额10万元": ratio × the whole burden when it exceeds the deployment's threshold.
    /// </summary>
    public static Money Amount(Money burdenAfterEveryAid, Money threshold, Rate ratio, Money annualLimit) =>
        burdenAfterEveryAid > threshold ? Money.Min(burdenAfterEveryAid.Times(ratio), annualLimit) : Money.Zero;
}

/// <summary>高额医疗费补助 — 景政办发〔2021〕29号 二（二）.</summary>
public static class HighCostSubsidy
{
    public const string Clause = "景政办发〔2021〕29号 二（二）2";
    public const string EligibilityClause = "景政办发〔2021〕29号 二（一）";

    /// <summary>"起付线以上部分按 50%（40%）予以补助 … 最高限额为 10 万元".</summary>
    public static Money Amount(Money burden, Money deductible, Rate ratio, Money annualMaximum) =>
        burden > deductible ? Money.Min((burden - deductible).Times(ratio), annualMaximum) : Money.Zero;

    /// <summary>
    /// 具有景宁户籍在本县参保的，或连续在本县参保三年以上的非景宁户籍人员: insured_since on or before
    /// 1 January of the year two years before the expense year (rules.md, Jingning).
    /// </summary>
    public static bool IsEligible(Person person, string county, int year, int insuredYears)
    {
        var hukou = person.HukouRegion ?? person.Region;
        if (hukou.StartsWith(county, StringComparison.Ordinal))
        {
            return true;
        }
        return person.InsuredSince is { } since && since <= new DateOnly(year - (insuredYears - 1), 1, 1);
    }
}

/// <summary>高额医疗费用多渠道化解 — 温政办〔2021〕78号 三（三）11.</summary>
public static class HighCostResolution
{
    public const string Clause = "温政办〔2021〕78号 三（三）11";

    /// <summary>"四重医疗保障后，自负金额仍超 5 万元的 … 化解至 5 万元以下": the part above the line.</summary>
    public static Money Amount(Money burden, Money line) => (burden - line).AtLeastZero();
}

/// <summary>暖心无忧基金 — 嵊州方案 附件3.</summary>
public static class WarmFund
{
    public const string CityClause = "嵊州方案 附件3 二、三";
    public const string TownshipClause = "嵊州方案 附件3 四；二（4）13";

    /// <summary>proposal = min(max_per_person, ratio × (burden − threshold)), rounded half up (cases.md).</summary>
    public static Money Proposal(Money burden, Money threshold, Rate ratio, Money maxPerPerson) =>
        burden > threshold ? Money.Min((burden - threshold).Times(ratio), maxPerPerson) : Money.Zero;

    /// <summary>
    /// 基金总额用完即止: when the proposals add up to more than the budget, each is scaled by
    /// budget / total and rounded down to the fen, so the total never exceeds the budget.
    /// </summary>
    public static Money[] WithinBudget(IReadOnlyList<Money> proposals, Money budget)
    {
        var total = Money.Sum(proposals);
        var result = new Money[proposals.Count];
        for (var i = 0; i < proposals.Count; i++)
        {
            result[i] = total > budget ? proposals[i].ScaledDown(budget.AtLeastZero(), total) : proposals[i];
        }
        return result;
    }
}

/// <summary>暖心基金封顶兜底 — 滨政办函〔2024〕1号 二（三）.</summary>
public static class HouseholdCap
{
    public const string Clause = "滨政办函〔2024〕1号 二（三）";

    /// <summary>特困人员 5000 元（每人）、低保家庭 3 万元、低边家庭 5 万元.</summary>
    public static Money Threshold(HouseholdCategory category, int tekunMembers, Money perTekun, Money dibaoHousehold, Money dibianHousehold) =>
        category switch
        {
            HouseholdCategory.Tekun => Money.RoundHalfUp(perTekun.Yuan * Math.Max(1, tekunMembers)),
            HouseholdCategory.Dibao => dibaoHousehold,
            _ => dibianHousehold,
        };

    /// <summary>"对其上年度承担的合理医疗费用超过以下标准的部分给予 100% 兜底保障".</summary>
    public static Money Amount(Money householdBurden, Money threshold, Rate ratio) =>
        householdBurden > threshold ? (householdBurden - threshold).Times(ratio) : Money.Zero;
}
