using Gongji.Engine.Model;
using Gongji.Engine.Rules;

namespace Gongji.Engine.Tests.Rules;

public sealed class SubsidisedEnrolmentTests
{
    private static DateOnly D(int y, int m, int d) => new(y, m, d);

    private static Identity Dibao(DateOnly from, DateOnly? to = null, bool gradualExit = false) =>
        new(IdentityType.Dibao, new DateRange(from, to ?? DateOnly.MaxValue), GradualExit: gradualExit);

    [Fact]
    public void Cover_is_due_from_the_month_after_recognition()
    {
        var due = SubsidisedEnrolment.Due([Dibao(D(2024, 3, 15))], 2024, keepToYearEnd: true);
        Assert.Equal([new DateRange(D(2024, 4, 1), D(2024, 12, 31))], due);
    }

    [Fact]
    public void In_Wenzhou_a_person_leaving_assistance_stays_covered_to_the_end_of_that_year()
    {
        Identity[] held = [Dibao(D(2022, 1, 10), D(2024, 5, 20))];
        Assert.Equal([new DateRange(D(2024, 1, 1), D(2024, 12, 31))], SubsidisedEnrolment.Due(held, 2024, keepToYearEnd: true));
        Assert.Equal([new DateRange(D(2024, 1, 1), D(2024, 5, 20))], SubsidisedEnrolment.Due(held, 2024, keepToYearEnd: false));
        Assert.Empty(SubsidisedEnrolment.Due(held, 2025, keepToYearEnd: true));
    }

    [Fact]
    public void Gradual_exit_keeps_the_subsidy_and_other_identities_do_not_bring_one()
    {
        Identity[] held = [Dibao(D(2023, 1, 1), D(2024, 12, 31), gradualExit: true), new(IdentityType.Disabled, new DateRange(D(2020, 1, 1), DateOnly.MaxValue), Level: 4)];
        Assert.Equal([DateRange.Year(2024)], SubsidisedEnrolment.Due(held, 2024, keepToYearEnd: true));
        Assert.Empty(SubsidisedEnrolment.Due([held[1]], 2024, keepToYearEnd: true));
    }

    [Fact]
    public void Missing_days_are_the_due_days_no_enrolment_covers()
    {
        DateRange[] due = [new(D(2024, 2, 1), D(2024, 12, 31))];
        DateRange[] held = [new(D(2023, 1, 1), D(2024, 3, 31)), new(D(2024, 6, 1), D(2024, 8, 31)), new(D(2024, 8, 15), D(2024, 10, 31))];
        Assert.Equal([new DateRange(D(2024, 4, 1), D(2024, 5, 31)), new DateRange(D(2024, 11, 1), D(2024, 12, 31))], SubsidisedEnrolment.Missing(due, held));
        Assert.Empty(SubsidisedEnrolment.Missing(due, [DateRange.Open(D(2020, 1, 1))]));
        Assert.Equal(due, SubsidisedEnrolment.Missing(due, []));
    }
}
