using System.Globalization;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Reference;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Gongji.Warnings;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Overview;

public sealed record IndicatorView(string Id, string Name, decimal Value, decimal? Target, bool? Met, bool LowerIsBetter, string Clause);

public sealed record PayerTotal(string Id, string Name, decimal Amount);

public sealed record MonthRow(string Month, int Settlements, decimal Medfee, decimal InsuranceFunds, decimal MedicalAssistance, decimal BurdenAfterSettlementTiers);

public sealed record WarningCount(string Kind, string KindName, string Group, string GroupName, int Count);

public sealed record AreaRow(string Code, string Name, int PersonsWithBills, int AssistedPersons, int Monitored, decimal Medfee, decimal Burden, decimal? BurdenRate);

/// <summary>
/// The overview (indicators against their yearly targets, trend by month, payers' totals, warnings by kind
/// and group) and the map's figures by county and by township. Township staff see their township only.
/// </summary>
public static class OverviewEndpoints
{
    public static readonly IReadOnlyDictionary<string, string> IndicatorNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["comprehensive_coverage_rate"] = "困难群众医疗费用综合保障率",
        ["personal_burden_rate"] = "困难群众医疗费用个人负担率",
        ["social_participation_rate"] = "社会力量参与化解负担率",
        ["fund_payment_ratio"] = "基本医疗服务费用基金支付比例",
        ["clearance_rate"] = "高额医疗费用动态清零化解率",
        ["response_rate"] = "有效预警信息处置响应率",
    };

    public static void MapOverview(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").RequireAuthorization(Permission.ViewAggregates.ToString()).WithTags("总览 overview");
        group.MapGet("/coverage", CoverageAsync);
        group.MapGet("/overview", OverviewAsync);
        group.MapGet("/map/counties", CountiesAsync);
        group.MapGet("/map/townships", TownshipsAsync);
    }

    private static async Task<IResult> CoverageAsync(HttpContext http, RegionResults results)
    {
        var who = http.Who();
        var (counties, years) = await results.CoverageAsync(http.RequestAborted);
        var visible = who.Township is null ? counties.Where(who.Covers) : counties.Where(c => c == who.Township[..6]);
        return Results.Ok(new
        {
            counties = visible.Select(c => new { code = c, name = Divisions.Zhejiang.NameOf(c), fullName = Divisions.Zhejiang.FullName(c) }),
            years,
        });
    }

    private static async Task<IResult> OverviewAsync(HttpContext http, string? region, int? year, GongjiStore store)
    {
        var (data, refusal) = await http.CountyYearDataAsync(region, year, "view_overview");
        if (data is null)
        {
            return refusal!;
        }
        var (county, y) = (data.County, data.Year);
        var who = http.Who();
        var persons = InScope(data, who).ToList();
        var total = Money.Sum(persons.Select(p => p.MedfeeSumamt));
        var burden = Money.Sum(persons.Select(p => p.BurdenAfterHouseholdTiers));
        var payers = Payers.All.Select(p => new PayerTotal(p.Id(), p.ChineseName(), Money.Sum(persons.Select(x => x[p])).Yuan)).Where(p => p.Amount != 0).ToList();

        var indicators = who.Township is null
            ? data.Result.Indicators.Select(i => (i.Id, i.Value, i.Target, i.Clause)).ToList()
            : TownshipIndicators(data, persons);
        await using var db = store.CreateDb();
        var cases = await db.WarningCases.AsNoTracking().Where(c => c.Region == county && c.Year == y).ToListAsync(http.RequestAborted);
        if (who.Township is { } township)
        {
            cases = cases.Where(c => c.Township == township).ToList();
        }
        var followUp = http.Service<FollowUp>();
        var views = indicators.Select(i => View(i.Id, i.Value, i.Target, i.Clause)).ToList();
        if (FollowUp.ResponseRate(cases) is { } responseRate)
        {
            var policy = data.Result.Persons.FirstOrDefault()?.PolicyKey;
            views.Add(View("response_rate", responseRate, policy?.Parameters.Optional("target.response_rate"), "嵊州方案 附件1 指标4（响应措施数/发现问题总数）"));
        }

        var warnings = data.Result.Warnings.Where(w => persons.Count == data.Result.Persons.Count || InTownship(data, who, w.PsnNo))
            .GroupBy(w => (w.Kind, w.Group)).OrderBy(g => g.Key)
            .Select(g => new WarningCount(g.Key.Kind.Id(), g.Key.Kind.ChineseName(), g.Key.Group.Id(), g.Key.Group.ChineseName(), g.Count())).ToList();

        return Results.Ok(new
        {
            region = county,
            regionName = Divisions.Zhejiang.FullName(county),
            township = who.Township,
            townshipName = who.Township is null ? null : Divisions.Zhejiang.NameOf(who.Township),
            year = y,
            computedAt = data.ComputedAt,
            parameterVersion = data.Result.ParameterVersion,
            personsWithBills = persons.Count,
            assistedPersons = persons.Count(p => p.Assisted),
            households = data.Result.Households.Count(h => who.Township is null || h.Household.Township == who.Township),
            medfee = total.Yuan,
            burden = burden.Yuan,
            indicators = views,
            payers,
            monthly = Monthly(data, persons),
            warnings,
            cases = new
            {
                total = cases.Count,
                open = cases.Count(c => c.State != FollowUp.Closed),
                overdue = cases.Count(followUp.IsOverdue),
                byState = cases.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count()),
            },
            notices = data.Result.Notices,
        });
    }

    private static IndicatorView View(string id, decimal value, decimal? target, string clause)
    {
        var lower = id == "personal_burden_rate";
        bool? met = target is { } t ? (lower ? value < t : value >= t) : null;
        return new IndicatorView(id, IndicatorNames.GetValueOrDefault(id, id), value, target, met, lower, clause);
    }

    private static List<(string Id, decimal Value, decimal? Target, string Clause)> TownshipIndicators(CountyYear data, List<PersonYearResult> persons)
    {
        var targets = data.Result.Indicators.ToDictionary(i => i.Id, i => i.Target, StringComparer.Ordinal);
        var assisted = persons.Where(p => p.Assisted).ToList();
        var policy = persons.FirstOrDefault()?.PolicyKey;
        if (policy is null)
        {
            return [];
        }
        return Engine.Rules.Indicators.Compute(assisted, policy.Parameters.Money("high_cost.line"))
            .Select(i => (i.Id, i.Value, targets.GetValueOrDefault(i.Id), i.Clause)).ToList();
    }

    internal static IEnumerable<PersonYearResult> InScope(CountyYear data, UserScope who) =>
        who.Township is null ? data.Result.Persons : data.Result.Persons.Where(p => data.TownshipOf(p.PsnNo) == who.Township);

    private static bool InTownship(CountyYear data, UserScope who, string psnNo) => who.Township is null || data.TownshipOf(psnNo) == who.Township;

    private static List<MonthRow> Monthly(CountyYear data, List<PersonYearResult> persons)
    {
        var table = data.Result.Columns.Table;
        var months = new SortedDictionary<string, (int Count, long Sum, long Funds, long Ma, long Burden)>(StringComparer.Ordinal);
        foreach (var p in persons)
        {
            for (var k = p.RowStart; k < p.RowEnd; k++)
            {
                var row = data.Result.Order[k];
                var month = new DateTime(table.Time[row], DateTimeKind.Unspecified).ToString("yyyy-MM", CultureInfo.InvariantCulture);
                var funds = table.Hifp(row) + table.Hifmi(row) + table.Hifob(row) + table.Cvlserv(row) + table.Hifes(row) + table.Oth(row);
                var ma = data.Result.Columns.MedicalAssistance(row);
                var m = months.GetValueOrDefault(month);
                months[month] = (m.Count + 1, m.Sum + table.Sum(row), m.Funds + funds, m.Ma + ma, m.Burden + table.Sum(row) - funds - ma);
            }
        }
        return months.Select(m => new MonthRow(m.Key, m.Value.Count, Money.FromFen(m.Value.Sum).Yuan, Money.FromFen(m.Value.Funds).Yuan, Money.FromFen(m.Value.Ma).Yuan, Money.FromFen(m.Value.Burden).Yuan)).ToList();
    }

    private static async Task<IResult> CountiesAsync(HttpContext http, int? year, RegionResults results)
    {
        var who = http.Who();
        var (counties, years) = await results.CoverageAsync(http.RequestAborted);
        var y = year ?? (years.Count == 0 ? http.Service<TimeProvider>().GetLocalNow().Year : years[^1]);
        var rows = new List<AreaRow>();
        foreach (var county in counties.Where(c => who.Township is null ? who.Covers(c) : c == who.Township[..6]))
        {
            var (data, _) = await http.ComputedAsync(county, y);
            if (data is null)
            {
                continue; // no policy in force there that year: the map leaves the county blank
            }
            var persons = InScope(data, who).ToList();
            rows.Add(Area(who.Township ?? county, persons, data.Result.Warnings.Select(w => w.PsnNo).Where(p => InTownship(data, who, p)).Distinct().Count()));
        }
        return Results.Ok(new { year = y, counties = rows });
    }

    private static async Task<IResult> TownshipsAsync(HttpContext http, string? region, int? year)
    {
        var (data, refusal) = await http.CountyYearDataAsync(region, year, "view_map");
        if (data is null)
        {
            return refusal!;
        }
        var (county, y) = (data.County, data.Year);
        var who = http.Who();
        var monitored = data.Result.Warnings.Select(w => w.PsnNo).ToHashSet(StringComparer.Ordinal);
        var rows = InScope(data, who)
            .GroupBy(p => data.TownshipOf(p.PsnNo) ?? "")
            .Where(g => g.Key.Length > 0)
            .Select(g => Area(g.Key, g.ToList(), g.Count(p => monitored.Contains(p.PsnNo))))
            .OrderByDescending(a => a.Monitored).ThenByDescending(a => a.Burden).ToList();
        return Results.Ok(new { region = county, regionName = Divisions.Zhejiang.FullName(county), year = y, townships = rows });
    }

    private static AreaRow Area(string code, List<PersonYearResult> persons, int monitored)
    {
        var total = Money.Sum(persons.Select(p => p.MedfeeSumamt));
        var assisted = persons.Where(p => p.Assisted).ToList();
        var assistedTotal = Money.Sum(assisted.Select(p => p.MedfeeSumamt));
        var assistedBurden = Money.Sum(assisted.Select(p => p.BurdenAfterHouseholdTiers));
        return new AreaRow(code, Divisions.Zhejiang.NameOf(code), persons.Count, assisted.Count, monitored, total.Yuan,
            Money.Sum(persons.Select(p => p.BurdenAfterHouseholdTiers)).Yuan,
            assistedTotal.IsPositive ? Engine.Rules.Indicators.Rate4(assistedBurden.Yuan, assistedTotal.Yuan) : null);
    }
}
