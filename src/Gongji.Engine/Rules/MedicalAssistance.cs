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

/// <summary>Under which identity a settlement is assisted (kept per settlement as one byte).</summary>
public enum Standing : byte
{
    None,
    Tekun,
    Dibao,
    DibaoIllnessInduced,
    DisabledLevel1,
    DisabledLevel2,
    Dibian,
    DibianIllnessInduced,
}

/// <summary>The identity under which a settlement is assisted, its ratio and whether it is limited.</summary>
public readonly record struct AssistanceStanding(Standing Standing, Rate Ratio, bool Unlimited)
{
    public string Label => Standing switch
    {
        Standing.Tekun => "特困人员",
        Standing.Dibao => "低保对象",
        Standing.DibaoIllnessInduced => "因病纳入低保",
        Standing.DisabledLevel1 => "1级残疾人",
        Standing.DisabledLevel2 => "2级残疾人",
        Standing.Dibian => "低边对象",
        Standing.DibianIllnessInduced => "因病纳入低边",
        _ => "",
    };
}

public static class MedicalAssistance
{
    public const string HangzhouClause = "杭政办函〔2022〕70号 二（二）";
    public const string WenzhouClause = "温政办〔2021〕78号 三（三）9";

    /// <summary>
    /// 杭政办函〔2022〕70号 二（二）: 特困 100%, 低保 80%, 二级及以上残疾 80%, 低边 70%; the most
    /// favourable identity valid on the day (look-back window included) applies.
    /// </summary>
    public static AssistanceStanding? HangzhouStanding(Person person, DateOnly day, int lookbackMonths, AssistanceParameters p)
    {
        AssistanceStanding? best = null;
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (!IdentityRules.CountsOn(identity, day, lookbackMonths))
            {
                continue;
            }
            AssistanceStanding? candidate = identity.Type switch
            {
                IdentityType.Tekun => new(Standing.Tekun, p.Tekun, true),
                IdentityType.Dibao => new(identity.IllnessInduced ? Standing.DibaoIllnessInduced : Standing.Dibao, p.Dibao, false),
                IdentityType.Disabled when identity.IsSevereDisability => new(identity.Level == 1 ? Standing.DisabledLevel1 : Standing.DisabledLevel2, p.DisabledSevere, false),
                IdentityType.Dibian => new(identity.IllnessInduced ? Standing.DibianIllnessInduced : Standing.Dibian, p.Dibian, false),
                _ => null,
            };
            best = MoreFavourable(best, candidate);
        }
        return best;
    }

    /// <summary>温政办〔2021〕78号 三（三）9: 困难群众 (tekun, dibao, dibian) at one ratio; tekun without limit.</summary>
    public static AssistanceStanding? WenzhouStanding(Person person, DateOnly day, AssistanceParameters p)
    {
        AssistanceStanding? best = null;
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (!identity.Type.IsDifficult() || !identity.Validity.Contains(day))
            {
                continue;
            }
            var standing = identity.Type switch
            {
                IdentityType.Tekun => Standing.Tekun,
                IdentityType.Dibao => identity.IllnessInduced ? Standing.DibaoIllnessInduced : Standing.Dibao,
                _ => identity.IllnessInduced ? Standing.DibianIllnessInduced : Standing.Dibian,
            };
            best = MoreFavourable(best, new AssistanceStanding(standing, p.Dibao, identity.Type == IdentityType.Tekun));
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
    public static Money Assist(Money policyScopePersonalPart, MedClass medClass, AssistanceStanding standing, AssistanceLimits limits)
    {
        var proposed = policyScopePersonalPart.Times(standing.Ratio);
        if (standing.Unlimited)
        {
            return proposed;
        }
        var amount = Money.Min(proposed, limits.Available(medClass).AtLeastZero());
        limits.Consume(medClass, amount);
        return amount;
    }
}
