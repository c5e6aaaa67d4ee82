using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>双预警 and the monitoring groups (杭政办函〔2022〕70号 二（一）; 滨政办函〔2024〕1号 三（一）; 嵊州方案 二（1）1).</summary>
public static class Monitoring
{
    public const string RelapseClause = "滨政办函〔2024〕1号 三（一）；杭政办函〔2022〕70号 二（一）";
    public const string ImpoverishmentClause = "杭政办函〔2022〕70号 二（一）";
    public const string EnrollmentClause = "温政办〔2021〕78号 三（三）8；滨政办函〔2024〕1号 三（一）";
    public const string GroupClause = "嵊州方案 二（1）1";

    /// <summary>
    /// 重点: tekun, dibao, dibian, illness-induced, temporary assistance; 关注: orphan, child in distress,
    /// sanlao, retrenched, disabled 1-2, special care, severe mental, model farmer; 潜在: gradual-exit
    /// people and everyone else. A gradual-exit identity counts only toward 潜在.
    /// </summary>
    public static MonitoringGroup Group(Person person, int year)
    {
        var range = DateRange.Year(year);
        var group = MonitoringGroup.Potential;
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (!identity.Validity.Overlaps(range) || identity.GradualExit)
            {
                continue;
            }
            if (identity.IllnessInduced || identity.Type is IdentityType.Tekun or IdentityType.Dibao or IdentityType.Dibian or IdentityType.TemporaryAssistance)
            {
                return MonitoringGroup.Key;
            }
            if (identity.Type is IdentityType.Orphan or IdentityType.ChildInDistress or IdentityType.Sanlao or IdentityType.Retrenched
                or IdentityType.SpecialCare or IdentityType.SevereMental or IdentityType.ModelFarmer
                || identity.IsSevereDisability)
            {
                group = MonitoringGroup.Attention;
            }
        }
        return group;
    }

    /// <summary>
    /// 参保中断: a day of the year on which the person holds an identity and no enrolment is valid;
    /// the days of the month in which an identity begins are no gap (当月参保，次月生效).
    /// Returns the number of such days.
    /// </summary>
    public static int EnrollmentGapDays(Person person, int year)
    {
        if (person.Enrolments is null || person.Identities.Count == 0)
        {
            return 0;
        }
        var yearRange = DateRange.Year(year);
        var first = yearRange.From.DayNumber;
        // Days of the year that need cover: each identity's days, less the month it begins in; then
        // each enrolment's days are taken off, and what is left is the gap.
        Span<bool> uncovered = stackalloc bool[366];
        uncovered.Clear();
        var any = false;
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (identity.Validity.Intersect(yearRange) is not { } held)
            {
                continue;
            }
            var graceEnd = new DateOnly(identity.Validity.From.Year, identity.Validity.From.Month, 1).AddMonths(1);
            var from = held.From < graceEnd ? graceEnd : held.From;
            if (from <= held.To)
            {
                uncovered[(from.DayNumber - first)..(held.To.DayNumber - first + 1)].Fill(true);
                any = true;
            }
        }
        if (!any)
        {
            return 0;
        }
        for (var n = 0; n < person.Enrolments.Count; n++)
        {
            if (person.Enrolments[n].Intersect(yearRange) is { } covered)
            {
                uncovered[(covered.From.DayNumber - first)..(covered.To.DayNumber - first + 1)].Clear();
            }
        }
        return uncovered.Count(true);
    }
}
