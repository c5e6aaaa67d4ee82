using Gongji.Applications;
using Gongji.Audit;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Funds;

public sealed record ContributionRequest(int Year, string Source, decimal Amount, DateOnly? Date, string? Memo);

public sealed record ReversalRequest(string Reason);

public sealed record YearRequest(int Year);

public sealed record BatchRequest(string Batch, DateOnly? Date);

/// <summary>Funds over the API: balances, the ledger, contributions and corrections, the report, the public notice, payment batches and bank returns.</summary>
public static class FundEndpoints
{
    public static void MapFunds(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/funds").WithTags("基金 funds");
        group.MapGet("", async (HttpContext http, FundService funds) =>
        {
            var who = http.Who();
            var list = await funds.ListAsync(r => Covers(who, r), http.RequestAborted);
            return Results.Ok(list.Select(f => new
            {
                f.Fund.Code, f.Fund.Name, f.Fund.Region, regionName = Reference.Divisions.Zhejiang.FullName(f.Fund.Region), f.Fund.Payer, f.Fund.Workflow,
                workflowName = Workflow.Find(f.Fund.Workflow).Name, f.Fund.Sharing, sharingName = FundService.SharingNames[f.Fund.Sharing], f.Fund.FiscalCap, f.Fund.NoticeDays,
                bank = f.BankFen / 100m, payable = f.PayableFen / 100m, unknown = f.InTransitFen / 100m, receivable = f.ReceivableFen / 100m,
                available = f.AvailableByYear.OrderBy(y => y.Key).ToDictionary(y => y.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), y => y.Value / 100m),
                contributions = f.ContributionsBySource.ToDictionary(c => LedgerAccounts.Sources.GetValueOrDefault(c.Key, c.Key), c => c.Value / 100m),
            }));
        }).RequireAuthorization(Permission.ViewFunds.ToString());

