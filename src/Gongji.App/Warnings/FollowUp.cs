using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Warnings;

/// <summary>A step a warning case may take: from which state, by which action, to which state.</summary>
public sealed record CaseTransition(string Action, string From, string To, string ChineseName, bool NeedsAssignee = false, bool NeedsFinding = false);

/// <summary>Which department or township a new warning goes to (configuration "FollowUp:Rules", first match wins).</summary>
public sealed class DispatchRule
{
    public string Kind { get; set; } = "";
    public string? Group { get; set; }

    /// <summary>civil, medical_insurance, or township (the person's own township).</summary>
    public string Assignee { get; set; } = "";
}

public sealed class FollowUpOptions
{
    public List<DispatchRule> Rules { get; set; } =
    [
        // 重点对象 are 民政's to visit at home; the rest go to the township that knows the family (嵊州方案 二（2）).
        new() { Kind = "relapse", Group = "key", Assignee = FollowUp.Civil },
        new() { Kind = "relapse", Assignee = FollowUp.TownshipAssignee },
        new() { Kind = "impoverishment", Assignee = FollowUp.TownshipAssignee },
        // 资助参保 is the medical insurance bureau's (温州 资助参保 rules).
        new() { Kind = "enrollment_gap", Assignee = FollowUp.MedicalInsurance },
    ];

    /// <summary>Days allowed in each state before the case is overdue.</summary>
    public Dictionary<string, int> DueDays { get; set; } = new(StringComparer.Ordinal)
    {
        [FollowUp.Raised] = 1,
        [FollowUp.Dispatched] = 2,
        [FollowUp.Acknowledged] = 7,
        [FollowUp.Visited] = 5,
    };
}

public sealed record CaseOutcome(WarningCaseRow? Case, string? Refusal);

/// <summary>
/// The follow-up loop of warnings (主动发现、精准识别、政策找人; 杭政办函〔2022〕70号 二（一）, 嵊州方案 二（2）):
/// a warning becomes a case, dispatched by rule to a department or township, acknowledged, visited with
/// a finding, and closed; each step with who and when, each state with a deadline. One transition table
/// governs the states; anything else is refused with the reason.
/// </summary>
public sealed class FollowUp(GongjiStore store, TimeProvider clock, FollowUpOptions options)
{
    public const string Raised = "raised";
    public const string Dispatched = "dispatched";
    public const string Acknowledged = "acknowledged";
    public const string Visited = "visited";
    public const string Closed = "closed";

    public const string Civil = "civil";
    public const string MedicalInsurance = "medical_insurance";
    public const string TownshipAssignee = "township";

    public static readonly IReadOnlyList<CaseTransition> Transitions =
    [
        new("dispatch", Raised, Dispatched, "派发", NeedsAssignee: true),
        new("dispatch", Dispatched, Dispatched, "改派", NeedsAssignee: true),
        new("acknowledge", Dispatched, Acknowledged, "签收"),
        new("visit", Acknowledged, Visited, "走访核实", NeedsFinding: true),
        new("close", Visited, Closed, "办结"),
    ];

