using System.Text;
using Gongji.Cli;

namespace Gongji.App.Tests.Cli;

/// <summary>The gongji command as a user runs it: exit codes and what it prints.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

[Collection(ConsoleCollection.Name)]
public class CommandTests
{
    private static async Task<(int Code, string Output)> Gongji(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await Commands.RunAsync(args);
            return (code, output.ToString() + error);
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    private static string Folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    [Fact]
    public async Task Load_refuses_a_GB18030_file_with_bad_rows_then_loads_it_mended_and_again_changes_nothing()
    {
        var folder = Folder();
        var db = Path.Combine(folder, "gongji.db");
        var gb18030 = CodePagesEncodingProvider.Instance.GetEncoding("GB18030")!;
        File.WriteAllText(Path.Combine(folder, "persons.csv"), "psn_no,psn_name,insuplc_admdvs\nP1,张三,330108\n", gb18030);
        var header = "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,dise_name\n";
        var settlements = Path.Combine(folder, "settlements.csv");
        File.WriteAllText(settlements, header + "S1,P1,2024-03-01,21,-1,0,0,0,0,肺炎\nS2,P1,2024-03-02,11,abc,0,0,0,0,感冒\nS3,P1,2024-03-03,11,10,0,0,0,5,感冒\nS4,P9,2024-03-04,11,10,0,0,0,5,感冒\n", gb18030);

        var (code, output) = await Gongji("load", Path.Combine(folder, "persons.csv"), settlements, "--db", db);
        Assert.Equal(1, code);
        Assert.Contains("3 bad row value(s) — nothing was loaded from this file", output, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(settlements + ".errors.csv").Length); // header and the three rows
        Assert.Contains("0 settlements", output, StringComparison.Ordinal);

        File.WriteAllText(settlements, header + "S1,P1,2024-03-01,21,1,0,0,0,0,肺炎\nS2,P1,2024-03-02,11,2,0,0,0,0,感冒\nS3,P1,2024-03-03,11,10,0,0,0,5,感冒\n", gb18030);
        (code, output) = await Gongji("load", settlements, "--db", db);
        Assert.Equal(0, code);
        Assert.Contains("GB18030", output, StringComparison.Ordinal);
        Assert.Contains("3 new, 0 replaced, 0 unchanged", output, StringComparison.Ordinal);
        (code, output) = await Gongji("load", settlements, "--db", db);
        Assert.Equal(0, code);
        Assert.Contains("0 new, 0 replaced, 3 unchanged", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_run_and_explain_work_on_the_embedded_store()
    {
        var folder = Folder();
        var db = Path.Combine(folder, "gongji.db");
        var (code, output) = await Gongji("demo", "--persons", "1500", "--years", "2023", "--out", Path.Combine(folder, "demo"));
        Assert.Equal(0, code);
        (code, output) = await Gongji("load", Path.Combine(folder, "demo"), "--db", db);
        Assert.Equal(0, code);
        Assert.Contains("监测 monitoring 330108 2023: run #1", output, StringComparison.Ordinal); // a load runs the county at once
        (code, output) = await Gongji("run", "--region", "330108", "--year", "2023", "--db", db, "--out", Path.Combine(folder, "out"));
        Assert.Equal(0, code);
        Assert.Contains("run #2 330108 2023", output, StringComparison.Ordinal);
        Assert.Contains("暖心基金封顶兜底 cap_fund", output, StringComparison.Ordinal);
        var household = File.ReadLines(Path.Combine(folder, "out", "household_totals.csv")).Skip(1).Select(l => l.Split(',')).First(c => c[^2] != "0.00");
        (code, output) = await Gongji("explain", "--household", household[0], "--year", "2023", "--db", db);
        Assert.Equal(0, code);
        Assert.Contains("滨政办函〔2024〕1号 二（三）", output, StringComparison.Ordinal);
        (code, output) = await Gongji("run", "--reproduce", "2", "--db", db);
        Assert.Equal(0, code);
        Assert.Contains("reproduced exactly", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_year_outside_every_policy_is_refused_naming_region_and_year()
    {
        var (code, output) = await Gongji("run", "--region", "330105", "--year", "2022", "--db", Path.Combine(Folder(), "gongji.db"));
        Assert.Equal(3, code);
        Assert.Contains("330105", output, StringComparison.Ordinal);
        Assert.Contains("2022", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("330100", "--region 3301")]
    [InlineData("330300", "--region 3303")]
    public async Task A_city_code_run_from_files_finds_nobody_and_says_to_give_the_prefix(string city, string hint)
    {
        var folder = Folder();
        var (code, _) = await Gongji("demo", "--persons", "200", "--years", "2024", "--out", Path.Combine(folder, "demo"));
        Assert.Equal(0, code);
        (code, var output) = await Gongji("run", "--from", Path.Combine(folder, "demo"), "--to", Path.Combine(folder, "out"), "--region", city, "--year", "2024", "--formats", "csv");
        Assert.Equal(0, code);
        Assert.Contains("0 people with bills", output, StringComparison.Ordinal);
        Assert.Contains(hint, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_whose_results_folder_is_a_file_says_so()
    {
        var folder = Folder();
        var (code, _) = await Gongji("demo", "--persons", "100", "--years", "2024", "--out", Path.Combine(folder, "demo"));
        Assert.Equal(0, code);
        var file = Path.Combine(folder, "results");
        File.WriteAllText(file, "");
        (code, var output) = await Gongji("run", "--from", Path.Combine(folder, "demo"), "--to", file, "--region", "330108", "--year", "2024");
        Assert.Equal(2, code);
        Assert.Contains($"--to {file} is a file", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--persons 0 is less than 1", "bench", "--persons", "0", "--no-load")]
    [InlineData("--persons -5 is less than 1", "demo", "--persons", "-5", "--out", "unused")]
    [InlineData("--region 'abc' is not a division code", "run", "--region", "abc", "--year", "2024")]
    [InlineData("--region '3301080011223' is not a division code", "run", "--region", "3301080011223", "--year", "2024")]
    public async Task A_bad_count_or_region_is_refused_with_the_usage(string message, params string[] args)
    {
        var (code, output) = await Gongji(args);
        Assert.Equal(2, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_times_each_run_from_files_as_a_gongji_run_and_reports_the_median()
    {
        var json = Path.Combine(Folder(), "bench.json");
        var (code, output) = await Gongji("bench", "--persons", "200", "--no-load", "--rounds", "2", "--json", json);
        Assert.True(code == 0, output);
        // Under the test runner's dotnet, each run is `dotnet gongji.dll run --from …`: its own report line is quoted.
        Assert.Matches(@"file to file \(run --from --to\) +[\d,]+ settlements/s +[\d,]+ settlements in [\d.]+ s, the median of 2 runs \([\d.]+, [\d.]+ s\); peak memory [\d.]+ GiB; the median run: its own report: computed 330108 2024 from ", output);
        Assert.Contains("\"file to file (run --from --to)\"", File.ReadAllText(json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cases_closes_with_the_plain_count_line_and_fails_on_a_failure()
    {
        var (code, output) = await Gongji("cases", Paths.ProjectCases);
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\d+ passed, 0 failed\r?$", output);
        var broken = Path.Combine(Folder(), "broken.yaml");
        File.WriteAllText(broken, "year: [");
        (code, output) = await Gongji("cases", broken);
        Assert.Equal(1, code);
        Assert.Contains("0 passed, 1 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Params_lists_values_with_clauses_and_marks_assumed_ones()
    {
        var (code, output) = await Gongji("params", "--assumed");
        Assert.Equal(0, code);
        Assert.Contains("medical_assistance.ratio", output, StringComparison.Ordinal);
        Assert.Contains("[assumed]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("medical_assistance.ratio.dibao", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_says_so_with_the_usage()
    {
        var (code, output) = await Gongji("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate'", output, StringComparison.Ordinal);
    }
}
