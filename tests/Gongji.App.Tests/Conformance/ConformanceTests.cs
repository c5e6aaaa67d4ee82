using Gongji.Conformance;

namespace Gongji.App.Tests.Conformance;

/// <summary>Every conformance case: the project's own (tests/cases) and ../shared/cases where it exists.</summary>
public class ConformanceTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var folders = new[] { Paths.ProjectCases, Paths.SharedCases }.Where(f => f is not null).Select(f => f!);
        foreach (var file in CaseRunner.FindCaseFiles(folders))
        {
            data.Add(Path.GetRelativePath(Path.Combine(Paths.Repo, ".."), file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_passes(string relativePath)
    {
        var outcome = CaseRunner.Run(Path.Combine(Paths.Repo, "..", relativePath));
        Assert.True(outcome.Passed, string.Join("\n", outcome.Differences));
    }

    [Fact]
    public void The_project_carries_cases_of_its_own() =>
        Assert.True(CaseRunner.FindCaseFiles([Paths.ProjectCases]).Count >= 8);

    [Fact]
    public void A_broken_case_file_is_a_failure_with_a_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "name: x\nyear: 2024\nsettlements: [ { id: S1, psn_no: P1 ");
        var outcome = CaseRunner.Run(path);
        Assert.False(outcome.Passed);
        Assert.Contains("broken case file", outcome.Differences.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_naming_something_unknown_is_a_failure()
    {
        var path = Path.Combine(Path.GetTempPath(), $"unknown-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            name: x
            year: 2024
            households:
              - id: H1
                region: "330105"
                members:
                  - id: P1
                    identities: [ { type: pauper, from: 2023-01-01, to: 2025-12-31 } ]
            expect: { persons: { P1: { medical_assistance: 0 } } }
            """);
        var outcome = CaseRunner.Run(path);
        Assert.False(outcome.Passed);
        Assert.Contains("unknown identity type 'pauper'", outcome.Differences.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_failure_not_a_skip()
    {
        var outcome = CaseRunner.Run("/no/such/case.yaml");
        Assert.False(outcome.Passed);
    }

    [Fact]
    public void A_wrong_expectation_is_reported_with_expected_and_actual()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wrong-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            name: wrong on purpose
            year: 2024
            households:
              - id: H1
                region: "330105"
                members:
                  - id: P1
                    identities: [ { type: dibao, from: 2023-01-01, to: 2025-12-31 } ]
            settlements:
              - { id: S1, psn_no: P1, setl_time: 2024-03-05, med_type: "21", medfee_sumamt: 50000, fulamt_ownpay_amt: 5000, overlmt_selfpay: 0, preselfpay_amt: 3000, inscp_scp_amt: 42000, hifp_pay: 28000, hifmi_pay: 2000 }
            expect:
              settlements: { S1: { medical_assistance: 9500 } }
            """);
        var outcome = CaseRunner.Run(path);
        Assert.Equal("settlements.S1.medical_assistance: expected 9500.00, actual 9600.00", Assert.Single(outcome.Differences));
    }
}
