using Gongji.Audit;
using Gongji.Runs;
using Gongji.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gongji.Web;

/// <summary>What every endpoint needs: who is asking, which county-year they mean, and refusals that are audited.</summary>
internal static class Http
{
    public static UserScope Who(this HttpContext http) =>
        UserScope.From(http.User) ?? throw new InvalidOperationException("endpoint reached without a signed-in user");

    public static T Service<T>(this HttpContext http) where T : notnull => http.RequestServices.GetRequiredService<T>();

    public static string? Address(this HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>403 with the reason, and a line in the audit log: a refusal is a decision too.</summary>
    public static async Task<IResult> RefuseAsync(this HttpContext http, string action, string target, string reason)
    {
        await http.Service<AuditLog>().RecordAsync(UserScope.From(http.User), action, target, "refused", reason, http.Address());
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权访问 (forbidden)", detail: reason);
    }

    public static IResult Invalid(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "请求有误 (bad request)", detail: detail);

    public static IResult Conflict(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "不能执行 (refused)", detail: detail);

    /// <summary>
    /// The county and year a request means: the region asked for, else the user's own county (a township
    /// user's is the county of their township); the year asked for, else the latest with settlements.
    /// Null with the refusal when the user may not see that county.
    /// </summary>
    public static async Task<(string County, int Year, IResult? Refusal)> CountyYearAsync(this HttpContext http, string? region, int? year, string action)
    {
        var who = http.Who();
        var (counties, years) = await http.Service<RegionResults>().CoverageAsync(http.RequestAborted);
        var own = who.Township?[..6] ?? (who.Region.Length == 6 ? who.Region : counties.FirstOrDefault(who.Covers));
        var county = region ?? own;
        if (county is null)
        {
            return ("", 0, Invalid($"您的辖区 {who.Region} 内还没有数据；请先导入 (no data in {who.Region} yet)"));
        }
        if (county.Length != 6 || !county.All(char.IsAsciiDigit))
        {
            return ("", 0, Invalid($"region '{county}' 应为 6 位县级区划代码"));
        }
        var allowed = who.Township is null ? who.Covers(county) : county == own;
        if (!allowed)
        {
            return ("", 0, await http.RefuseAsync(action, county, $"{Reference.Divisions.Zhejiang.NameOf(county)}（{county}）不在您的辖区 {Reference.Divisions.Zhejiang.NameOf(who.Prefix)}（{who.Prefix}）内"));
        }
        var y = year ?? (years.Count == 0 ? http.Service<TimeProvider>().GetLocalNow().Year : years[^1]);
        return (county, y, null);
    }

    /// <summary>The county-year a request means (see <see cref="CountyYearAsync"/>), computed; or the refusal.</summary>
    public static async Task<(CountyYear? Data, IResult? Refusal)> CountyYearDataAsync(this HttpContext http, string? region, int? year, string action)
    {
        var (county, y, refusal) = await http.CountyYearAsync(region, year, action);
        return refusal is not null ? (null, refusal) : await http.ComputedAsync(county, y);
    }

    /// <summary>The county-year computed, or a 422 naming the region and year when no policy is in force then.</summary>
    public static async Task<(CountyYear? Data, IResult? Refusal)> ComputedAsync(this HttpContext http, string county, int year)
    {
        try
        {
            return (await http.Service<RegionResults>().GetAsync(county, year, http.RequestAborted), null);
        }
        catch (Engine.Parameters.PolicyNotInForceException e)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "拒绝计算 (no policy in force)", detail: e.Message));
        }
    }
}
