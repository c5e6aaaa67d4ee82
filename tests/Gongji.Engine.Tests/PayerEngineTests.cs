using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using static Gongji.Engine.Tests.Build;

namespace Gongji.Engine.Tests;

public class PayerEngineTests
{
    private static RegionYearResult Compute(int year, IReadOnlyList<Person> persons, IReadOnlyList<Settlement> settlements, IReadOnlyList<Aid>? aids = null,
        IReadOnlyList<Household>? households = null, Dictionary<string, decimal>? parameters = null) =>
        PayerEngine.Compute(new RegionYearInput
        {
            Year = year,
            Persons = persons,
            Settlements = settlements,
            Aids = aids ?? [],
            Households = households ?? [],
            Parameters = parameters ?? [],
        });

    private static readonly Person Dibian = Person("P1", "330110", Id(IdentityType.Dibian, D(2023, 1, 1), D(2026, 1, 1)));

    [Fact]
    public void A_reversal_frees_the_limit_its_original_used()
    {
        var big = Settlement("S1", "P1", D(2024, 2, 1), "21", 400000, 400000, 200000, 50000); // 70% × 150000 = 105000
        var second = Settlement("S2", "P1", D(2024, 9, 1), "21", 300000, 300000, 150000, 50000); // 70% × 100000 = 70000
        var withReversal = Compute(2024, [Dibian], [big, second, Reversal(big, "S1R")]);
        var p = withReversal.Persons.Single();
        Assert.Equal(70000m, p.Settlements.Single(s => s.Settlement.SetlId == "S2").MedicalAssistance.Yuan);
        Assert.DoesNotContain(p.Settlements, s => s.Settlement.SetlId is "S1" or "S1R");
        Assert.Equal(300000m, p.MedfeeSumamt.Yuan);
    }

    [Fact]
    public void A_reversal_in_a_later_year_recomputes_the_original_year()
    {
        var original = Settlement("S1", "P1", D(2023, 12, 20), "21", 10000, 10000, 5000);
        var reversal = Reversal(original, "S1R") with { SetlTime = new DateTime(2024, 1, 5) };
        var result = Compute(2023, [Dibian], [original, reversal]);
        Assert.Empty(result.Persons);
    }

    [Fact]
    public void Limits_are_consumed_in_settlement_time_order_ties_by_setl_id()
    {
        var a = Settlement("B", "P1", D(2024, 1, 10), "11", 20000, 20000, 0); // 70% × 20000 = 14000
        var b = Settlement("A", "P1", D(2024, 1, 10), "11", 20000, 20000, 0);
        var p = Compute(2024, [Dibian], [a, b]).Persons.Single();
        Assert.Equal(14000m, p.Settlements.Single(s => s.Settlement.SetlId == "A").MedicalAssistance.Yuan);
        Assert.Equal(6000m, p.Settlements.Single(s => s.Settlement.SetlId == "B").MedicalAssistance.Yuan);
    }

    [Fact]
    public void Excluded_settlements_keep_their_cost_but_enter_no_tier()
    {
        var s = Settlement("S1", "P1", D(2024, 3, 1), "21", 10000, 10000, 5000, exclusion: Exclusion.ThirdParty);
        var p = Compute(2024, [Dibian], [s]).Persons.Single();
        Assert.Equal(0m, p[Payer.MedicalAssistance].Yuan);
        Assert.Equal(5000m, p.PersonalBurden.Yuan);
        Assert.Equal(5000m, p.WarningBase.Yuan);
    }

