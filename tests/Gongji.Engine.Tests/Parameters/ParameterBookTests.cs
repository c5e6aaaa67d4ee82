using Gongji.Engine.Parameters;

namespace Gongji.Engine.Tests.Parameters;

public class ParameterBookTests
{
    private static readonly ParameterBook Book = ParameterBook.Default;

    [Fact]
    public void Ships_the_five_documents() =>
        Assert.Equal(["3301", "330108", "3303", "330683", "331127"], Book.Documents.Select(d => d.Region).Order(StringComparer.Ordinal));

    [Fact]
    public void Every_value_cites_its_clause()
    {
        var missing = Book.Documents.SelectMany(d => d.Parameters.Values.SelectMany(v => v).Select(v => (d.Document, v)))
            .Where(x => string.IsNullOrWhiteSpace(x.v.Clause)).Select(x => $"{x.Document} {x.v.Key}").ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Dated_values_have_no_gaps_or_overlaps_within_their_document()
    {
        foreach (var doc in Book.Documents)
        {
            foreach (var (key, values) in doc.Parameters)
            {
                Assert.Equal(doc.InForce.From, values[0].Validity.From);
                for (var i = 1; i < values.Count; i++)
                {
                    Assert.True(values[i - 1].Validity.To.AddDays(1) == values[i].Validity.From, $"{doc.Document} {key}: gap or overlap before {values[i].Validity}");
                }
                Assert.Equal(doc.InForce.To, values[^1].Validity.To);
            }
        }
    }

    [Fact]
    public void Values_change_only_on_the_first_of_January()
    {
        // ParameterSnapshot reads a year's values on its first day in force; this keeps that exact.
        foreach (var v in Book.Documents.SelectMany(d => d.Parameters.Values.SelectMany(x => x.Skip(1))))
        {
            Assert.Equal((1, 1), (v.Validity.From.Month, v.Validity.From.Day));
        }
    }

    [Fact]
    public void Assumed_values_are_marked_and_settable()
    {
        var assumed = Book.Documents.SelectMany(d => d.Parameters.Values.SelectMany(v => v)).Where(v => v.Assumed).Select(v => v.Key).Distinct().ToList();
        Assert.Contains("medical_assistance.ratio", assumed); // Wenzhou "不低于80%"
        Assert.Contains("special_assistance.threshold", assumed); // Hangzhou "负担仍然较重"
        Assert.All(assumed, k => Assert.True(Book.IsSettable(k)));
        Assert.False(Book.IsSettable("medical_assistance.ratio.dibao"));
    }

    [Fact]
    public void A_district_reads_its_own_value_before_its_city()
    {
        var docs = Book.DocumentsFor("330108");
        Assert.Equal(["330108", "3301"], docs.Select(d => d.Region));
        var snapshot = new ParameterSnapshot(docs, new DateOnly(2024, 1, 1), new Dictionary<string, decimal>());
        Assert.Equal("滨政办函〔2024〕1号", snapshot.Find("warning.relapse_line")!.Document);
        Assert.Equal(0.70m, snapshot.Required("medical_assistance.ratio.dibian"));
    }

    [Fact]
    public void Known_impoverishment_line_applies_to_2023_only()
    {
        var docs = Book.DocumentsFor("330105");
        Assert.Equal(77043m, new ParameterSnapshot(docs, new DateOnly(2023, 1, 1), new Dictionary<string, decimal>()).Optional("warning.impoverishment_line"));
        Assert.Null(new ParameterSnapshot(docs, new DateOnly(2024, 1, 1), new Dictionary<string, decimal>()).Optional("warning.impoverishment_line"));
    }

    [Theory]
    [InlineData("330105", 2022)]
    [InlineData("330302", 2026)]
    [InlineData("330683", 2021)]
    [InlineData("331127", 2020)]
    [InlineData("330402", 2024)]
    public void A_region_and_year_outside_every_policy_is_refused_naming_both(string county, int year)
    {
        var e = Assert.Throws<PolicyNotInForceException>(() => RegionPolicy.For(Book, county, year, new Dictionary<string, decimal>()));
        Assert.Contains(county, e.Message, StringComparison.Ordinal);
        if (county != "330402")
        {
            Assert.Contains(year.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Jingning_2021_covers_december_only()
    {
        var policy = RegionPolicy.For(Book, "331127", 2021, new Dictionary<string, decimal>());
        Assert.Equal(new DateOnly(2021, 12, 1), policy.InForce.From);
        Assert.True(policy.HighCostSubsidy);
    }

    [Fact]
    public void Binjiang_brings_the_cap_on_top_of_Hangzhou()
    {
        var policy = RegionPolicy.For(Book, "330108", 2023, new Dictionary<string, decimal>());
        Assert.Equal(MedicalAssistanceSource.Hangzhou, policy.MedicalAssistance);
        Assert.True(policy.HouseholdCap);
        Assert.True(policy.SpecialAssistance);
        Assert.False(RegionPolicy.For(Book, "330105", 2023, new Dictionary<string, decimal>()).HouseholdCap);
    }
}
