using Gongji.Audit;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Outreach;

/// <summary>政策找人 over the API: the list (masked), and the .xlsx for field staff; township staff get their township's only.</summary>
public static class OutreachEndpoints
{
    public static void MapOutreach(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/outreach").RequireAuthorization(Permission.ViewOutreach.ToString()).WithTags("政策找人 outreach");
        group.MapGet("", async (HttpContext http, string? region, int? year, GongjiStore store) =>
        {
            var (data, refusal) = await http.CountyYearDataAsync(region, year, "view_outreach");
            if (data is null)
            {
                return refusal!;
            }
            var (county, y) = (data.County, data.Year);
            var entries = await ForUserAsync(http, store, data);
            return Results.Ok(new
            {
                region = county,
                year = y,
                entries = entries.Select(e => new { e.Township, e.TownshipName, e.PsnNo, e.Name, e.Certno, e.Reason, amount = e.Amount?.Yuan, line = e.Line?.Yuan, e.Clause }),
            });
        });
        group.MapGet("/xlsx", async (HttpContext http, string? region, int? year, GongjiStore store, AuditLog audit) =>
        {
            var (data, refusal) = await http.CountyYearDataAsync(region, year, "export_outreach");
            if (data is null)
            {
                return refusal!;
            }
            var (county, y) = (data.County, data.Year);
            var entries = await ForUserAsync(http, store, data);
            var folder = Path.Combine(Path.GetTempPath(), "gongji-outreach-" + Guid.NewGuid().ToString("N")[..8]);
            var files = OutreachList.Write(entries, folder, http.Who().Township);
            var xlsx = files.First(f => f.EndsWith(".xlsx", StringComparison.Ordinal));
            var bytes = await File.ReadAllBytesAsync(xlsx, http.RequestAborted);
            Directory.Delete(folder, recursive: true);
            await audit.RecordAsync(http.Who(), "export_outreach", $"{county} {y}", "ok", $"{entries.Count} people (masked)", http.Address());
            return Results.File(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"政策找人-{county}-{y}.xlsx");
        });
    }

    private static async Task<IReadOnlyList<OutreachEntry>> ForUserAsync(HttpContext http, GongjiStore store, Runs.CountyYear data)
    {
        var entries = await OutreachList.BuildAsync(store, data.Input, data.Result, http.RequestAborted);
        return http.Who().Township is { } township ? entries.Where(e => e.Township == township).ToList() : entries;
    }
}
