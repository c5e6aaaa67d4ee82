using Gongji.Engine.Model;

namespace Gongji.Engine.Tests;

/// <summary>Small builders for engine inputs in tests.</summary>
internal static class Build
{
    public static DateOnly D(int y, int m, int d) => new(y, m, d);

    public static Identity Id(IdentityType type, DateOnly from, DateOnly to, int? level = null, bool illness = false, bool gradual = false) =>
        new(type, new DateRange(from, to), level, illness, gradual);

    public static Person Person(string psn, string region, params Identity[] identities) =>
        new() { PsnNo = psn, Region = region, HukouRegion = region, Identities = identities };

    public static Settlement Settlement(string id, string psn, DateOnly day, string medType, decimal sum, decimal scope, decimal hifp, decimal hifmi = 0, decimal maf = 0,
        bool referral = true, Exclusion exclusion = Exclusion.None) => new()
    {
        SetlId = id,
        PsnNo = psn,
        SetlTime = day.ToDateTime(new TimeOnly(10, 0)),
        MedType = medType,
        MedfeeSumamt = new Money(sum),
        FulamtOwnpayAmt = new Money(sum - scope),
        InscpScpAmt = new Money(scope),
        HifpPay = new Money(hifp),
        HifmiPay = new Money(hifmi),
        MafPay = new Money(maf),
        ReferralCompliant = referral,
        Exclusion = exclusion,
    };

    public static Settlement Reversal(Settlement original, string id) => original with
    {
        SetlId = id,
        IsReversal = true,
        InitSetlId = original.SetlId,
        MedfeeSumamt = -original.MedfeeSumamt,
        FulamtOwnpayAmt = -original.FulamtOwnpayAmt,
        InscpScpAmt = -original.InscpScpAmt,
        HifpPay = -original.HifpPay,
        HifmiPay = -original.HifmiPay,
        MafPay = -original.MafPay,
    };
}
