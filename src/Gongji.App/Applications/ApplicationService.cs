using System.Globalization;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Engine.Rules;
using Gongji.Funds;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Applications;

public sealed record ApplicationOutcome(ApplicationRow? Application, string? Refusal);

/// <summary>
/// Applications to a fund, from the engine's amount to the payment (issue #5). Every step follows the
/// fund's workflow table and records who and when; the amount is always the engine's (recomputed when the
/// application is prepared, so other departments' aid reported by then is deducted); approval is by someone
/// other than the preparer, after the public notice with every objection resolved, and within the money
/// the fund has for the year — never beyond it, and the refusal says why.
/// </summary>
public sealed class ApplicationService(GongjiStore store, TimeProvider clock, Ledger ledger, RegionResults results)
{
    /// <summary>The engine's amount of a fund's payer for a person (or, for the household cap, a household).</summary>
    public async Task<(long Fen, string Clause, string Region, string? Township)> EngineAmountAsync(FundRow fund, string subject, int year, CancellationToken ct = default)
    {
        if (!Payers.TryParse(fund.Payer, out var payer))
        {
            throw new ArgumentException($"fund {fund.Code} has an unknown payer '{fund.Payer}'");
        }
        var county = fund.Region[..Math.Min(6, fund.Region.Length)];
        var data = await results.GetAsync(county, year, ct);
        if (payer == Payer.CapFund)
        {
            var household = data.Result.Households.FirstOrDefault(h => h.Household.Id == subject)
                ?? throw new ArgumentException($"household {subject} has no bills in {county} {year}");
            var clause = household.Lines.FirstOrDefault(l => l.Payer == payer)?.Clause ?? "滨政办函〔2024〕1号 二（三）";
            return (household[payer].Fen, clause, household.Household.Region, household.Household.Township);
        }
        var person = data.ResultsById.GetValueOrDefault(subject) ?? throw new ArgumentException($"{subject} has no bills in {county} {year}");
        var line = person.Lines.FirstOrDefault(l => l.Payer == payer);
        return (person[payer].Fen, line?.Clause ?? "", person.Person.Region, data.TownshipOf(subject));
    }

