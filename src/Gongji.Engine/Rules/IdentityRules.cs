using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>Which identity a person holds on a day, as rules.md (common) reads it.</summary>
public static class IdentityRules
{
    /// <summary>
    /// The days an identity counts: its validity, and for a newly recognised illness-induced dibao or
    /// dibian the look-back window of <paramref name="lookbackMonths"/> calendar months before its
    /// start (杭政办函〔2022〕70号 二（二）; DateOnly.AddMonths clamps 08-31 to 02-29 as rules.md asks).
    /// </summary>
    public static bool CountsOn(Identity identity, DateOnly day, int lookbackMonths)
    {
        if (identity.Validity.Contains(day))
        {
            return true;
        }
        return lookbackMonths > 0
            && identity.IllnessInduced
            && identity.Type is IdentityType.Dibao or IdentityType.Dibian
            && day < identity.Validity.From
            && day >= identity.Validity.From.AddMonths(-lookbackMonths);
    }

    public static bool HeldOn(Person person, DateOnly day, int lookbackMonths, Func<Identity, bool> kind)
    {
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (kind(identity) && CountsOn(identity, day, lookbackMonths))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Held on at least one day of the year (a look-back window counts as held).</summary>
    public static bool HeldInYear(Person person, int year, int lookbackMonths, Func<Identity, bool> kind)
    {
        var range = DateRange.Year(year);
        for (var n = 0; n < person.Identities.Count; n++)
        {
            var identity = person.Identities[n];
            if (!kind(identity))
            {
                continue;
            }
            if (identity.Validity.Overlaps(range))
            {
                return true;
            }
            if (lookbackMonths > 0 && identity.IllnessInduced && identity.Type is IdentityType.Dibao or IdentityType.Dibian)
            {
                var window = new DateRange(identity.Validity.From.AddMonths(-lookbackMonths), identity.Validity.From);
                if (window.Overlaps(range))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>"Assisted" for a year: any identity type of cases.md on at least one day of it.</summary>
    public static bool IsAssisted(Person person, int year) => HeldInYear(person, year, 0, Any);

    public static bool IsDifficult(Identity identity) => identity.Type.IsDifficult();

    /// <summary>Cached delegates: a method group converts to a new delegate at every call otherwise.</summary>
    public static readonly Func<Identity, bool> Difficult = IsDifficult;

    public static readonly Func<Identity, bool> Any = static _ => true;

    public static readonly Func<Identity, bool> Tekun = static i => i.Type == IdentityType.Tekun;

    /// <summary>Eligible for Hangzhou medical assistance: tekun, dibao, dibian, or disabled of grade 1-2.</summary>
    public static readonly Func<Identity, bool> AssistanceEligible = static i => i.Type is IdentityType.Tekun or IdentityType.Dibao or IdentityType.Dibian || i.IsSevereDisability;

    /// <summary>Most favourable of tekun &gt; dibao &gt; dibian held on any day of the year.</summary>
    public static HouseholdCategory? MostFavourableCategory(Person person, int year, int lookbackMonths)
    {
        if (HeldInYear(person, year, lookbackMonths, i => i.Type == IdentityType.Tekun))
        {
            return HouseholdCategory.Tekun;
        }
        if (HeldInYear(person, year, lookbackMonths, i => i.Type == IdentityType.Dibao))
        {
            return HouseholdCategory.Dibao;
        }
        if (HeldInYear(person, year, lookbackMonths, i => i.Type == IdentityType.Dibian))
        {
            return HouseholdCategory.Dibian;
        }
        return null;
    }
}
