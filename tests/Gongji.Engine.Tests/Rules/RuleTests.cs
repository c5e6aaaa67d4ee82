using Gongji.Engine.Model;
using Gongji.Engine.Rules;
using static Gongji.Engine.Tests.Build;

namespace Gongji.Engine.Tests.Rules;

public class IdentityRuleTests
{
    [Fact]
    public void Look_back_clamps_a_day_that_does_not_exist_to_the_month_end()
    {
        // rules.md: 2024-08-31 looks back to 2024-02-29.
        var dibao = Id(IdentityType.Dibao, D(2024, 8, 31), D(2026, 8, 30), illness: true);
        Assert.True(IdentityRules.CountsOn(dibao, D(2024, 2, 29), 6));
        Assert.False(IdentityRules.CountsOn(dibao, D(2024, 2, 28), 6));
    }

    [Fact]
    public void Only_illness_induced_dibao_and_dibian_look_back()
    {
        Assert.False(IdentityRules.CountsOn(Id(IdentityType.Dibao, D(2024, 7, 10), D(2026, 7, 9)), D(2024, 3, 1), 6));
        Assert.False(IdentityRules.CountsOn(Id(IdentityType.Tekun, D(2024, 7, 10), D(2026, 7, 9), illness: true), D(2024, 3, 1), 6));
        Assert.True(IdentityRules.CountsOn(Id(IdentityType.Dibian, D(2024, 7, 10), D(2026, 7, 9), illness: true), D(2024, 3, 1), 6));
    }

    [Fact]
    public void A_look_back_window_reaching_into_the_previous_year_counts_as_held_there()
    {
        var person = Person("P1", "330105", Id(IdentityType.Dibao, D(2024, 2, 10), D(2026, 2, 9), illness: true));
        Assert.True(IdentityRules.HeldInYear(person, 2023, 6, IdentityRules.IsDifficult));
        Assert.False(IdentityRules.HeldInYear(person, 2023, 0, IdentityRules.IsDifficult));
    }
}

public class MonitoringTests
{
    [Fact]
    public void Groups_follow_Shengzhou()
    {
        Assert.Equal(MonitoringGroup.Key, Monitoring.Group(Person("P", "330683", Id(IdentityType.Dibian, D(2023, 1, 1), D(2025, 1, 1))), 2024));
        Assert.Equal(MonitoringGroup.Attention, Monitoring.Group(Person("P", "330683", Id(IdentityType.Disabled, D(2023, 1, 1), D(2025, 1, 1), level: 2)), 2024));
        Assert.Equal(MonitoringGroup.Potential, Monitoring.Group(Person("P", "330683", Id(IdentityType.Disabled, D(2023, 1, 1), D(2025, 1, 1), level: 3)), 2024));
        Assert.Equal(MonitoringGroup.Potential, Monitoring.Group(Person("P", "330683", Id(IdentityType.Dibao, D(2023, 1, 1), D(2025, 1, 1), gradual: true)), 2024));
        Assert.Equal(MonitoringGroup.Potential, Monitoring.Group(Person("P", "330683"), 2024));
    }

    [Fact]
    public void The_month_an_identity_begins_is_no_gap()
    {
        var person = Person("P", "330302", Id(IdentityType.Dibao, D(2024, 3, 15), D(2025, 3, 14))) with
        {
            Enrolments = [new DateRange(D(2024, 4, 1), D(2030, 12, 31))],
        };
        Assert.Equal(0, Monitoring.EnrollmentGapDays(person, 2024));
        var late = person with { Enrolments = [new DateRange(D(2024, 4, 2), D(2030, 12, 31))] };
        Assert.Equal(1, Monitoring.EnrollmentGapDays(late, 2024));
    }

    [Fact]
    public void No_enrolment_data_means_enrolled_all_along() =>
        Assert.Equal(0, Monitoring.EnrollmentGapDays(Person("P", "330302", Id(IdentityType.Dibao, D(2024, 1, 1), D(2025, 1, 1))), 2024));