    /// <summary>
    /// Opens an application for a person or household with the engine's amount: a township's intake, or the
    /// bureau's preliminary list. Jingning's applications close on 30 June of the next year (二（三）).
    /// </summary>
    public async Task<ApplicationOutcome> CreateAsync(string fundCode, string subject, int year, DateOnly appliedOn, UserScope who, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        var workflow = Workflow.Find(fund.Workflow);
        if (fund.Workflow == Workflow.JingningSubsidy.Id && appliedOn > new DateOnly(year + 1, 6, 30))
        {
            return new(null, string.Create(CultureInfo.InvariantCulture, $"{year} 年度的补助申请截止于 {year + 1}-06-30（景政办发〔2021〕29号 二（三）），{appliedOn:yyyy-MM-dd} 已逾期"));
        }
        var (fen, clause, region, township) = await EngineAmountAsync(fund, subject, year, ct);
        if (!who.Covers(region))
        {
            return new(null, $"{subject} 不在您的辖区内");
        }
        if (fen <= 0)
        {
            return new(null, $"{subject} {year} 年度按政策计算的{Payers.All.First(p => p.Id() == fund.Payer).ChineseName()}为 0，无需申请（{clause}）");
        }
        await using var db = store.CreateDb();
        var key = $"{fund.Code}:{year}:{subject}";
        if (await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Subject == key, ct) is { } existing)
        {
            return new(existing, null); // an application is made once; asking again shows it
        }
        var now = clock.GetUtcNow();
        var row = new ApplicationRow
        {
            FundId = fund.Id, Region = region, Township = township, Year = year,
            PsnNo = fund.Payer == Payer.CapFund.Id() ? null : subject, HouseholdId = fund.Payer == Payer.CapFund.Id() ? subject : null,
            Subject = key, AppliedOn = appliedOn, ComputedFen = fen, Clause = clause, State = workflow.Start, StateSince = now,
        };
        db.Applications.Add(row);
        await db.SaveChangesAsync(ct);
        db.ApplicationSteps.Add(new ApplicationStepRow { ApplicationId = row.Id, At = now, Actor = who.UserName, Action = "create", ToState = workflow.Start, AmountFen = fen, Note = clause });
        await db.SaveChangesAsync(ct);
        return new(row, null);
    }

    /// <summary>The bureau's preliminary list: an application for everyone with an amount from the fund's payer.</summary>
    public async Task<int> CreateListAsync(string fundCode, int year, DateOnly appliedOn, UserScope who, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        var data = await results.GetAsync(fund.Region[..Math.Min(6, fund.Region.Length)], year, ct);
        var subjects = fund.Payer == Payer.CapFund.Id()
            ? data.Result.Households.Where(h => h[Payer.CapFund].IsPositive && h.Household.Region.StartsWith(fund.Region, StringComparison.Ordinal)).Select(h => h.Household.Id)
            : data.Result.Persons.Where(p => Payers.TryParse(fund.Payer, out var payer) && p[payer].IsPositive && p.Person.Region.StartsWith(fund.Region, StringComparison.Ordinal)).Select(p => p.PsnNo);
        var made = 0;
        foreach (var subject in subjects.Order(StringComparer.Ordinal))
        {
            made += (await CreateAsync(fundCode, subject, year, appliedOn, who, ct)).Refusal is null ? 1 : 0;
        }
        return made;
    }

    /// <summary>Takes a step of the workflow; anything the table does not allow is refused with the reason.</summary>
    public async Task<ApplicationOutcome> ActAsync(long id, string action, UserScope who, string? note, CancellationToken ct = default)
    {
        var (app, fund) = await LoadAsync(id, ct);
        if (app is null || fund is null || !Visible(who, app))
        {
            return new(null, $"申请 #{id} 不存在或不在您的辖区内");
        }
        var workflow = Workflow.Find(fund.Workflow);
        var step = workflow.StepFor(action, app.State);
        if (step is null)
        {
            var allowed = workflow.Steps.Where(s => s.From.Split('|').Contains(app.State)).Select(s => $"{s.Action}（{s.ChineseName}）").ToList();
            return new(app, $"申请 #{id} 当前为「{Workflow.StateName(app.State)}」，不能执行 {action}；" + (allowed.Count == 0 ? "没有可执行的步骤" : "可执行：" + string.Join("、", allowed)));
        }
        if (!step.Roles.Contains(who.Role))
        {
            return new(app, $"「{step.ChineseName}」须由 {string.Join("、", step.Roles.Select(Roles.ChineseName))} 办理，您的角色是「{Roles.ChineseName(who.Role)}」");
        }
        if (step.Effect == StepEffect.Approve)
        {
            return await ApproveAsync(id, who, note, ct);
        }
        return await ledger.InFundTransactionAsync(fund.Id, async db =>
        {
            var row = await db.Applications.SingleAsync(a => a.Id == id, ct);
            if (row.State != app.State)
            {
                return new ApplicationOutcome(row, $"申请 #{id} 刚被他人处理，请刷新");
            }
            var now = clock.GetUtcNow();
            long? amount = null;
            switch (step.Effect)
            {
                case StepEffect.Prepare:
                    // The amount as the engine gives it now: other departments' aid reported since is deducted.
                    var subject = row.PsnNo ?? row.HouseholdId!;
                    (amount, _, _, _) = await EngineAmountAsync(fund, subject, row.Year, ct);
                    row.GrantedFen = amount;
                    row.PreparedBy = who.UserName;
                    break;
                case StepEffect.Publish:
                    row.NoticeFrom = now;
                    row.NoticeUntil = now.AddDays(fund.NoticeDays);
                    break;
                default:
                    break;
            }
            Move(db, row, step.To, action, who, amount, note, now);
            await db.SaveChangesAsync(ct);
            return new ApplicationOutcome(row, null);
        }, ct);
    }

    /// <summary>
    /// Approves into the fund's payable. Refused when the preparer approves, while the notice runs or an
    /// objection is open, or when the fund has nothing left; a first-come fund approves in application order
    /// and pays what is left to the one that crosses the line, the rest carried to next year's money.
    /// </summary>
    public async Task<ApplicationOutcome> ApproveAsync(long id, UserScope who, string? note, CancellationToken ct = default)
    {
        var (app, fund) = await LoadAsync(id, ct);
        if (app is null || fund is null || !Visible(who, app))
        {
            return new(null, $"申请 #{id} 不存在或不在您的辖区内");
        }
        return await ledger.InFundTransactionAsync(fund.Id, async db =>
        {
            var row = await db.Applications.SingleAsync(a => a.Id == id, ct);
            if (row.State is Workflow.Approved or Workflow.Paid or "partly_paid")
            {
                return new ApplicationOutcome(row, null); // approved already: a repeated request changes nothing
            }
            if (Refusal(await PreconditionsAsync(db, fund, row, who, ct)) is { } refused)
            {
                return new ApplicationOutcome(row, refused);
            }
            var due = row.GrantedFen ?? row.ComputedFen;
            var available = -await Ledger.BalanceAsync(db, fund.Id, LedgerAccounts.Budget(row.Year), ct);
            long grant;
            if (fund.Sharing == "first_come")
            {
                var earlier = await db.Applications.Where(a => a.FundId == fund.Id && a.Year == row.Year && a.Id != row.Id
                        && (a.AppliedOn < row.AppliedOn || a.AppliedOn == row.AppliedOn && a.Id < row.Id)
                        && a.State != Workflow.Approved && a.State != Workflow.Paid && a.State != "partly_paid" && a.State != Workflow.Rejected)
                    .OrderBy(a => a.AppliedOn).ThenBy(a => a.Id).Select(a => a.Id).FirstOrDefaultAsync(ct);
                if (earlier != 0)
                {
                    return new ApplicationOutcome(row, $"本基金先到先得：请先办理较早的申请 #{earlier}");
                }
                grant = FundSharing.FirstCome([due], Math.Max(0, available))[0];
            }
            else if (available < due)
            {
                return new ApplicationOutcome(row, $"基金 {fund.Name} {row.Year} 年度可用余额 {Yuan(Math.Max(0, available))} 元，不足支付 {Yuan(due)} 元（用完即止）；本基金按比例分配，请对公示期满的申请使用「批量审批」");
            }
            else
            {
                grant = due;
            }
            if (grant <= 0)
            {
                return new ApplicationOutcome(row, $"基金 {fund.Name} {row.Year} 年度余额为 0，不能支付（用完即止）；申请保留至下年度资金到位");
            }
            await PostApprovalAsync(db, fund, row, grant, due, who, note, ct);
            return new ApplicationOutcome(row, null);
        }, ct);
    }

    /// <summary>
    /// 批量审批 for a pro-rata fund: every application of the year whose notice is over is approved at once,
    /// each scaled by budget/total and rounded down to the fen when the money does not cover them all — in
    /// one transaction, so a rerun after a failure approves exactly the same amounts.
    /// </summary>
    public async Task<(int Approved, long GrantedFen, string? Refusal)> ApproveAllAsync(string fundCode, int year, UserScope who, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        return await ledger.InFundTransactionAsync(fund.Id, async db =>
        {
            var candidates = await db.Applications.Where(a => a.FundId == fund.Id && a.Year == year && a.State == Workflow.Notice).OrderBy(a => a.AppliedOn).ThenBy(a => a.Id).ToListAsync(ct);
            var ready = new List<ApplicationRow>();
            foreach (var a in candidates)
            {
                if (await PreconditionsAsync(db, fund, a, who, ct) is { Count: 0 })
                {
                    ready.Add(a);
                }
            }
            if (ready.Count == 0)
            {
                return (0, 0L, (string?)"没有公示期满、无未决异议且可由您审批的申请");
            }
            var available = Math.Max(0, -await Ledger.BalanceAsync(db, fund.Id, LedgerAccounts.Budget(year), ct));
            var due = ready.Select(a => a.GrantedFen ?? a.ComputedFen).ToList();
            var grants = fund.Sharing == "first_come" ? FundSharing.FirstCome(due, available) : FundSharing.ProRata(due, available);
            var total = 0L;
            var approved = 0;
            for (var i = 0; i < ready.Count; i++)
            {
                if (grants[i] <= 0)
                {
                    continue;
                }
                await PostApprovalAsync(db, fund, ready[i], grants[i], due[i], who, grants[i] < due[i] ? $"资金不足，按 {Yuan(available)}/{Yuan(due.Sum())} 分配" : null, ct);
                total += grants[i];
                approved++;
            }
            return (approved, total, approved == 0 ? $"基金 {fund.Name} {year} 年度余额为 0，不能支付（用完即止）" : null);
        }, ct);
    }

    private async Task PostApprovalAsync(GongjiDb db, FundRow fund, ApplicationRow row, long grant, long due, UserScope who, string? note, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await ledger.PostAsync(db, fund, "approval", row.Year, DateOnly.FromDateTime(clock.GetLocalNow().Date), $"审批 #{row.Id} {row.Subject}",
            $"approve:{row.Id}", [new(LedgerAccounts.Budget(row.Year), grant), new(LedgerAccounts.Payable, -grant)], who.UserName, applicationId: row.Id, ct: ct);
        row.GrantedFen = grant;
        Move(db, row, Workflow.Approved, "approve", who, grant, note, now);
        if (grant < due && fund.Sharing == "first_come")
        {
            // The unpaid rest waits for next year's money, first in line by its application date.
            var carried = new ApplicationRow
            {
                FundId = fund.Id, Region = row.Region, Township = row.Township, Year = row.Year + 1, PsnNo = row.PsnNo, HouseholdId = row.HouseholdId,
                Subject = row.Subject + ":carried", AppliedOn = row.AppliedOn, ComputedFen = due - grant, GrantedFen = due - grant, Clause = row.Clause,
                State = Workflow.Notice, StateSince = now, PreparedBy = row.PreparedBy, NoticeFrom = row.NoticeFrom, NoticeUntil = row.NoticeUntil,
                Note = $"#{row.Id} 未足额部分结转 {row.Year + 1} 年度",
            };
            db.Applications.Add(carried);
            await db.SaveChangesAsync(ct);
            db.ApplicationSteps.Add(new ApplicationStepRow { ApplicationId = carried.Id, At = now, Actor = who.UserName, Action = "carry", ToState = Workflow.Notice, AmountFen = due - grant, Note = carried.Note });
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task<List<string>> PreconditionsAsync(GongjiDb db, FundRow fund, ApplicationRow row, UserScope who, CancellationToken ct)
    {
        var reasons = new List<string>();
        if (row.State != Workflow.Notice)
        {
            reasons.Add($"申请 #{row.Id} 当前为「{Workflow.StateName(row.State)}」，须公示后审批");
        }
        if (!Workflow.Find(fund.Workflow).Steps.Any(s => s.Effect == StepEffect.Approve && s.Roles.Contains(who.Role)))
        {
            reasons.Add($"角色「{Roles.ChineseName(who.Role)}」不能审批");
        }
        if (row.PreparedBy == who.UserName)
        {
            reasons.Add($"审批须由审核人（{row.PreparedBy}）以外的人办理");
        }
        if (row.NoticeUntil is { } until && until > clock.GetUtcNow())
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"公示期至 {until.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm}，期满后方可审批"));
        }
        var open = await db.Objections.CountAsync(o => o.ApplicationId == row.Id && o.ResolvedAt == null, ct);
        if (open > 0)
        {
            reasons.Add($"有 {open} 条公示异议尚未处理");
        }
        return reasons;
    }

    private static string? Refusal(List<string> reasons) => reasons.Count == 0 ? null : string.Join("；", reasons);

    /// <summary>An objection during the public notice (公示), which must be resolved before approval.</summary>
    public async Task<(ObjectionRow? Objection, string? Refusal, bool Found)> ObjectAsync(long id, string text, UserScope who, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var app = await db.Applications.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (app is null || !Visible(who, app))
        {
            return (null, $"申请 #{id} 不存在或不在您的辖区内", false);
        }
        if (app.State != Workflow.Notice)
        {
            return (null, $"申请 #{id} 不在公示中，不能登记异议", true);
        }
        var row = new ObjectionRow { ApplicationId = id, At = clock.GetUtcNow(), RaisedBy = who.UserName, Text = text };
        db.Objections.Add(row);
        await db.SaveChangesAsync(ct);
        return (row, null, true);
    }

    public async Task<(ObjectionRow? Objection, string? Refusal)> ResolveObjectionAsync(long objectionId, string resolution, UserScope who, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var row = await db.Objections.SingleOrDefaultAsync(o => o.Id == objectionId, ct);
        if (row is null)
        {
            return (null, $"没有异议 #{objectionId}");
        }
        if (row.ResolvedAt is not null)
        {
            return (row, string.Create(CultureInfo.InvariantCulture, $"异议 #{objectionId} 已于 {row.ResolvedAt:yyyy-MM-dd} 处理"));
        }
        row.ResolvedAt = clock.GetUtcNow();
        row.ResolvedBy = who.UserName;
        row.Resolution = resolution;
        await db.SaveChangesAsync(ct);
        return (row, null);
    }

    private static void Move(GongjiDb db, ApplicationRow row, string to, string action, UserScope who, long? amount, string? note, DateTimeOffset now)
    {
        db.ApplicationSteps.Add(new ApplicationStepRow { ApplicationId = row.Id, At = now, Actor = who.UserName, Action = action, FromState = row.State, ToState = to, AmountFen = amount, Note = note });
        row.State = to;
        row.StateSince = now;
        row.Version++;
    }

    public static bool Visible(UserScope who, ApplicationRow app) =>
        who.Township is null ? who.Covers(app.Region) : app.Township == who.Township;

    private async Task<(ApplicationRow?, FundRow?)> LoadAsync(long id, CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        var fund = app is null ? null : await db.Funds.AsNoTracking().SingleAsync(f => f.Id == app.FundId, ct);
        return (app, fund);
    }

    public static string Yuan(long fen) => (fen / 100m).ToString("#,0.00", System.Globalization.CultureInfo.InvariantCulture);
}
