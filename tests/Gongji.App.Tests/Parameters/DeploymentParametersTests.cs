using Gongji.App.Tests.Store;
using Gongji.Demo;
using Gongji.Engine;
using Gongji.Loading;
using Gongji.Parameters;
using Gongji.Runs;

namespace Gongji.App.Tests.Parameters;

[Collection(StoreCollection.Name)]
public class DeploymentParametersTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_most_specific_region_and_the_newest_value_apply_within_their_years(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var clock = new StepClock();
        var parameters = new DeploymentParameters(store, clock);
        await parameters.SetAsync("3301", "warning.impoverishment_line", 80000m, 2024, 2024, "市统计公报", "admin");
        await parameters.SetAsync("330108", "warning.impoverishment_line", 88000.5m, 2024, null, "区统计公报", "admin");
        await parameters.SetAsync("330108", "warning.impoverishment_line", 88100m, 2024, null, "区统计公报（更正）", "admin");
        await parameters.SetAsync("330108", "special_assistance.threshold", 20000m, 2023, 2023, "区联席会议纪要", "admin");

        Assert.Equal(88100m, (await parameters.ForRunAsync("330108", 2024))["warning.impoverishment_line"]);
        Assert.Equal(80000m, (await parameters.ForRunAsync("330105", 2024))["warning.impoverishment_line"]);
        Assert.Empty(await parameters.ForRunAsync("330105", 2025));
        Assert.Equal(20000m, (await parameters.ForRunAsync("330108", 2023))["special_assistance.threshold"]);
        Assert.Equal(4, (await parameters.ListAsync()).Count);
    }

    [Fact]
    public async Task Only_deployment_parameters_and_assumed_values_can_be_set_and_each_needs_a_source()
    {
        var parameters = new DeploymentParameters(await Stores.NewAsync("sqlite", postgres), TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentException>(() => parameters.SetAsync("3301", "medical_assistance.ratio.dibao", 0.9m, 2024, null, "x", "admin"));
        await Assert.ThrowsAsync<ArgumentException>(() => parameters.SetAsync("3301", "warning.impoverishment_line", 1m, 2024, null, " ", "admin"));
        await Assert.ThrowsAsync<ArgumentException>(() => parameters.SetAsync("3301", "warning.impoverishment_line", 1m, 2024, 2023, "x", "admin"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_run_uses_the_deployment_values_and_keeps_them_for_its_reproduction(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        await DemoData.LoadAsync(store, "330108", 600, 2024);
        var service = new RunService(store, TimeProvider.System);
        var before = await service.RunAsync("330108", 2024, new Dictionary<string, decimal>(), null);
        Assert.DoesNotContain(before.Result.Warnings, w => w.Kind == WarningKind.Impoverishment);
        Assert.Contains(before.Result.Notices, n => n.Contains("impoverishment", StringComparison.Ordinal));

        await new DeploymentParameters(store, TimeProvider.System).SetAsync("3301", "warning.impoverishment_line", 20000m, 2024, 2024, "test line", "admin");
        var after = await service.RunAsync("330108", 2024, new Dictionary<string, decimal>(), null);
        Assert.Contains(after.Result.Warnings, w => w.Kind == WarningKind.Impoverishment && w.Line == new Money(20000m));

        await new DeploymentParameters(store, TimeProvider.System).SetAsync("3301", "warning.impoverishment_line", 99999999m, 2024, 2024, "a later value", "admin");
        var (again, _) = await service.ReproduceAsync(after.RunId!.Value, null);
        Assert.Equal(after.Result.Warnings.Count, again.Result.Warnings.Count); // the run's own values, not today's
    }

    /// <summary>A clock that moves a second at every reading, so "newest" is well defined.</summary>
    private sealed class StepClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now = _now.AddSeconds(1);
    }
}
