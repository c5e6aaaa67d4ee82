namespace Gongji.Engine.Model;

/// <summary>The classes of med_type that rules name (data.md).</summary>
public enum MedClass
{
    Inpatient,
    ChronicOutpatient,
    GeneralOutpatient,
    Other,
}

public enum Exclusion
{
    None,
    WorkInjury,
    ThirdParty,
    PublicHealth,
    Cosmetic,
    NonDesignated,
    Overseas,
    Illegal,
}

public static class MedTypes
{
    /// <summary>
    /// data.md: inpatient — codes starting with 2, 52, 9902; chronic/special outpatient — 14 and codes
    /// starting with 14, 9901; general outpatient — every other code starting with 1, 4 or 5; else other.
    /// </summary>
    public static MedClass Classify(string medType)
    {
        var code = medType.Trim();
        if (code.StartsWith('2') || code.StartsWith("52", StringComparison.Ordinal) || code.StartsWith("9902", StringComparison.Ordinal))
        {
            return MedClass.Inpatient;
        }
        if (code.StartsWith("14", StringComparison.Ordinal) || code.StartsWith("9901", StringComparison.Ordinal))
        {
            return MedClass.ChronicOutpatient;
        }
        if (code.StartsWith('1') || code.StartsWith('4') || code.StartsWith('5'))
        {
            return MedClass.GeneralOutpatient;
        }
        return MedClass.Other;
    }

    private static readonly string[] ExclusionIds =
        ["none", "work_injury", "third_party", "public_health", "cosmetic", "non_designated", "overseas", "illegal"];

    public static string Id(this Exclusion exclusion) => ExclusionIds[(int)exclusion];

    /// <summary>An exclusion named by UTF-8 bytes already trimmed (a file's cell), without making a string.</summary>
    public static bool TryParseExclusion(ReadOnlySpan<byte> utf8, out Exclusion exclusion)
    {
        for (var k = 0; k < ExclusionIds.Length; k++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(utf8, ExclusionIds[k]))
            {
                exclusion = (Exclusion)k;
                return true;
            }
        }
        exclusion = Exclusion.None;
        return false;
    }

    public static bool TryParseExclusion(string id, out Exclusion exclusion)
    {
        var trimmed = id.AsSpan().Trim();
        var i = -1;
        for (var k = 0; k < ExclusionIds.Length; k++)
        {
            if (trimmed.Equals(ExclusionIds[k], StringComparison.OrdinalIgnoreCase))
            {
                i = k;
                break;
            }
        }
        exclusion = i < 0 ? Exclusion.None : (Exclusion)i;
        return i >= 0 || string.IsNullOrWhiteSpace(id);
    }
}

/// <summary>One settlement in the national platform's field names (SETL_D).</summary>
public sealed record Settlement
{
    public required string SetlId { get; init; }
    public required string PsnNo { get; init; }
    public required DateTime SetlTime { get; init; }
    public required string MedType { get; init; }
    public MedClass MedClass => MedTypes.Classify(MedType);

    public Money MedfeeSumamt { get; init; }
    public Money FulamtOwnpayAmt { get; init; }
    public Money OverlmtSelfpay { get; init; }
    public Money PreselfpayAmt { get; init; }

    /// <summary>Policy-scope amount; data.md default: sumamt − fulamt − overlmt − preselfpay.</summary>
    public Money InscpScpAmt { get; init; }

    public Money HifpPay { get; init; }
    public Money HifmiPay { get; init; }
    public Money HifobPay { get; init; }
    public Money CvlservPay { get; init; }
    public Money HifesPay { get; init; }
    public Money MafPay { get; init; }
    public Money OthPay { get; init; }

    public bool IsReversal { get; init; }
    public string? InitSetlId { get; init; }
    public bool ReferralCompliant { get; init; } = true;
    public Exclusion Exclusion { get; init; }

    public DateOnly Day => DateOnly.FromDateTime(SetlTime);

    /// <summary>rules.md: a non-compliant referral or an exclusion keeps the cost with the person.</summary>
    public bool EntersComputedTiers => ReferralCompliant && Exclusion == Exclusion.None;

    public Money InsuranceFunds => HifpPay + HifmiPay + HifobPay + CvlservPay + HifesPay + OthPay;

    /// <summary>
    /// 政策范围内个人负担: inscp_scp_amt minus every insurance fund, at least 0
    /// (先保险后救助, rules.md common).
    /// </summary>
    public Money PolicyScopePersonalPart => (InscpScpAmt - InsuranceFunds).AtLeastZero();

    public Money Fund(Payer payer) => payer switch
    {
        Payer.Basic => HifpPay,
        Payer.Critical => HifmiPay,
        Payer.LargeSum => HifobPay,
        Payer.CivilServant => CvlservPay,
        Payer.Enterprise => HifesPay,
        Payer.OtherFund => OthPay,
        _ => throw new ArgumentOutOfRangeException(nameof(payer), payer, "not an insurance fund of the settlement"),
    };

    public static Money DefaultInscpScpAmt(Money sum, Money fulamt, Money overlmt, Money preself) => sum - fulamt - overlmt - preself;
}

/// <summary>An amount paid by another payer (惠民保, 民政, 残联 …).</summary>
public sealed record Aid(string PsnNo, Payer Payer, Money Amount, DateOnly PayDate, int ExpenseYear, string? SetlId = null, string? VoucherNo = null);
