namespace Gongji.Engine.Model;

/// <summary>The payers in the order in which they bear the cost (梯次减负, cases.md "Payer ids").</summary>
public enum Payer
{
    Basic,
    Critical,
    LargeSum,
    CivilServant,
    Enterprise,
    OtherFund,
    MedicalAssistance,
    Huiminbao,
    CivilAffairs,
    Disability,
    Veterans,
    Union,
    Health,
    RedCross,
    Charity,
    SpecialAssistance,
    HighCostSubsidy,
    HighCostResolution,
    WarmFundCity,
    WarmFundTownship,
    CapFund,
}

public static class Payers
{
    public const int Count = (int)Payer.CapFund + 1;

    public static readonly IReadOnlyList<Payer> All = Enum.GetValues<Payer>();

    private static readonly string[] Ids =
    [
        "basic", "critical", "large_sum", "civil_servant", "enterprise", "other_fund", "medical_assistance",
        "huiminbao", "civil_affairs", "disability", "veterans", "union", "health", "red_cross", "charity",
        "special_assistance", "high_cost_subsidy", "high_cost_resolution", "warm_fund_city", "warm_fund_township", "cap_fund",
    ];

    private static readonly string[] ChineseNames =
    [
        "基本医保统筹基金", "大病保险", "职工大额医疗补助", "公务员医疗补助", "企业补充医疗保险", "其他基金支出", "医疗救助",
        "惠民保", "民政", "残联", "退役军人事务", "总工会", "卫生健康", "红十字会", "慈善组织",
        "特殊救助", "高额医疗费补助", "高额医疗费用多渠道化解", "暖心无忧基金（市级）", "暖心无忧基金（乡镇）", "暖心基金封顶兜底",
    ];

    private static readonly Dictionary<string, Payer> ById =
        All.ToDictionary(p => Ids[(int)p], p => p, StringComparer.OrdinalIgnoreCase);

    public static string Id(this Payer payer) => Ids[(int)payer];
    public static string ChineseName(this Payer payer) => ChineseNames[(int)payer];

    public static bool TryParse(string id, out Payer payer) => ById.TryGetValue(id.Trim(), out payer);

    /// <summary>Paid by a department or insurer and loaded as an aid (cases.md: source "aids").</summary>
    public static bool IsAid(this Payer payer) => payer is >= Payer.Huiminbao and <= Payer.Charity;

    /// <summary>Taken from the settlement row itself.</summary>
    public static bool IsInsuranceFund(this Payer payer) => payer <= Payer.OtherFund;

    /// <summary>Computed once a year over the burden left (special assistance ... cap fund).</summary>
    public static bool IsAnnualTier(this Payer payer) => payer >= Payer.SpecialAssistance;

    public static bool IsHouseholdTier(this Payer payer) => payer == Payer.CapFund;
}
