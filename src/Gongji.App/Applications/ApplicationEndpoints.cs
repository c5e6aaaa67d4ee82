using Gongji.Audit;
using Gongji.Funds;
using Gongji.Loading;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Applications;

public sealed record NewApplication(string Fund, string Subject, int Year, DateOnly? AppliedOn);

public sealed record StepRequest(string? Note);

public sealed record ObjectionRequest(string Text);

public sealed record ResolutionRequest(string Resolution);

public sealed record RecoveryRequest(decimal Amount, string Reason);

public sealed record ApproveAndPayRequest(string Batch);

/// <summary>Applications over the API: the list (masked), one application with its steps and objections, and its workflow.</summary>
public static class ApplicationEndpoints
{
    public static void MapApplications(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/applications").WithTags("救助申请 applications");
        group.MapGet("", ListAsync).RequireAuthorization(Permission.ViewApplications.ToString());
        group.MapGet("/{id:long}", DetailAsync).RequireAuthorization(Permission.ViewApplications.ToString());
        group.MapPost("", async (NewApplication request, HttpContext http, ApplicationService service, AuditLog audit, TimeProvider clock) =>
        {
            var who = http.Who();
            try
            {
                var outcome = await service.CreateAsync(request.Fund, request.Subject, request.Year, request.AppliedOn ?? DateOnly.FromDateTime(clock.GetLocalNow().Date), who, http.RequestAborted);
                await audit.RecordAsync(who, "create_application", request.Subject, outcome.Refusal is null ? "ok" : "refused", outcome.Refusal ?? $"#{outcome.Application!.Id}", http.Address());
                return outcome.Refusal is null ? Results.Ok(outcome.Application) : Http.Conflict(outcome.Refusal);
            }
            catch (ArgumentException e)
            {
                return Http.Invalid(e.Message);
            }
        }).RequireAuthorization(Permission.CreateApplications.ToString());
        group.MapPost("/{id:long}/objections", async (long id, ObjectionRequest request, HttpContext http, ApplicationService service, AuditLog audit) =>
        {
            var (row, refusal, found) = await service.ObjectAsync(id, request.Text, http.Who(), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "objection", $"#{id}", refusal is null ? "ok" : "refused", refusal ?? request.Text, http.Address());
            return refusal is null ? Results.Ok(row) : found ? Http.Conflict(refusal) : Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: refusal);
        }).RequireAuthorization(Permission.ActOnApplications.ToString());
        // Objections are resolved by the bureau (the role that approves and pays).
        api.MapPost("/objections/{id:long}/resolve", async (long id, ResolutionRequest request, HttpContext http, ApplicationService service, AuditLog audit, GongjiStore store) =>
        {
            await using (var db = store.CreateDb())
            {
                var appId = await db.Objections.Where(o => o.Id == id).Select(o => (long?)o.ApplicationId).SingleOrDefaultAsync(http.RequestAborted);
                var app = appId is null ? null : await db.Applications.AsNoTracking().SingleAsync(a => a.Id == appId, http.RequestAborted);
                if (app is null || !ApplicationService.Visible(http.Who(), app))
                {
                    return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有异议 #{id}");
                }
            }
            var (row, refusal) = await service.ResolveObjectionAsync(id, request.Resolution, http.Who(), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "resolve_objection", $"objection #{id}", refusal is null ? "ok" : "refused", refusal ?? request.Resolution, http.Address());
            return refusal is null ? Results.Ok(row) : Http.Conflict(refusal);
        }).RequireAuthorization(Permission.Pay.ToString()).WithTags("救助申请 applications");
        group.MapPost("/{id:long}/approve-and-pay", async (long id, ApproveAndPayRequest request, HttpContext http, ApplicationService service, Payments payments, AuditLog audit, TimeProvider clock) =>
        {
            var (approval, sent, fen) = await payments.ApproveAndPayAsync(service, id, http.Who(), request.Batch, DateOnly.FromDateTime(clock.GetLocalNow().Date), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "approve_and_pay", $"#{id}", approval.Refusal is null ? "ok" : "refused", approval.Refusal ?? (sent ? $"payment of {fen / 100m} sent in {request.Batch}" : "already sent"), http.Address());
            if (approval.Refusal is not null)
            {
                return approval.Application is null ? Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: approval.Refusal) : Http.Conflict(approval.Refusal);
            }
            return Results.Ok(new { approval.Application!.State, sent, amount = fen / 100m });
        }).RequireAuthorization(Permission.Pay.ToString());
        group.MapPost("/{id:long}/recoveries", async (long id, RecoveryRequest request, HttpContext http, Payments payments, AuditLog audit) =>
        {
            try
            {
                var entry = await payments.ClaimRecoveryAsync(id, request.Amount, request.Reason, http.Who(), http.RequestAborted);
                await audit.RecordAsync(http.Who(), "recovery_claim", $"#{id}", "ok", $"{request.Amount}: {request.Reason}", http.Address());
                return Results.Ok(new { entry.Id, entry.Memo });
            }
            catch (Exception e) when (e is LedgerRefusal or ArgumentException)
            {
                return Http.Conflict(e.Message);
            }
        }).RequireAuthorization(Permission.Pay.ToString());
        // Last: "{action}" would otherwise also match the named steps above.
        group.MapPost("/{id:long}/{action}", async (long id, string action, StepRequest request, HttpContext http, ApplicationService service, AuditLog audit) =>
        {
            var outcome = await service.ActAsync(id, action, http.Who(), request.Note, http.RequestAborted);
            await audit.RecordAsync(http.Who(), "application_" + action, $"#{id}", outcome.Refusal is null ? "ok" : "refused", outcome.Refusal ?? request.Note, http.Address());
            if (outcome.Refusal is not null)
            {
                return outcome.Application is null ? Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: outcome.Refusal) : Http.Conflict(outcome.Refusal);
            }
            return Results.Ok(outcome.Application);
        }).RequireAuthorization(Permission.ActOnApplications.ToString());
    }

    private static async Task<IResult> ListAsync(HttpContext http, string? fund, string? state, GongjiStore store)
    {
        var who = http.Who();
        await using var db = store.CreateDb();
        var funds = await db.Funds.AsNoTracking().ToListAsync(http.RequestAborted);
        var visibleFunds = funds.Where(f => FundEndpoints.Covers(who, f.Region) && (fund is null || f.Code == fund)).ToDictionary(f => f.Id);
        if (fund is not null && visibleFunds.Count == 0)
        {
            return await http.RefuseAsync("list_applications", fund, $"基金 {fund} 不存在或不在您的辖区内");
        }
        var ids = visibleFunds.Keys.ToList();
        var query = db.Applications.AsNoTracking().Where(a => ids.Contains(a.FundId));
        if (state is not null)
        {
            query = query.Where(a => a.State == state);
        }
        var apps = (await query.OrderBy(a => a.Id).Take(1000).ToListAsync(http.RequestAborted)).Where(a => ApplicationService.Visible(who, a)).ToList();
        var names = await NamesAsync(db, apps, http.RequestAborted);
        return Results.Ok(apps.Select(a => View(a, visibleFunds[a.FundId], names)));
    }

    private static async Task<IResult> DetailAsync(long id, HttpContext http, GongjiStore store)
    {
        var who = http.Who();
        await using var db = store.CreateDb();
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, http.RequestAborted);
        if (app is null)
        {
            return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有申请 #{id}");
        }
        var fund = await db.Funds.AsNoTracking().SingleAsync(f => f.Id == app.FundId, http.RequestAborted);
        if (!ApplicationService.Visible(who, app) || !FundEndpoints.Covers(who, fund.Region))
        {
            return await http.RefuseAsync("view_application", $"#{id}", $"申请 #{id} 不在您的辖区内");
        }
        var names = await NamesAsync(db, [app], http.RequestAborted);
        var steps = await db.ApplicationSteps.AsNoTracking().Where(s => s.ApplicationId == id).OrderBy(s => s.Id).ToListAsync(http.RequestAborted);
        var objections = await db.Objections.AsNoTracking().Where(o => o.ApplicationId == id).OrderBy(o => o.Id).ToListAsync(http.RequestAborted);
        var payments = await db.Payments.AsNoTracking().Where(p => p.ApplicationId == id).OrderBy(p => p.Id).ToListAsync(http.RequestAborted);
        var workflow = Workflow.Find(fund.Workflow);
        return Results.Ok(new
        {
            application = View(app, fund, names),
            steps = steps.Select(s => new { s.At, s.Actor, s.Action, s.FromState, s.ToState, toStateName = Workflow.StateName(s.ToState), amount = s.AmountFen / 100m, s.Note }),
            objections = objections.Select(o => new { o.Id, o.At, o.RaisedBy, o.Text, o.ResolvedAt, o.ResolvedBy, o.Resolution }),
            payments = payments.Select(p => new { p.PaymentKey, p.Batch, amount = p.AmountFen / 100m, p.State, p.SentAt, p.SettledAt, p.BankMessage }),
            allowed = workflow.Steps.Where(s => s.From.Split('|').Contains(app.State) && s.Roles.Contains(who.Role)).Select(s => new { s.Action, s.ChineseName }),
            mayPay = who.May(Permission.Pay) && app.State == Workflow.Notice,
        });
    }

    private static async Task<Dictionary<string, string?>> NamesAsync(GongjiDb db, IReadOnlyList<ApplicationRow> apps, CancellationToken ct)
    {
        var ids = apps.Select(a => a.PsnNo).Where(p => p is not null).Distinct().ToList();
        return await db.Persons.AsNoTracking().Where(p => ids.Contains(p.PsnNo)).ToDictionaryAsync(p => p.PsnNo, p => p.PsnName, ct);
    }

    private static object View(ApplicationRow a, FundRow fund, IReadOnlyDictionary<string, string?> names) => new
    {
        a.Id, fund = fund.Code, fundName = fund.Name, a.Region, a.Township,
        townshipName = a.Township is null ? null : Reference.Divisions.Zhejiang.NameOf(a.Township),
        a.Year, a.PsnNo, a.HouseholdId, name = a.PsnNo is null ? null : CertNumbers.MaskName(names.GetValueOrDefault(a.PsnNo)),
        a.AppliedOn, computed = a.ComputedFen / 100m, granted = a.GrantedFen / 100m, paid = a.PaidFen / 100m, a.Clause,
        a.State, stateName = Workflow.StateName(a.State), a.StateSince, a.PreparedBy, a.NoticeFrom, a.NoticeUntil, a.Note,
    };
}
