using Gongji.Audit;
using Gongji.Engine.Parameters;
using Gongji.Security;
using Gongji.Store;
using Gongji.Warnings;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Runs;

public sealed record RunRequest(string Region, int Year);

/// <summary>Runs from the browser: the kept runs, and a new one (which raises the warnings' follow-up cases).</summary>
public static class RunEndpoints
{
    public static void MapRuns(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/runs").RequireAuthorization(Permission.RunYear.ToString()).WithTags("计算 runs");
        group.MapGet("", async (HttpContext http, GongjiStore store, TimeProvider clock) =>
            Results.Ok((await new RunService(store, clock).ListAsync()).Where(r => http.Who().Covers(r.Region)).Select(r => new
            {
                r.Id, r.Region, r.Year, r.InputsFingerprint, r.ParameterVersion, r.LastBatchId, r.FinishedAt,
            })));
        group.MapPost("", async (RunRequest request, HttpContext http, GongjiStore store, TimeProvider clock, FollowUpOptions followUp, AuditLog audit) =>
        {
            var (county, year, refusal) = await http.CountyYearAsync(request.Region, request.Year, "run");
            if (refusal is not null)
            {
                return refusal;
            }
            try
            {
                var report = await new RunService(store, clock, followUp).RunAsync(county, year, new Dictionary<string, decimal>(), null, http.RequestAborted);
                await audit.RecordAsync(http.Who(), "run", $"{county} {year}", "ok", $"run #{report.RunId}, {report.Result.Warnings.Count} warnings, {report.NewCases} new cases", http.Address());
                return Results.Ok(new
                {
                    report.RunId, report.Region, report.Year, report.Fingerprint, report.Result.ParameterVersion,
                    persons = report.Result.Persons.Count, households = report.Result.Households.Count,
                    warnings = report.Result.Warnings.Count, report.NewCases, riskPool = report.RiskPool, notices = report.Result.Notices,
                });
            }
            catch (PolicyNotInForceException e)
            {
                return Results.Problem(statusCode: 422, title: "拒绝计算 (no policy in force)", detail: e.Message);
            }
        });
    }
}
