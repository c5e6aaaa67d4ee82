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
}