    [Fact]
    public void An_aid_naming_a_settlement_outside_the_base_does_not_reduce_it()
    {
        // Jingning: outpatient is outside the subsidy base, so an aid toward it leaves the base alone.
        var person = Person("P1", "331127", Id(IdentityType.Dibao, D(2022, 1, 1), D(2024, 12, 31)));
        var inpatient = Settlement("S1", "P1", D(2023, 5, 1), "21", 100000, 85000, 50000, 5000, maf: 18000); // burden 27000
        var outpatient = Settlement("S2", "P1", D(2023, 7, 1), "11", 2000, 2000, 1000, maf: 800);
        var toOutpatient = new Aid("P1", Payer.RedCross, new Money(200m), D(2023, 8, 1), 2023, "S2");
        var toAnything = new Aid("P1", Payer.RedCross, new Money(200m), D(2023, 8, 1), 2023);
        Assert.Equal(8500m, Compute(2023, [person], [inpatient, outpatient], [toOutpatient]).Persons.Single()[Payer.HighCostSubsidy].Yuan);
        Assert.Equal(8400m, Compute(2023, [person], [inpatient, outpatient], [toAnything]).Persons.Single()[Payer.HighCostSubsidy].Yuan);
    }

    [Fact]
    public void Household_cap_is_shared_in_proportion_to_burden_and_adds_up()
    {
        var p1 = Person("P1", "330108", Id(IdentityType.Dibao, D(2022, 1, 1), D(2025, 12, 31)));
        var p2 = Person("P2", "330108", Id(IdentityType.Dibao, D(2022, 1, 1), D(2025, 12, 31)));
        var p3 = Person("P3", "330108", Id(IdentityType.Dibao, D(2022, 1, 1), D(2025, 12, 31)));
        var household = new Household { Id = "H1", Region = "330108001", Category = HouseholdCategory.Dibao, MemberPsnNos = ["P1", "P2", "P3"] };
        Settlement Stay(string id, string psn, decimal sum) => Settlement(id, psn, D(2023, 4, 1), "21", sum, 0, 0);
        var result = Compute(2023, [p1, p2, p3], [Stay("S1", "P1", 20000.01m), Stay("S2", "P2", 20000.01m), Stay("S3", "P3", 20000.01m)], households: [household]);
        var h = result.Households.Single();
        Assert.Equal(30000.03m, h[Payer.CapFund].Yuan);
        Assert.Equal(h[Payer.CapFund], Money.Sum(result.Persons.Select(p => p[Payer.CapFund])));
        Assert.Equal([10000.01m, 10000.01m, 10000.01m], result.Persons.Select(p => p[Payer.CapFund].Yuan));
        Assert.Equal(30000m, h.PersonalBurden.Yuan);
    }

    [Fact]
    public void Unknown_or_fixed_parameters_cannot_be_set()
    {
        Assert.Throws<ArgumentException>(() => Compute(2024, [Dibian], [], parameters: new() { ["no.such.thing"] = 1 }));
        Assert.Throws<ArgumentException>(() => Compute(2024, [Dibian], [], parameters: new() { ["medical_assistance.ratio.dibao"] = 1 }));
    }

    [Fact]
    public void Unset_warm_fund_is_not_computed_and_the_run_says_so()
    {
        var person = Person("P1", "330683001", Id(IdentityType.Dibao, D(2022, 1, 1), D(2024, 12, 31)));
        var result = Compute(2023, [person], [Settlement("S1", "P1", D(2023, 2, 1), "21", 160000, 140000, 80000)]);
        Assert.Equal(0m, result.Persons.Single()[Payer.WarmFundCity].Yuan);
        Assert.Contains(result.Notices, n => n.Contains("warm_fund_city", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_input_gives_the_same_result()
    {
        var s = Settlement("S1", "P1", D(2024, 3, 1), "21", 10000, 10000, 5000);
        var a = Compute(2024, [Dibian], [s]);
        var b = Compute(2024, [Dibian], [s]);
        Assert.Equal(a.Persons.Single().ByPayer, b.Persons.Single().ByPayer);
        Assert.Equal(a.ParameterVersion, b.ParameterVersion);
    }

    [Fact]
    public void A_settlement_of_someone_not_in_the_registry_is_refused() =>
        Assert.Throws<ArgumentException>(() => Compute(2024, [Dibian], [Settlement("S1", "P9", D(2024, 3, 1), "21", 10, 10, 5)]));

    [Fact]
    public void A_case_outside_policy_is_refused() =>
        Assert.Throws<PolicyNotInForceException>(() => Compute(2022, [Dibian], []));
}
