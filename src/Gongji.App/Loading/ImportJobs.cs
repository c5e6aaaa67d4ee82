using System.Collections.Concurrent;
using Gongji.Audit;
using Gongji.Engine.Model;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Loading;

/// <summary>One uploaded file being loaded: its progress, then its counts or its row errors.</summary>
public sealed class ImportJob
{
    public required string Id { get; init; }
    public required string FileName { get; init; }
    public required string UploadedBy { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public string State { get; set; } = "loading";
    public string? Kind { get; set; }
    public long Rows { get; set; }
    public long Total { get; set; }
    public WriteCounts? Counts { get; set; }
    public IReadOnlyList<RowError> Errors { get; set; } = [];
    public IReadOnlyList<string> Warnings { get; set; } = [];
    public string? Failure { get; set; }

    /// <summary>The county-years recomputed after the load, with the warnings that became new cases.</summary>
    public List<string> Runs { get; } = [];
}

/// <summary>
/// Imports from the browser: the file is saved under the data folder, loaded by the same loader as
/// <c>gongji load</c> (whole or not at all), and its progress and row errors read back by the page.
/// </summary>
public sealed class ImportJobs(GongjiStore store, TimeProvider clock, AuditLog audit, Warnings.FollowUpOptions followUp, Runs.RegionResults results)
{
    private readonly ConcurrentDictionary<string, ImportJob> _jobs = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim OneAtATime = new(1, 1); // one writer at a time keeps SQLite happy and loads ordered

    public ImportJob? Find(string id) => _jobs.GetValueOrDefault(id);

    public async Task<ImportJob> StartAsync(IFormFile upload, string? kind, UserScope who, string folder)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        // Keep the original name: it tells the loader which data.md file this is. Never a path from the client.
        var name = Path.GetFileName(upload.FileName.Replace('\\', '/'));
        if (string.IsNullOrWhiteSpace(name) || name.StartsWith('.'))
        {
            throw new ArgumentException($"file name '{upload.FileName}' is not usable");
        }
        var dir = Path.Combine(folder, "uploads", id);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        await using (var target = File.Create(path))
        {
            await upload.CopyToAsync(target);
        }
        var job = new ImportJob { Id = id, FileName = name, UploadedBy = who.UserName, StartedAt = clock.GetUtcNow() };
        _jobs[id] = job;
        _ = Task.Run(() => RunAsync(job, path, kind, who));
        return job;
    }

    /// <summary>
    /// New data means new warnings (issue #4: monitoring whenever new settlements arrive): each county of
    /// the user's area is run again for the latest year, so the follow-up loop gets its new cases at once.
    /// </summary>
    private async Task RecomputeAsync(ImportJob job, UserScope who)
    {
        var (counties, years) = await results.CoverageAsync();
        if (years.Count == 0)
        {
            return;
        }
        foreach (var county in counties.Where(c => who.Township is null ? who.Covers(c) : c == who.Township[..6]))
        {
            try
            {
                var report = await new Runs.RunService(store, clock, followUp).RunAsync(county, years[^1], new Dictionary<string, decimal>(), null);
                job.Runs.Add($"{county} {years[^1]}: run #{report.RunId}, {report.Result.Warnings.Count} warnings, {report.NewCases} new cases");
            }
            catch (Engine.Parameters.PolicyNotInForceException e)
            {
                job.Runs.Add($"{county} {years[^1]}: {e.Message}");
            }
        }
    }

    private async Task RunAsync(ImportJob job, string path, string? kind, UserScope who)
    {
        await OneAtATime.WaitAsync();
        try
        {
            var loader = new Loader(store, clock)
            {
                Progress = new Progress<(string File, long Rows, long Total)>(p => { job.Rows = p.Rows; job.Total = p.Total; }),
                OnlyPayer = who.Role == Roles.Admin ? null : Roles.AidPayer(who.Role)?.Id(),
            };
            var result = await loader.LoadAsync(path, kind);
            job.Kind = result.Kind;
            job.Rows = result.Rows;
            job.Total = result.Rows;
            job.Errors = result.Errors;
            job.Warnings = result.Warnings;
            job.Counts = result.Counts;
            await audit.RecordAsync(who, "import", job.FileName, result.Succeeded ? "loaded" : "rejected",
                result.Succeeded ? $"{result.Kind}: {result.Counts!.Inserted} new, {result.Counts.Replaced} replaced, {result.Counts.Unchanged} unchanged" : $"{result.Errors.Count} row errors");
            if (result.Succeeded && result.Counts!.Inserted + result.Counts.Replaced > 0)
            {
                job.State = "computing";
                await RecomputeAsync(job, who);
            }
            job.State = result.Succeeded ? "loaded" : "rejected";
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or UnauthorizedAccessException or IOException)
        {
            job.State = "failed";
            job.Failure = e.Message;
            await audit.RecordAsync(who, "import", job.FileName, "failed", e.Message);
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}

public static class ImportEndpoints
{
    public static void MapImports(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/imports").RequireAuthorization(Permission.ImportData.ToString()).WithTags("数据导入 imports");
        group.MapPost("", async (IFormFile file, string? kind, HttpContext http, ImportJobs jobs, DataFolder data) =>
        {
            var who = http.Who();
            if (Roles.AidPayer(who.Role) is { } payer && who.Role != Roles.Admin && kind is not null and not "aids")
            {
                return await http.RefuseAsync("import", file.FileName, $"角色「{Roles.ChineseName(who.Role)}」只能导入 aids（{payer.Id()}）");
            }
            try
            {
                var job = await jobs.StartAsync(file, kind, who, data.Path);
                return Results.Accepted($"/api/imports/{job.Id}", Describe(job));
            }
            catch (ArgumentException e)
            {
                return Http.Invalid(e.Message);
            }
        }).DisableAntiforgery(); // cookies are SameSite=Strict: no other site can post with the session
        group.MapGet("/{id}", async (string id, HttpContext http, ImportJobs jobs) =>
        {
            var job = jobs.Find(id);
            if (job is null)
            {
                return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有导入任务 {id}");
            }
            if (job.UploadedBy != http.Who().UserName && http.Who().Role != Roles.Admin)
            {
                return await http.RefuseAsync("view_import", id, "只能查看自己的导入任务");
            }
            return Results.Ok(Describe(job));
        });
    }

    private static object Describe(ImportJob job) => new
    {
        job.Id, job.FileName, job.State, job.Kind, job.Rows, job.Total, job.Counts, job.Warnings, job.Failure, job.Runs,
        errorCount = job.Errors.Count,
        errors = job.Errors.Take(500).Select(e => new { e.Row, e.Column, e.Value, e.Reason }),
    };
}
