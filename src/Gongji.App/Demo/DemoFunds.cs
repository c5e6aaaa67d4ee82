using Gongji.Applications;
using Gongji.Funds;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Demo;

/// <summary>
/// The demo's funds, made once when the store has none: Binjiang's 暖心基金 (fiscal money a third, city and
/// district 1:1), Shengzhou's 暖心无忧基金 (with the joint meeting's example parameters for the year) and
/// Jingning's subsidy budget, each with its year's money and the bureau's preliminary list; a few of
/// Jingning's applications already reviewed and on public notice.
/// </summary>
public static class DemoFunds
{
    /// <summary>
    /// 嵊州方案 附件3: the joint meeting sets each year's budget, threshold, ratio and maximum of the city fund;
    /// the demo sets example values (marked as such) before its runs, unless the store has them already.
    /// </summary>
    public static async Task SetParametersAsync(GongjiStore store, TimeProvider clock, IReadOnlyCollection<string> counties, int year, CancellationToken ct = default)
    {
        if (!counties.Contains("330683"))
        {
            return;
        }
        var parameters = new Parameters.DeploymentParameters(store, clock);
        if ((await parameters.ListAsync(ct)).Any(v => v.Key.StartsWith("warm_fund_city.", StringComparison.Ordinal)))
        {
            return;
        }
        foreach (var (key, value) in new[] { ("warm_fund_city.budget", 50_000m), ("warm_fund_city.threshold", 3_000m), ("warm_fund_city.ratio", 0.5m), ("warm_fund_city.max_per_person", 30_000m) })
        {
            await parameters.SetAsync("330683", key, value, year, year, "示范数据：联席会议年度方案（示例值）", "demo", ct);
        }
    }

    public static async Task<IReadOnlyList<string>> EnsureAsync(GongjiStore store, TimeProvider clock, IReadOnlyCollection<string> counties, int year, CancellationToken ct = default)
    {
        await using (var db = store.CreateDb())
        {
            if (await db.Funds.AnyAsync(ct))
            {
                return [];
            }
        }
        var ledger = new Ledger(store, clock);
        var funds = new FundService(store, clock, ledger);
        var applications = new ApplicationService(store, clock, ledger, new RegionResults(store, clock));
        var bureau = new UserScope("demo", "示范数据", Roles.Admin, "33", null);
        var analyst = new UserScope("analyst", "医保局分析员（示范）", Roles.Analyst, "33", null);
        // Applications for a year's bills come early the next year (Jingning's close on 30 June).
        var opened = new DateOnly(year + 1, 1, 15);
        var made = new List<string>();
        if (counties.Contains("330108"))
        {
            await funds.CreateAsync("BJ-WARM", "滨江暖心基金", "330108", "cap_fund", Workflow.BinjiangCap.Id, "pro_rata", "1/3", 7, ct);
            await ledger.ContributeAsync("BJ-WARM", year, "city_fiscal", 500_000m, new DateOnly(year, 3, 1), "市级财政拨付", bureau.UserName, ct: ct);
            await ledger.ContributeAsync("BJ-WARM", year, "district_fiscal", 500_000m, new DateOnly(year, 3, 1), "区级财政拨付", bureau.UserName, ct: ct);
            await ledger.ContributeAsync("BJ-WARM", year, "donation", 2_000_000m, new DateOnly(year, 4, 15), "滨江区慈善总会募集", bureau.UserName, ct: ct);
            made.Add($"BJ-WARM 滨江暖心基金: {await applications.CreateListAsync("BJ-WARM", year, opened, bureau, ct)} applications");
        }
        if (counties.Contains("330683"))
        {
            await funds.CreateAsync("SZ-WARM", "嵊州暖心无忧基金（市级）", "330683", "warm_fund_city", Workflow.ShengzhouWarmFund.Id, "pro_rata", null, 7, ct);
            await ledger.ContributeAsync("SZ-WARM", year, "city_fiscal", 200_000m, new DateOnly(year, 2, 1), "市财政", bureau.UserName, ct: ct);
            await ledger.ContributeAsync("SZ-WARM", year, "enterprise", 100_000m, new DateOnly(year, 5, 1), "爱心企业捐赠", bureau.UserName, ct: ct);
            made.Add($"SZ-WARM 嵊州暖心无忧基金: {await applications.CreateListAsync("SZ-WARM", year, opened, bureau, ct)} applications");
        }
        if (counties.Contains("331127"))
        {
            await funds.CreateAsync("JN-SUB", "景宁高额医疗费补助", "331127", "high_cost_subsidy", Workflow.JingningSubsidy.Id, "pro_rata", null, 7, ct);
            await ledger.ContributeAsync("JN-SUB", year, "district_fiscal", 1_500_000m, new DateOnly(year, 1, 15), "县财政预算", bureau.UserName, ct: ct);
            var count = await applications.CreateListAsync("JN-SUB", year, opened, bureau, ct);
            await using var db = store.CreateDb();
            var fundId = await db.Funds.Where(f => f.Code == "JN-SUB").Select(f => f.Id).SingleAsync(ct);
            var onNotice = 0;
            foreach (var id in await db.Applications.Where(a => a.FundId == fundId).OrderBy(a => a.Id).Select(a => a.Id).Take(4).ToListAsync(ct))
            {
                await applications.ActAsync(id, "review", analyst, "已对照医保结算数据，扣除其他部门救助", ct);
                onNotice += (await applications.ActAsync(id, "publish", bureau, "在乡镇（街道）、村（社区）公示 7 天", ct)).Refusal is null ? 1 : 0;
            }
            made.Add($"JN-SUB 景宁高额医疗费补助: {count} applications, {onNotice} on public notice");
        }
        return made;
    }
}
