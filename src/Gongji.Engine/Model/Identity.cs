namespace Gongji.Engine.Model;

/// <summary>The identity types of cases.md.</summary>
public enum IdentityType
{
    Tekun,
    Dibao,
    Dibian,
    Disabled,
    TemporaryAssistance,
    Orphan,
    ChildInDistress,
    Sanlao,
    Retrenched,
    SpecialCare,
    SevereMental,
    ModelFarmer,
    LowIncomeFarmer,
}

public static class IdentityTypes
{
    private static readonly string[] Ids =
    [
        "tekun", "dibao", "dibian", "disabled", "temporary_assistance", "orphan", "child_in_distress",
        "sanlao", "retrenched", "special_care", "severe_mental", "model_farmer", "low_income_farmer",
    ];

    private static readonly string[] ChineseNames =
    [
        "特困人员", "低保对象", "低边对象", "残疾人", "因病致贫临时救助", "社会散居孤儿", "困境儿童",
        "农村三老", "原精减职工", "重点优抚对象", "严重精神障碍患者", "农业劳模", "低收入农户",
    ];

    private static readonly Dictionary<string, IdentityType> ById =
        Enum.GetValues<IdentityType>().ToDictionary(t => Ids[(int)t], t => t, StringComparer.OrdinalIgnoreCase);

    public static string Id(this IdentityType type) => Ids[(int)type];
    public static string ChineseName(this IdentityType type) => ChineseNames[(int)type];
    public static bool TryParse(string id, out IdentityType type) => ById.TryGetValue(id.Trim(), out type);

    /// <summary>困难群众 / 困难人员: tekun, dibao or dibian, illness_induced included (rules.md, common).</summary>
    public static bool IsDifficult(this IdentityType type) => type is IdentityType.Tekun or IdentityType.Dibao or IdentityType.Dibian;
}

/// <summary>One identity of a person, valid on the days of <see cref="Validity"/> (inclusive).</summary>
public sealed record Identity(
    IdentityType Type,
    DateRange Validity,
    int? Level = null,
    bool IllnessInduced = false,
    bool GradualExit = false)
{
    /// <summary>二级及以上残疾: disability grade 1 or 2.</summary>
    public bool IsSevereDisability => Type == IdentityType.Disabled && Level is 1 or 2;
}

/// <summary>The household category as recognised by civil affairs.</summary>
public enum HouseholdCategory
{
    Tekun,
    Dibao,
    Dibian,
}
