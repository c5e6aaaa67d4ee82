using Gongji.Audit;
using Gongji.Engine.Parameters;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Parameters;

public sealed record ParameterSetting(string Name, decimal Value, string Region, int FromYear, int? ToYear, string Source);

/// <summary>The dated parameters with their clauses (assumed ones marked), and the deployment's own values.</summary>
public static class ParameterEndpoints
{
    public static void MapParameters(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/parameters").WithTags("政策参数 parameters");
        group.MapGet("", async (HttpContext http, string? region, GongjiStore store, TimeProvider clock) =>
        {
            var who = http.Who();
            // Policies are public documents; the list follows the user's region so it stays readable.
            var scope = region ?? who.Region;
            var documents = ParameterBook.Default.Documents
                .Where(d => d.Region.StartsWith(scope, StringComparison.Ordinal) || scope.StartsWith(d.Region, StringComparison.Ordinal))
                .OrderBy(d => d.Region, StringComparer.Ordinal)
                .Select(d => new
                {
                    d.Region, d.RegionName, d.Authority, d.Document, inForce = d.InForce.ToString(), d.InForceClause,
                    values = d.Parameters.SelectMany(kv => kv.Value).Select(v => new
                    {
                        v.Key, v.Value, validity = v.Validity.ToString(), v.Clause, v.Assumed, v.Deployment, v.Description, v.Source,
                    }),
                });
            var deployment = (await new DeploymentParameters(store, clock).ListAsync(http.RequestAborted)).Where(v => who.Covers(v.Region) || v.Region.Length < who.Region.Length && who.Region.StartsWith(v.Region, StringComparison.Ordinal));
            return Results.Ok(new { version = ParameterBook.Default.Version, documents, deployment });
        }).RequireAuthorization(Permission.ViewAggregates.ToString());
        group.MapPost("", async (ParameterSetting setting, HttpContext http, GongjiStore store, TimeProvider clock, AuditLog audit) =>
        {
            var who = http.Who();
            if (!who.Covers(setting.Region))
            {
                return await http.RefuseAsync("set_parameter", setting.Name, $"不能设置辖区外（{setting.Region}）的参数");
            }
            try
            {
                var set = await new DeploymentParameters(store, clock).SetAsync(setting.Region, setting.Name, setting.Value, setting.FromYear, setting.ToYear, setting.Source, who.UserName, http.RequestAborted);
                await audit.RecordAsync(who, "set_parameter", set.Key, "ok", $"{set.Value} for {set.Region} {set.YearFrom}–{set.YearTo}; source: {set.Source}", http.Address());
                return Results.Ok(set);
            }
            catch (ArgumentException e)
            {
                return Http.Invalid(e.Message);
            }
        }).RequireAuthorization(Permission.ManageParameters.ToString());
    }
}