    [Fact]
    public void Gap_days_are_the_days_an_identity_needs_cover_and_no_enrolment_gives_it()
    {
        // The rule read day by day, against the computation by ranges, over random people and years.
        static int DayByDay(Person person, int year)
        {
            var gaps = 0;
            for (var day = new DateOnly(year, 1, 1); day.Year == year; day = day.AddDays(1))
            {
                var needs = person.Identities.Any(i => i.Validity.Contains(day) && day >= new DateOnly(i.Validity.From.Year, i.Validity.From.Month, 1).AddMonths(1));
                if (needs && !person.Enrolments!.Any(e => e.Contains(day)))
                {
                    gaps++;
                }
            }
            return gaps;
        }
        var random = new Random(11);
        DateOnly Day() => new DateOnly(2022, 1, 1).AddDays(random.Next(365 * 4));
        DateRange Range()
        {
            var (a, b) = (Day(), Day());
            return a <= b ? new DateRange(a, b) : new DateRange(b, a);
        }
        for (var n = 0; n < 500; n++)
        {
            var identities = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Range()).Select(r => Id(IdentityType.Dibao, r.From, r.To)).ToArray();
            var person = Person("P", "330302", identities) with { Enrolments = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Range())] };
            foreach (var year in new[] { 2023, 2024, 2025 })
            {
                Assert.Equal(DayByDay(person, year), Monitoring.EnrollmentGapDays(person, year));
            }
        }
    }
}

public class TierRuleTests
{
    [Fact]
    public void Warm_fund_never_pays_beyond_its_budget()
    {
        Money[] proposals = [new(100m), new(100m), new(100m)];
        var paid = WarmFund.WithinBudget(proposals, new Money(100m));
        Assert.All(paid, p => Assert.Equal(33.33m, p.Yuan));
        Assert.True(Money.Sum(paid) <= new Money(100m));
    }

    [Fact]
    public void Warm_fund_pays_proposals_in_full_within_budget() =>
        Assert.Equal([new Money(10m), new Money(20m)], WarmFund.WithinBudget([new Money(10m), new Money(20m)], new Money(30m)));

    [Fact]
    public void Jingning_three_years_of_insurance_for_other_hukou()
    {
        var person = Person("P", "331127") with { HukouRegion = "330226", InsuredSince = D(2021, 1, 1) };
        Assert.True(HighCostSubsidy.IsEligible(person, "331127", 2023, 3));
        Assert.False(HighCostSubsidy.IsEligible(person with { InsuredSince = D(2021, 1, 2) }, "331127", 2023, 3));
        Assert.False(HighCostSubsidy.IsEligible(person with { InsuredSince = null }, "331127", 2023, 3));
        Assert.True(HighCostSubsidy.IsEligible(person with { HukouRegion = "331127" }, "331127", 2023, 3));
    }

    [Fact]
    public void Subsidy_is_capped_at_its_annual_maximum() =>
        Assert.Equal(100000m, HighCostSubsidy.Amount(new Money(400000m), new Money(50000m), new Rate(0.4m), new Money(100000m)).Yuan);

    [Fact]
    public void Tekun_household_threshold_is_per_tekun_member() =>
        Assert.Equal(10000m, HouseholdCap.Threshold(HouseholdCategory.Tekun, 2, new Money(5000m), new Money(30000m), new Money(50000m)).Yuan);

    [Fact]
    public void Special_assistance_needs_the_burden_above_the_threshold()
    {
        Assert.Equal(0m, SpecialAssistance.Amount(new Money(20000m), new Money(20000m), new Rate(0.5m), new Money(100000m)).Yuan);
        Assert.Equal(100000m, SpecialAssistance.Amount(new Money(300000m), new Money(20000m), new Rate(0.6m), new Money(100000m)).Yuan);
    }
}