        group.MapGet("/{code}/balances", async (string code, DateOnly? date, HttpContext http, GongjiStore store, Ledger ledger) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "view_balances");
            if (fund is null)
            {
                return refusal!;
            }
            var balances = await ledger.BalancesAsync(fund.Id, date, http.RequestAborted);
            return Results.Ok(new { date, accounts = balances.OrderBy(b => b.Key, StringComparer.Ordinal).ToDictionary(b => b.Key, b => b.Value / 100m) });
        }).RequireAuthorization(Permission.ViewFunds.ToString());

        group.MapGet("/{code}/ledger", async (string code, HttpContext http, GongjiStore store) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "view_ledger");
            if (fund is null)
            {
                return refusal!;
            }
            await using var db = store.CreateDb();
            var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.FundId == fund.Id).OrderByDescending(e => e.Id).Take(500).ToListAsync(http.RequestAborted);
            var ids = entries.Select(e => e.Id).ToList();
            var postings = (await db.LedgerPostings.AsNoTracking().Where(p => ids.Contains(p.EntryId)).ToListAsync(http.RequestAborted)).ToLookup(p => p.EntryId);
            return Results.Ok(entries.Select(e => new
            {
                e.Id, e.At, e.ValueDate, e.FundYear, e.Kind, e.Source, sourceName = e.Source is null ? null : LedgerAccounts.Sources.GetValueOrDefault(e.Source), e.Memo, e.IdempotencyKey, e.ReversesId, e.ApplicationId, e.CreatedBy,
                postings = postings[e.Id].Select(p => new { p.Account, amount = p.AmountFen / 100m }),
            }));
        }).RequireAuthorization(Permission.ViewFunds.ToString());

        group.MapPost("/{code}/contributions", async (string code, ContributionRequest request, HttpContext http, GongjiStore store, Ledger ledger, AuditLog audit, TimeProvider clock) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "contribute");
            if (fund is null)
            {
                return refusal!;
            }
            try
            {
                var entry = await ledger.ContributeAsync(code, request.Year, request.Source, request.Amount, request.Date ?? DateOnly.FromDateTime(clock.GetLocalNow().Date), request.Memo ?? "筹资", http.Who().UserName, null, http.RequestAborted);
                await audit.RecordAsync(http.Who(), "contribute", code, "ok", $"#{entry.Id} {request.Source} {request.Amount} for {request.Year}", http.Address());
                return Results.Ok(new { entry.Id, entry.Kind, entry.Memo });
            }
            catch (ArgumentException e)
            {
                return Http.Invalid(e.Message);
            }
        }).RequireAuthorization(Permission.ManageFunds.ToString());

        group.MapPost("/{code}/entries/{id:long}/reverse", async (string code, long id, ReversalRequest request, HttpContext http, GongjiStore store, Ledger ledger, AuditLog audit) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "reverse_entry");
            if (fund is null)
            {
                return refusal!;
            }
            try
            {
                var entry = await ledger.ReverseAsync(id, request.Reason, http.Who().UserName, http.RequestAborted);
                await audit.RecordAsync(http.Who(), "reverse_entry", $"{code} #{id}", "ok", request.Reason, http.Address());
                return Results.Ok(new { entry.Id, entry.Memo });
            }
            catch (Exception e) when (e is LedgerRefusal or ArgumentException)
            {
                return Http.Conflict(e.Message);
            }
        }).RequireAuthorization(Permission.ManageFunds.ToString());

        group.MapPost("/{code}/rollover", async (string code, YearRequest request, HttpContext http, GongjiStore store, Ledger ledger, AuditLog audit) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "rollover");
            if (fund is null)
            {
                return refusal!;
            }
            var entry = await ledger.RolloverAsync(code, request.Year, http.Who().UserName, http.RequestAborted);
            await audit.RecordAsync(http.Who(), "rollover", $"{code} {request.Year}", "ok", entry?.Memo ?? "nothing to carry", http.Address());
            return Results.Ok(new { carried = entry is not null, memo = entry?.Memo });
        }).RequireAuthorization(Permission.ManageFunds.ToString());

        group.MapGet("/{code}/report", async (string code, int year, HttpContext http, GongjiStore store, FundService funds) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "view_fund_report");
            if (fund is null)
            {
                return refusal!;
            }
            var report = await funds.ReportAsync(code, year, http.RequestAborted);
            return Results.Ok(new { report.Year, report.TiesOut, report.Checks, lines = report.Lines.Select(l => new { l.Item, l.Detail, amount = l.Fen / 100m }) });
        }).RequireAuthorization(Permission.ViewFunds.ToString());

        group.MapGet("/{code}/report/{format}", async (string code, string format, int year, HttpContext http, GongjiStore store, FundService funds) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "export_fund_report");
            if (fund is null)
            {
                return refusal!;
            }
            var folder = Path.Combine(Path.GetTempPath(), "gongji-report-" + Guid.NewGuid().ToString("N")[..8]);
            var files = FundService.WriteReport(await funds.ReportAsync(code, year, http.RequestAborted), folder);
            var file = files.FirstOrDefault(f => f.EndsWith("." + format, StringComparison.Ordinal));
            if (file is null)
            {
                return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: format == "pdf" ? "本机没有 Chromium，无法生成 PDF（scripts/setup.sh 会安装）" : "格式为 xlsx 或 pdf");
            }
            var bytes = await File.ReadAllBytesAsync(file, http.RequestAborted);
            Directory.Delete(folder, recursive: true);
            return Results.File(bytes, format == "pdf" ? "application/pdf" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{code}-{year}-基金年度报告.{format}");
        }).RequireAuthorization(Permission.ViewFunds.ToString());

        group.MapGet("/{code}/notice", async (string code, HttpContext http, GongjiStore store, Payments payments) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "view_notice", township: true);
            if (fund is null)
            {
                return refusal!;
            }
            var rows = await payments.NoticeRowsAsync(code, http.Who().Township, http.RequestAborted);
            return Results.Ok(new { header = Payments.NoticeHeader, rows });
        }).RequireAuthorization(Permission.ViewApplications.ToString());

        group.MapGet("/{code}/notice.xlsx", async (string code, HttpContext http, GongjiStore store, Payments payments, AuditLog audit) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "export_notice", township: true);
            if (fund is null)
            {
                return refusal!;
            }
            var rows = await payments.NoticeRowsAsync(code, http.Who().Township, http.RequestAborted);
            var file = Path.Combine(Path.GetTempPath(), $"notice-{Guid.NewGuid():N}.xlsx");
            Runs.Xlsx.Write(file, "公示", Payments.NoticeHeader, rows);
            var bytes = await File.ReadAllBytesAsync(file, http.RequestAborted);
            File.Delete(file);
            await audit.RecordAsync(http.Who(), "export_notice", code, "ok", $"{rows.Count} rows (masked)", http.Address());
            return Results.File(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{code}-公示名单.xlsx");
        }).RequireAuthorization(Permission.ViewApplications.ToString());

        group.MapPost("/{code}/approve-all", async (string code, YearRequest request, HttpContext http, GongjiStore store, ApplicationService applications, AuditLog audit) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "approve_all");
            if (fund is null)
            {
                return refusal!;
            }
            var (approved, granted, why) = await applications.ApproveAllAsync(code, request.Year, http.Who(), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "approve_all", $"{code} {request.Year}", why is null ? "ok" : "refused", why ?? $"{approved} approved, {granted / 100m} yuan", http.Address());
            return why is null ? Results.Ok(new { approved, granted = granted / 100m }) : Http.Conflict(why);
        }).RequireAuthorization(Permission.Pay.ToString());

        group.MapPost("/{code}/batches", async (string code, BatchRequest request, HttpContext http, GongjiStore store, Payments payments, AuditLog audit, DataFolder data, TimeProvider clock) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "send_batch");
            if (fund is null)
            {
                return refusal!;
            }
            var report = await payments.SendBatchAsync(code, request.Batch, request.Date ?? DateOnly.FromDateTime(clock.GetLocalNow().Date), Path.Combine(data.Path, "payments"), http.Who(), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "send_batch", $"{code} {request.Batch}", "ok", $"{report.Sent} sent, {report.SentFen / 100m} yuan", http.Address());
            return Results.Ok(new { report.Batch, count = report.Sent, amount = report.SentFen / 100m, report.AlreadySent, file = $"/api/funds/{code}/batches/{request.Batch}/file" });
        }).RequireAuthorization(Permission.Pay.ToString());

        group.MapGet("/{code}/batches/{batch}/file", async (string code, string batch, HttpContext http, GongjiStore store, Payments payments, AuditLog audit, DataFolder data) =>
        {
            var (fund, refusal) = await FundForAsync(http, store, code, "download_bank_file");
            if (fund is null)
            {
                return refusal!;
            }
            // Full names and ID numbers for the bank: a full read of personal data, audited.
            var path = await payments.WriteBankFileAsync(fund, batch, Path.Combine(data.Path, "payments"), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "read_full_personal_data", $"bank file {code} {batch}", "ok", null, http.Address());
            return Results.File(await File.ReadAllBytesAsync(path, http.RequestAborted), "text/csv", Path.GetFileName(path));
        }).RequireAuthorization(Permission.Pay.ToString());

        api.MapPost("/payments/return", async (IFormFile file, HttpContext http, Payments payments, AuditLog audit, DataFolder data) =>
        {
            var dir = Path.Combine(data.Path, "bank-returns");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}.csv");
            await using (var target = File.Create(path))
            {
                await file.CopyToAsync(target, http.RequestAborted);
            }
            var report = await payments.ReconcileAsync(path, http.Who(), http.RequestAborted);
            await audit.RecordAsync(http.Who(), "bank_return", file.FileName, report.Errors.Count == 0 ? "ok" : "partly", $"{report.Paid} paid, {report.Failed} failed, {report.AlreadySettled} already", http.Address());
            return Results.Ok(report);
        }).RequireAuthorization(Permission.Pay.ToString()).DisableAntiforgery().WithTags("基金 funds");
    }

    /// <summary>Funds are the region's: a county's users see its funds (and its townships'), a township's staff their township's.</summary>
    internal static bool Covers(UserScope who, string fundRegion) =>
        who.Township is null ? who.Covers(fundRegion) : fundRegion == who.Township || fundRegion == who.Township[..6];

    internal static async Task<(FundRow? Fund, IResult? Refusal)> FundForAsync(HttpContext http, GongjiStore store, string code, string action, bool township = false)
    {
        await using var db = store.CreateDb();
        var fund = await db.Funds.AsNoTracking().SingleOrDefaultAsync(f => f.Code == code, http.RequestAborted);
        if (fund is null)
        {
            return (null, Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有基金 {code}"));
        }
        var who = http.Who();
        if (!Covers(who, fund.Region) || who.Township is not null && !township)
        {
            return (null, await http.RefuseAsync(action, code, $"基金 {fund.Name}（{fund.Region}）不在您的辖区内"));
        }
        return (fund, null);
    }
}
