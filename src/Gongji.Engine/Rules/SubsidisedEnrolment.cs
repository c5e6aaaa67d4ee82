using Gongji.Engine.Model;

namespace Gongji.Engine.Rules;

/// <summary>
/// 资助参保 (温政办〔2021〕78号 三（三）8): a new assisted person is enrolled in the month of recognition and
/// covered from the next month (当月参保，次月生效); one who leaves assistance stays covered, and subsidised,
/// for the rest of that year; gradual-exit people keep the subsidy (an identity in 渐退期 is still held).
/// Elsewhere only the first part applies: cover is due from the month after recognition while assisted.
/// </summary>
public static class SubsidisedEnrolment
{
    public const string Clause = "温政办〔2021〕78号 三（三）8";

    /// <summary>The days of <paramref name="year"/> on which cover is due, as ordered, disjoint ranges.</summary>
    public static IReadOnlyList<DateRange> Due(IReadOnlyList<Identity> identities, int year, bool keepToYearEnd)
    {
        var yearRange = DateRange.Year(year);
        var due = new List<DateRange>();
        foreach (var identity in identities.Where(i => i.Type.IsDifficult()))
        {
            var start = new DateOnly(identity.Validity.From.Year, identity.Validity.From.Month, 1).AddMonths(1);
            var end = identity.Validity.To;
            if (keepToYearEnd && end != DateOnly.MaxValue)
            {
                end = new DateOnly(end.Year, 12, 31);
            }
            if (start <= end && new DateRange(start, end).Intersect(yearRange) is { } days)
            {
                due.Add(days);
            }
        }
        return Union(due);
    }

    /// <summary>The parts of <paramref name="due"/> that no range of <paramref name="held"/> covers.</summary>
    public static IReadOnlyList<DateRange> Missing(IReadOnlyList<DateRange> due, IEnumerable<DateRange> held)
    {
        var cover = Union(held.ToList());
        var missing = new List<DateRange>();
        foreach (var range in due)
        {
            var from = range.From;
            foreach (var c in cover.Where(c => c.Overlaps(range)))
            {
                if (c.From > from)
                {
                    missing.Add(new DateRange(from, c.From.AddDays(-1)));
                }
                if (c.To >= range.To)
                {
                    from = DateOnly.MaxValue;
                    break;
                }
                from = c.To.AddDays(1) > from ? c.To.AddDays(1) : from;
            }
            if (from != DateOnly.MaxValue && from <= range.To)
            {
                missing.Add(new DateRange(from, range.To));
            }
        }
        return missing;
    }

    private static List<DateRange> Union(List<DateRange> ranges)
    {
        var merged = new List<DateRange>();
        foreach (var r in ranges.OrderBy(r => r.From))
        {
            if (merged.Count > 0 && (merged[^1].To == DateOnly.MaxValue || r.From <= merged[^1].To.AddDays(1)))
            {
                var last = merged[^1];
                merged[^1] = new DateRange(last.From, r.To > last.To ? r.To : last.To);
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }
}
