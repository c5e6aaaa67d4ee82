using Gongji.Demo;
using Gongji.Loading;
using Gongji.Store;

namespace Gongji.App.Tests;

/// <summary>A demo county written to a temporary folder and, where asked, loaded into a store.</summary>
internal static class DemoData
{
    public static string Write(string county, int persons, params int[] years)
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-demo-" + Guid.NewGuid().ToString("N")[..8]);
        new DemoCounty(new DemoOptions { County = county, Persons = persons, Years = years }).Write(folder);
        return folder;
    }

    public static async Task LoadAsync(GongjiStore store, string folder)
    {
        var loader = new Loader(store, TimeProvider.System);
        foreach (var path in Loader.OrderForLoading(Directory.GetFiles(folder, "*.csv")))
        {
            var result = await loader.LoadAsync(path);
            Assert.True(result.Succeeded, $"{path}: {string.Join("; ", result.Errors.Take(5))}");
        }
    }

    public static async Task<string> LoadAsync(GongjiStore store, string county, int persons, params int[] years)
    {
        var folder = Write(county, persons, years);
        await LoadAsync(store, folder);
        return folder;
    }
}
