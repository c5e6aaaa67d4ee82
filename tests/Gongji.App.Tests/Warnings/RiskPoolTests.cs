using Gongji.App.Tests.Store;
using Gongji.Demo;
using Gongji.Loading;
using Gongji.Runs;
using Gongji.Warnings;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Warnings;

[Collection(StoreCollection.Name)]
public class RiskPoolTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Warned_people_enter_the_pool_once_and_leave_it_with_the_date_and_reason(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        await DemoData.LoadAsync(store, "330108", 1500, 2024);
        var service = new RunService(store, TimeProvider.System);
        var line = new Dictionary<string, decimal> { ["warning.impoverishment_line"] = 30000m };

        var first = await service.RunAsync("330108", 2024, line, null);
        var warned = first.Result.Warnings.Count(w => w.Kind is Engine.WarningKind.Relapse or Engine.WarningKind.Impoverishment);
        Assert.True(warned > 0);
        Assert.Equal(new RiskPoolChange(warned, 0, 0, warned), first.RiskPool);

        var second = await service.RunAsync("330108", 2024, line, null);
        Assert.Equal(new RiskPoolChange(0, warned, 0, warned), second.RiskPool);

        var higher = await service.RunAsync("330108", 2024, new Dictionary<string, decimal> { ["warning.impoverishment_line"] = 99_999_999m }, null);
        var impoverished = first.Result.Warnings.Count(w => w.Kind == Engine.WarningKind.Impoverishment);
        Assert.True(impoverished > 0);
        Assert.Equal(impoverished, higher.RiskPool!.Exited);

        await using var db = store.CreateDb();
        var left = await db.RiskPool.Where(r => r.ExitedAt != null).ToListAsync();
        Assert.Equal(impoverished, left.Count);
        Assert.All(left, r => Assert.Equal((RiskPool.ExitReason, higher.RunId), (r.ExitReason!, r.ExitedRun)));
        Assert.Equal(warned, await db.RiskPool.CountAsync());
    }
}
