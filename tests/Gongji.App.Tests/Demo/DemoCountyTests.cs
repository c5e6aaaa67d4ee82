using System.Security.Cryptography;
using Gongji.Demo;
using Gongji.Loading;

namespace Gongji.App.Tests.Demo;

public class DemoCountyTests
{
    private static string Folder() => Path.Combine(Path.GetTempPath(), "gongji-demo-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void The_same_seed_writes_the_same_files()
    {
        var options = new DemoOptions { Persons = 400, County = "330683", Years = [2023] };
        var a = new DemoCounty(options).Write(Folder());
        var b = new DemoCounty(options).Write(Folder());
        foreach (var name in a.RowsByFile.Keys)
        {
            Assert.Equal(Hash(Path.Combine(a.Folder, name)), Hash(Path.Combine(b.Folder, name)));
        }
        var c = new DemoCounty(options with { Seed = 7 }).Write(Folder());
        Assert.NotEqual(Hash(Path.Combine(a.Folder, "settlements.csv")), Hash(Path.Combine(c.Folder, "settlements.csv")));
    }

    [Fact]
    public void Households_sit_in_real_townships_and_villages_of_the_county()
    {
        var files = new DemoCounty(new DemoOptions { Persons = 600, County = "330108", Years = [2024] }).Write(Folder());
        var regions = File.ReadAllLines(Path.Combine(files.Folder, "households.csv")).Skip(1).Select(l => l.Split(',')[1]).ToList();
        Assert.NotEmpty(regions);
        Assert.All(regions, r =>
        {
            Assert.StartsWith("330108", r, StringComparison.Ordinal);
            Assert.NotNull(Gongji.Reference.Divisions.Zhejiang.Find(r));
        });
    }

    [Fact]
    public void The_data_has_the_shape_the_rules_need()
    {
        var files = new DemoCounty(new DemoOptions { Persons = 3000, County = "330108", Years = [2023, 2024] }).Write(Folder());
        var settlements = File.ReadAllLines(Path.Combine(files.Folder, "settlements.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var perPersonYear = settlements.Count / 3000.0 / 2;
        Assert.InRange(perPersonYear, 8, 25);
        Assert.Contains(settlements, s => s[3] == "11");
        Assert.Contains(settlements, s => s[3] == "14");
        Assert.Contains(settlements, s => s[3].StartsWith('2'));
        Assert.Contains(settlements, s => s[19] == "1"); // reversals
        Assert.Contains(settlements, s => s[21] == "0"); // non-compliant referrals
        Assert.Contains(settlements, s => s[22] != "none"); // exclusions
        Assert.Contains(settlements, s => decimal.Parse(s[7], System.Globalization.CultureInfo.InvariantCulture) > 100000m); // the heavy tail
        var identities = File.ReadAllLines(Path.Combine(files.Folder, "identities.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Contains(identities, i => i[5] == "1" || i[1] is "ZJ14" or "ZJ15"); // illness-induced
        Assert.Contains(identities, i => i[6] == "1"); // gradual exit
        Assert.Contains(identities, i => i[1] is "disabled" or "CL01" or "CL02");
        var enrolments = File.ReadAllLines(Path.Combine(files.Folder, "enrolments.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.True(enrolments.Count > enrolments.Distinct().Count(), "some people have a gap in their enrolment");
        var payers = File.ReadAllLines(Path.Combine(files.Folder, "aids.csv")).Skip(1).Select(l => l.Split(',')[1]).ToHashSet();
        Assert.Contains("huiminbao", payers);
        Assert.Contains("civil_affairs", payers);
        Assert.True(files.RowsByFile["fee_details.csv"] > 0);
    }

    [Fact]
    public void Every_certno_passes_GB_11643()
    {
        var files = new DemoCounty(new DemoOptions { Persons = 500 }).Write(Folder());
        foreach (var line in File.ReadAllLines(Path.Combine(files.Folder, "persons.csv")).Skip(1))
        {
            Assert.Null(CertNumbers.Normalise(line.Split(',')[1]).Error);
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