    public static readonly IReadOnlyDictionary<string, string> StateNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Raised] = "待派发", [Dispatched] = "已派发", [Acknowledged] = "已签收", [Visited] = "已走访", [Closed] = "已办结",
    };

    /// <summary>What a visit found (issue #4): the measures taken, or why none was needed.</summary>
    public static readonly IReadOnlyDictionary<string, string> Findings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dibao"] = "认定为低保对象",
        ["dibian"] = "认定为低边对象",
        ["temporary_assistance"] = "给予临时救助",
        ["enrolled"] = "已资助参保",
        ["aid_granted"] = "已落实帮扶救助",
        ["not_eligible"] = "经核实不符合条件",
        ["moved_away"] = "已迁出本地",
    };

    public static string AssigneeName(string? assignee) => assignee switch
    {
        null => "（未派发）",
        Civil => "民政局",
        MedicalInsurance => "医保局",
        _ when assignee.StartsWith("township:", StringComparison.Ordinal) => Reference.Divisions.Zhejiang.NameOf(assignee["township:".Length..]),
        _ => assignee,
    };

    /// <summary>
    /// After a run: each warning not yet a case becomes one, dispatched by the first matching rule; open
    /// cases take the run's latest base and group. Cases are never deleted (the risk pool records exits).
    /// </summary>
    public async Task<int> SyncAsync(string region, int year, IReadOnlyList<Warning> warnings, IReadOnlyList<Person> persons, long runId, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var existing = await db.WarningCases.Where(c => c.Region == region && c.Year == year).ToDictionaryAsync(c => (c.PsnNo, c.Kind), ct);
        var byId = persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var added = new List<WarningCaseRow>();
        foreach (var w in warnings)
        {
            if (existing.TryGetValue((w.PsnNo, w.Kind.Id()), out var open))
            {
                if (open.State != Closed)
                {
                    open.BaseFen = w.Base?.Fen;
                    open.LineFen = w.Line?.Fen;
                    open.MonitoringGroup = w.Group.Id();
                }
                continue;
            }
            byId.TryGetValue(w.PsnNo, out var person);
            var row = new WarningCaseRow
            {
                Region = region,
                Year = year,
                PsnNo = w.PsnNo,
                HouseholdId = person?.HouseholdId,
                Township = person?.Region.Length >= 9 ? person.Region[..9] : null,
                Kind = w.Kind.Id(),
                MonitoringGroup = w.Group.Id(),
                BaseFen = w.Base?.Fen,
                LineFen = w.Line?.Fen,
                Clause = w.Clause,
                State = Raised,
                RaisedAt = now,
                StateSince = now,
                DueAt = Due(Raised, now),
                RunId = runId,
            };
            db.WarningCases.Add(row);
            added.Add(row);
        }
        await db.SaveChangesAsync(ct);
        foreach (var row in added)
        {
            db.WarningSteps.Add(new WarningStepRow { CaseId = row.Id, At = now, Actor = "system", Action = "raise", ToState = Raised, Note = $"run #{runId}" });
            if (RuleFor(row) is { } assignee)
            {
                db.WarningSteps.Add(new WarningStepRow { CaseId = row.Id, At = now, Actor = "system", Action = "dispatch", FromState = Raised, ToState = Dispatched, Assignee = assignee, Note = "按派发规则自动派发" });
                row.State = Dispatched;
                row.Assignee = assignee;
                row.DueAt = Due(Dispatched, now);
            }
        }
        await db.SaveChangesAsync(ct);
        return added.Count;
    }

    private string? RuleFor(WarningCaseRow row)
    {
        var rule = options.Rules.FirstOrDefault(r => r.Kind == row.Kind && (r.Group is null || r.Group == row.MonitoringGroup));
        return rule?.Assignee switch
        {
            null => null,
            TownshipAssignee => row.Township is null ? MedicalInsurance : "township:" + row.Township,
            var other => other,
        };
    }

    private DateTimeOffset? Due(string state, DateTimeOffset since) =>
        options.DueDays.TryGetValue(state, out var days) ? since.AddDays(days) : null;

    public bool IsOverdue(WarningCaseRow c) => c.State != Closed && c.DueAt is { } due && due < clock.GetUtcNow();

    /// <summary>The assignee a user acts as: 民政 staff for civil, the bureau for medical_insurance, township staff for their township.</summary>
    public static string? ActsAs(UserScope who) => who.Role switch
    {
        Roles.Civil => Civil,
        Roles.Admin => MedicalInsurance,
        Roles.Township => "township:" + who.Township,
        _ => null,
    };

    /// <summary>Whether a user may see a case: region, and for township staff their own township only.</summary>
    public static bool CanSee(UserScope who, WarningCaseRow c) =>
        who.Township is null ? who.Covers(c.Region) : c.Township == who.Township;

    public async Task<CaseOutcome> TransitionAsync(long caseId, string action, UserScope who, string? assignee, string? finding, string? note, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var row = await db.WarningCases.AsNoTracking().SingleOrDefaultAsync(c => c.Id == caseId, ct);
        if (row is null || !CanSee(who, row))
        {
            return new CaseOutcome(null, $"预警 #{caseId} 不存在或不在您的辖区 (no such case in your area)");
        }
        var transition = Transitions.FirstOrDefault(t => t.Action == action && t.From == row.State);
        if (transition is null)
        {
            var allowed = Transitions.Where(t => t.From == row.State).Select(t => $"{t.Action}（{t.ChineseName}）").ToList();
            return new CaseOutcome(row, $"预警 #{caseId} 当前状态为「{StateNames[row.State]}」，不能执行 {action}；" +
                (allowed.Count == 0 ? "已办结的预警不能再变更" : "可执行：" + string.Join("、", allowed)));
        }
        if (!who.May(Permission.ActOnWarnings))
        {
            return new CaseOutcome(row, $"角色「{Roles.ChineseName(who.Role)}」不能处置预警");
        }
        if (action == "dispatch" && who.Role != Roles.Admin)
        {
            return new CaseOutcome(row, "只有医保局管理员可以派发或改派预警");
        }
        if (action != "dispatch" && who.Role != Roles.Admin && ActsAs(who) != row.Assignee)
        {
            return new CaseOutcome(row, $"预警 #{caseId} 派发给「{AssigneeName(row.Assignee)}」，您不能{transition.ChineseName}");
        }
        if (transition.NeedsAssignee && !ValidAssignee(assignee, row))
        {
            return new CaseOutcome(row, $"派发对象 '{assignee}' 无效：可为 civil（民政局）、medical_insurance（医保局）或 township:<本人所在乡镇代码>");
        }
        if (transition.NeedsFinding && (finding is null || !Findings.ContainsKey(finding)))
        {
            return new CaseOutcome(row, $"走访须填写核实结果 finding，可为：{string.Join("、", Findings.Select(f => $"{f.Key}（{f.Value}）"))}（收到 '{finding}'）");
        }
        var now = clock.GetUtcNow();
        var newAssignee = transition.NeedsAssignee ? assignee : row.Assignee;
        var newFinding = transition.NeedsFinding ? finding : row.Finding;
        var due = transition.To == Closed ? null : Due(transition.To, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Only from the state read: of two clerks acting at once, the second is refused, not applied twice.
        var changed = await db.WarningCases.Where(c => c.Id == caseId && c.State == row.State && c.StateSince == row.StateSince)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.State, transition.To).SetProperty(c => c.StateSince, now)
                .SetProperty(c => c.Assignee, newAssignee).SetProperty(c => c.Finding, newFinding).SetProperty(c => c.DueAt, due), ct);
        if (changed != 1)
        {
            await tx.RollbackAsync(ct);
            return new CaseOutcome(row, $"预警 #{caseId} 刚被他人处理，请刷新后再试 (changed by someone else)");
        }
        db.WarningSteps.Add(new WarningStepRow
        {
            CaseId = caseId, At = now, Actor = who.UserName, Action = action, FromState = row.State, ToState = transition.To,
            Assignee = transition.NeedsAssignee ? assignee : null, Finding = transition.NeedsFinding ? finding : null, Note = note,
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var updated = await db.WarningCases.AsNoTracking().SingleAsync(c => c.Id == caseId, ct);
        return new CaseOutcome(updated, null);
    }

    private static bool ValidAssignee(string? assignee, WarningCaseRow row) =>
        assignee is Civil or MedicalInsurance
        || assignee is not null && assignee.StartsWith("township:", StringComparison.Ordinal) && assignee.Length == "township:".Length + 9
           && assignee["township:".Length..].StartsWith(row.Region, StringComparison.Ordinal);

    public async Task<IReadOnlyList<WarningCaseRow>> ListAsync(UserScope who, string region, int year, string? state, string? kind, bool overdueOnly, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var query = db.WarningCases.AsNoTracking().Where(c => c.Region == region && c.Year == year);
        if (who.Township is { } township)
        {
            query = query.Where(c => c.Township == township);
        }
        if (state is not null)
        {
            query = query.Where(c => c.State == state);
        }
        if (kind is not null)
        {
            query = query.Where(c => c.Kind == kind);
        }
        var rows = await query.OrderBy(c => c.Id).ToListAsync(ct);
        return overdueOnly ? rows.Where(IsOverdue).ToList() : rows;
    }

    public async Task<IReadOnlyList<WarningStepRow>> StepsAsync(long caseId, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        return await db.WarningSteps.AsNoTracking().Where(s => s.CaseId == caseId).OrderBy(s => s.Id).ToListAsync(ct);
    }

    /// <summary>
    /// 有效预警信息处置响应率 = 多部门帮扶响应措施数 / 经筛选发现问题总数 (嵊州方案 附件1 备注4): cases a
    /// department has visited with a recorded finding (visited or closed), over all cases raised.
    /// </summary>
    public static decimal? ResponseRate(IReadOnlyCollection<WarningCaseRow> cases) =>
        cases.Count == 0 ? null : Engine.Rules.Indicators.Rate4(cases.Count(c => c.State is Visited or Closed), cases.Count);
}
