using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Store;

[Collection(StoreCollection.Name)]
public class StoreTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_plain_counts_are_the_tables_rows(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        Assert.Equal(new StoreCounts(0, 0, 0, 0, 0, 0, 0, 0), await store.CountAsync());
        await DemoData.LoadAsync(store, DemoData.Write("330108", 150, 2024));
        var counts = await store.CountAsync();
        await using var db = store.CreateDb();
        Assert.Equal(
            new StoreCounts(await db.Households.CountAsync(), await db.Persons.CountAsync(), await db.Identities.CountAsync(), await db.Enrolments.CountAsync(),
                await db.Settlements.CountAsync(), await db.SettlementHistory.CountAsync(), await db.Aids.CountAsync(), await db.FeeDetails.CountAsync()),
            counts);
        Assert.Equal(150, counts.Persons);
        Assert.True(counts.Settlements > 0 && counts.FeeDetails > 0 && counts.Aids > 0);
    }

    [Fact]
    public async Task A_new_SQLite_store_has_32_KiB_pages_and_an_existing_one_keeps_its_own()
    {
        var path = Path.Combine(Path.GetTempPath(), "gongji-pages-" + Guid.NewGuid().ToString("N")[..8] + ".db");
        var older = path + ".old";
        try
        {
            await GongjiStore.Sqlite(path).MigrateAsync();
            await using (var older4k = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={older};Pooling=False"))
            {
                await older4k.OpenAsync();
                await using var make = older4k.CreateCommand();
                make.CommandText = "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t (x);";
                await make.ExecuteNonQueryAsync();
            }
            foreach (var (file, expected) in new[] { (path, 32768L), (older, 4096L) })
            {
                await using var connection = await GongjiStore.Sqlite(file).OpenAsync();
                await using var ask = connection.CreateCommand();
                ask.CommandText = "PRAGMA page_size";
                Assert.Equal(expected, (long)(await ask.ExecuteScalarAsync())!);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(f);
            }
        }
    }
}
