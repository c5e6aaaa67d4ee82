using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>
/// Per-person state of the annual medical-assistance limits, consumed in setl_time order.
/// Limits are consumed only by what is paid under a limited identity (rules.md, common).
/// </summary>
public sealed class AssistanceLimits(Money annual, Money? generalOutpatient)
{
    public Money AnnualLeft { get; private set; } = annual;
    public Money? GeneralOutpatientLeft { get; private set; } = generalOutpatient;

    public Money Available(MedClass medClass) =>
        medClass == MedClass.GeneralOutpatient && GeneralOutpatientLeft is { } sub ? Money.Min(AnnualLeft, sub) : AnnualLeft;

    public void Consume(MedClass medClass, Money amount)
    {
        AnnualLeft -= amount;
        if (medClass == MedClass.GeneralOutpatient && GeneralOutpatientLeft is { } sub)
        {
            GeneralOutpatientLeft = sub - amount;
        }
    }
}

/// <summary>The identity under which a settlement is assisted, its ratio and whether it is limited.</summary>
public readonly record struct AssistanceStanding(IdentityType Identity, string Label, Rate Ratio, bool Unlimited);

public static class MedicalAssistance
{
    public const string HangzhouClause = "杭政办函〔2022〕70号 二（二）";
    public const string WenzhouClause = "温政办〔2021〕78号 三（三）9";

    /// <summary>
    /// 杭政办函〔2022〕70号 二（二）: 特困 100%, 低保 80%, 二级及以上残疾 80%, 低边 70%; the most
    /// favourable identity valid on the day (look-back window included) applies.
    /// </summary>
    public static AssistanceStanding? HangzhouStanding(Person person, DateOnly day, int lookbackMonths, RegionPolicy policy)
    {
        AssistanceStanding? best = null;
        foreach (var identity in person.Identities)
        {
            if (!IdentityRules.CountsOn(identity, day, lookbackMonths))
            {
                continue;
            }
            AssistanceStanding? candidate = identity.Type switch
            {
                IdentityType.Tekun => new(IdentityType.Tekun, "特困人员", policy.Parameters.Rate("medical_assistance.ratio.tekun"), true),
                IdentityType.Dibao => new(IdentityType.Dibao, identity.IllnessInduced ? "因病纳入低保" : "低保对象", policy.Parameters.Rate("medical_assistance.ratio.dibao"), false),
                IdentityType.Disabled when identity.IsSevereDisability => new(IdentityType.Disabled, $"{identity.Level}级残疾人", policy.Parameters.Rate("medical_assistance.ratio.disabled_severe"), false),
                IdentityType.Dibian => new(IdentityType.Dibian, identity.IllnessInduced ? "因病纳入低边" : "低边对象", policy.Parameters.Rate("medical_assistance.ratio.dibian"), false),
                _ => null,
            };
            best = MoreFavourable(best, candidate);
        }
        return best;
    }

    /// <summary>温政办〔2021〕78号 三（三）9: 困难群众 (tekun, dibao, dibian) at one ratio; tekun without limit.</summary>
    public static AssistanceStanding? WenzhouStanding(Person person, DateOnly day, RegionPolicy policy)
    {
        AssistanceStanding? best = null;
        foreach (var identity in person.Identities)
        {
            if (!identity.Type.IsDifficult() || !identity.Validity.Contains(day))
            {
                continue;
            }
            var ratio = policy.Parameters.Rate("medical_assistance.ratio");
            best = MoreFavourable(best, new AssistanceStanding(identity.Type, identity.Type.ChineseName(), ratio, identity.Type == IdentityType.Tekun));
        }
        return best;
    }

    private static AssistanceStanding? MoreFavourable(AssistanceStanding? a, AssistanceStanding? b)
    {
        if (a is not { } x)
        {
            return b;
        }
        if (b is not { } y)
        {
            return a;
        }
        // Higher ratio first; at equal ratio, no limit is the more favourable.
        return y.Ratio.Value > x.Ratio.Value || (y.Ratio.Value == x.Ratio.Value && y.Unlimited && !x.Unlimited) ? y : x;
    }

    /// <summary>Amount = min(ratio × policy-scope personal part, limit left), rounded half up to the fen.</summary>
    public static (Money Amount, Money? LimitUsed, Money? LimitLeft) Assist(Settlement settlement, AssistanceStanding standing, AssistanceLimits limits)
    {
        var proposed = settlement.PolicyScopePersonalPart.Times(standing.Ratio);
        if (standing.Unlimited)
        {
            return (proposed, null, null);
        }
        var available = limits.Available(settlement.MedClass).AtLeastZero();
        var amount = Money.Min(proposed, available);
        limits.Consume(settlement.MedClass, amount);
        return (amount, amount, limits.Available(settlement.MedClass));
    }
}
