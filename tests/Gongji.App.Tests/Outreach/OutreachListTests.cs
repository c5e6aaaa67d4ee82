using System.Text.RegularExpressions;
using Gongji.App.Tests.Store;
using Gongji.Demo;
using Gongji.Loading;
using Gongji.Outreach;

namespace Gongji.App.Tests.Outreach;

[Collection(StoreCollection.Name)]
public partial class OutreachListTests(PostgresServer postgres)
{
    [GeneratedRegex(@"^\d{6}\*{8}\d{3}[\dX]$")]
    private static partial Regex MaskedCertno();

    [Theory]
    [InlineData("330108")]
    [InlineData("331127")]
    public async Task The_list_opens_as_a_real_workbook_with_masked_names_and_ID_numbers(string county)
    {
        var store = await Stores.NewAsync("sqlite", postgres);
        var folder = await DemoData.LoadAsync(store, county, 3000, 2024);
        var entries = await OutreachList.BuildAsync(store, county, 2024, new Dictionary<string, decimal> { ["warning.impoverishment_line"] = 30000m });
        Assert.Contains(entries, e => e.Reason.StartsWith("因病致贫预警", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Reason.StartsWith("困难群众参保中断", StringComparison.Ordinal));
        if (county == "331127")
        {
            Assert.Contains(entries, e => e.Reason.StartsWith("景宁其他因病困难人员", StringComparison.Ordinal));
        }
        var files = OutreachList.Write(entries, Path.Combine(folder, "out"));
        var rows = TabularFile.Open(files[0]).Rows(header => Assert.Equal(OutreachList.Header, header)).ToList();
        Assert.Equal(entries.Count, rows.Count);
        var certnos = File.ReadAllLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(',')[1]).ToHashSet();
        Assert.All(rows, r =>
        {
            Assert.Matches(MaskedCertno(), r.Cells[4]);
            Assert.DoesNotContain(r.Cells[4], certnos);
            Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}\*+$", r.Cells[3]);
        });
        var text = File.ReadAllText(files[1]);
        Assert.DoesNotContain(certnos.First(), text, StringComparison.Ordinal);
    }
}
