using Gongji.Audit;
using Gongji.Engine;
using Gongji.Loading;
using Gongji.Reference;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Warnings;

public sealed record CaseAction(string? Assignee, string? Finding, string? Note);

/// <summary>The warnings queue and its follow-up loop over the API; township staff see their township's cases only.</summary>
public static class WarningEndpoints
{
    public static void MapWarnings(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/warnings").WithTags("预警处置 warnings");
        group.MapGet("", ListAsync).RequireAuthorization(Permission.ViewWarnings.ToString());
        group.MapGet("/transitions", () => Results.Ok(new
        {
            transitions = FollowUp.Transitions,
            states = FollowUp.StateNames,
            findings = FollowUp.Findings,
        })).RequireAuthorization(Permission.ViewWarnings.ToString());
        group.MapGet("/{id:long}", DetailAsync).RequireAuthorization(Permission.ViewWarnings.ToString());
        group.MapPost("/{id:long}/{action}", ActAsync).RequireAuthorization(Permission.ActOnWarnings.ToString());
    }

    private static async Task<IResult> ListAsync(HttpContext http, string? region, int? year, string? state, string? kind, bool? overdue, FollowUp followUp, GongjiStore store)
    {
        var (county, y, refusal) = await http.CountyYearAsync(region, year, "list_warnings");
        if (refusal is not null)
        {
            return refusal;
        }
        var who = http.Who();
        // One read: the summary counts every case of the year, the list only those the filters keep.
        var all = await followUp.ListAsync(who, county, y, null, null, false, http.RequestAborted);
        var cases = all.Where(c => (state is null || c.State == state) && (kind is null || c.Kind == kind) && (overdue != true || followUp.IsOverdue(c))).ToList();
        var names = await NamesAsync(store, cases.Select(c => c.PsnNo).Distinct().ToList(), http.RequestAborted);
        return Results.Ok(new
        {
            region = county,
            year = y,
            summary = new
            {
                total = all.Count,
                byState = FollowUp.StateNames.Keys.ToDictionary(s => s, s => all.Count(c => c.State == s)),
                overdue = all.Count(followUp.IsOverdue),
                responseRate = FollowUp.ResponseRate(all),
            },
            cases = cases.Select(c => View(c, followUp, names)),
        });
    }

    private static async Task<IResult> DetailAsync(long id, HttpContext http, FollowUp followUp, GongjiStore store)
    {
        var who = http.Who();
        await using var db = store.CreateDb();
        var row = await db.WarningCases.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, http.RequestAborted);
        if (row is null)
        {
            return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有预警 #{id}");
        }
        if (!FollowUp.CanSee(who, row))
        {
            return await http.RefuseAsync("view_warning", $"#{id}", $"预警 #{id} 不在您的辖区内");
        }
        var names = await NamesAsync(store, [row.PsnNo], http.RequestAborted);
        var steps = await followUp.StepsAsync(id, http.RequestAborted);
        var mayAct = who.May(Permission.ActOnWarnings) && (who.Role == Roles.Admin || FollowUp.ActsAs(who) == row.Assignee);
        return Results.Ok(new
        {
            @case = View(row, followUp, names),
            steps = steps.Select(s => new
            {
                s.At, s.Actor, s.Action, s.FromState, s.ToState, toStateName = FollowUp.StateNames[s.ToState],
                s.Assignee, assigneeName = s.Assignee is null ? null : FollowUp.AssigneeName(s.Assignee),
                s.Finding, findingName = s.Finding is null ? null : FollowUp.Findings.GetValueOrDefault(s.Finding), s.Note,
            }),
            allowed = mayAct
                ? FollowUp.Transitions.Where(t => t.From == row.State && (t.Action != "dispatch" || who.Role == Roles.Admin)).Select(t => new { t.Action, t.ChineseName, t.NeedsAssignee, t.NeedsFinding })
                : [],
        });
    }

    private static async Task<IResult> ActAsync(long id, string action, CaseAction body, HttpContext http, FollowUp followUp, AuditLog audit)
    {
        var who = http.Who();
        var outcome = await followUp.TransitionAsync(id, action, who, body.Assignee, body.Finding, body.Note, http.RequestAborted);
        await audit.RecordAsync(who, "warning_" + action, $"#{id}", outcome.Refusal is null ? "ok" : "refused",
            outcome.Refusal ?? string.Join("; ", new[] { body.Assignee, body.Finding, body.Note }.Where(x => x is not null)), http.Address());
        if (outcome.Refusal is not null)
        {
            // A case outside the user's area is reported as not there; a wrong step as a conflict with its state.
            return outcome.Case is null
                ? Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: outcome.Refusal)
                : Http.Conflict(outcome.Refusal);
        }
        return Results.Ok(View(outcome.Case!, followUp, new Dictionary<string, string?>()));
    }

    private static async Task<Dictionary<string, string?>> NamesAsync(GongjiStore store, List<string> psnNos, CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var names = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var chunk in psnNos.Chunk(500))
        {
            foreach (var p in await db.Persons.AsNoTracking().Where(p => chunk.Contains(p.PsnNo)).Select(p => new { p.PsnNo, p.PsnName }).ToListAsync(ct))
            {
                names[p.PsnNo] = p.PsnName;
            }
        }
        return names;
    }

    private static object View(WarningCaseRow c, FollowUp followUp, IReadOnlyDictionary<string, string?> names) => new
    {
        c.Id, c.Region, c.Year, c.PsnNo,
        name = CertNumbers.MaskName(names.GetValueOrDefault(c.PsnNo)),
        c.HouseholdId, c.Township,
        townshipName = c.Township is null ? null : Divisions.Zhejiang.NameOf(c.Township),
        c.Kind, kindName = KindName(c.Kind),
        group = c.MonitoringGroup, groupName = GroupName(c.MonitoringGroup),
        @base = c.BaseFen is { } b ? Money.FromFen(b).Yuan : (decimal?)null,
        line = c.LineFen is { } l ? Money.FromFen(l).Yuan : (decimal?)null,
        c.Clause, c.State, stateName = FollowUp.StateNames[c.State],
        c.Assignee, assigneeName = FollowUp.AssigneeName(c.Assignee),
        c.Finding, findingName = c.Finding is null ? null : FollowUp.Findings.GetValueOrDefault(c.Finding),
        c.RaisedAt, c.StateSince, c.DueAt, overdue = followUp.IsOverdue(c),
    };

    private static string KindName(string kind) => kind switch
    {
        "relapse" => WarningKind.Relapse.ChineseName(),
        "impoverishment" => WarningKind.Impoverishment.ChineseName(),
        "enrollment_gap" => WarningKind.EnrollmentGap.ChineseName(),
        _ => kind,
    };

    private static string GroupName(string group) => group switch
    {
        "key" => MonitoringGroup.Key.ChineseName(),
        "attention" => MonitoringGroup.Attention.ChineseName(),
        "potential" => MonitoringGroup.Potential.ChineseName(),
        _ => group,
    };
}
