using Gongji.Security;

namespace Gongji.Applications;

/// <summary>One step of an application's workflow: who may take it, from which state to which.</summary>
public sealed record WorkflowStep(string Action, string From, string To, string ChineseName, IReadOnlyList<string> Roles, StepEffect Effect = StepEffect.None);

public enum StepEffect
{
    None,

    /// <summary>Recomputes the amount from the engine (insurance data, other departments' aid deducted) and records who prepared it.</summary>
    Prepare,

    /// <summary>Starts the public notice (公示).</summary>
    Publish,

    /// <summary>Approves the amount into the fund's payable: by someone other than the preparer, after the notice, within the budget.</summary>
    Approve,
}

/// <summary>A fund's procedure, as its document sets it out; one transition table per workflow.</summary>
public sealed record Workflow(string Id, string Name, string Clause, string Start, IReadOnlyList<WorkflowStep> Steps)
{
    public const string Notice = "notice";
    public const string Approved = "approved";
    public const string Paid = "paid";
    public const string Rejected = "rejected";

    public static readonly IReadOnlyDictionary<string, string> StateNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["submitted"] = "乡镇已受理",
        ["reviewed"] = "县医保局已审核",
        ["listed"] = "医保局初步名单",
        ["reported"] = "各部门已报送",
        ["reported_civil_affairs"] = "民政已报送",
        ["reported_disability"] = "残联已报送",
        ["reported_veterans"] = "退役军人事务局已报送",
        ["reported_union"] = "总工会已报送",
        ["reported_health"] = "卫健局已报送",
        ["verified"] = "民政已核查",
        ["opened"] = "已立案",
        ["applied"] = "已申请",
        [Notice] = "公示中",
        [Approved] = "已审批待支付",
        ["partly_paid"] = "部分支付",
        [Paid] = "已支付",
        [Rejected] = "不予救助",
    };

    private static WorkflowStep Reject(params string[] from) => new("reject", string.Join('|', from), Rejected, "不予救助", [Roles.Admin]);

    /// <summary>景政办发〔2021〕29号 二（三）: application by 30 June of the next year at the township, county review against insurance data deducting other departments' aid, public notice, payment to the social-security card.</summary>
    public static readonly Workflow JingningSubsidy = new("jingning_subsidy", "景宁高额医疗费补助", "景政办发〔2021〕29号 二（三）", "submitted",
    [
        new("review", "submitted", "reviewed", "县医保局审核（对照医保数据，扣除其他部门救助）", [Roles.Admin, Roles.Analyst], StepEffect.Prepare),
        new("publish", "reviewed", Notice, "公示", [Roles.Admin], StepEffect.Publish),
        new("approve", Notice, Approved, "审批", [Roles.Admin], StepEffect.Approve),
        Reject("submitted", "reviewed", Notice),
    ]);

    /// <summary>嵊州方案 附件3: 医保局 preliminary list → member units report their amounts → 民政 verifies on site → joint meeting approves → 医保局 pays.</summary>
    public static readonly Workflow ShengzhouWarmFund = new("shengzhou_warm", "嵊州暖心无忧基金", "嵊州方案 附件3", "listed",
    [
        new("report", "listed", "reported", "成员单位报送救助金额", [Roles.Admin, Roles.Civil, Roles.Charity, Roles.Disability, Roles.Veterans, Roles.Union, Roles.Health, Roles.RedCross]),
        new("verify", "reported", "verified", "民政实地核查", [Roles.Civil], StepEffect.Prepare),
        new("publish", "verified", Notice, "公示", [Roles.Admin], StepEffect.Publish),
        new("approve", Notice, Approved, "联席会议审批", [Roles.Admin], StepEffect.Approve),
        Reject("listed", "reported", "verified", Notice),
    ]);

    /// <summary>
    /// 滨政办函〔2024〕1号 三（三）: the departments report their aid one after another in the document's order
    /// (民政, 残联, 退役军人, 总工会, 卫健, 红十字会 — the payer table's), then the bureau reviews what the fund caps.
    /// The bureau may report for a department that has no account.
    /// </summary>
    public static readonly Workflow BinjiangCap = new("binjiang_cap", "滨江暖心基金封顶保障", "滨政办函〔2024〕1号 三（三）", "opened",
    [
        new("report_civil_affairs", "opened", "reported_civil_affairs", "民政报送救助", [Roles.Civil, Roles.Admin]),
        new("report_disability", "reported_civil_affairs", "reported_disability", "残联报送救助", [Roles.Disability, Roles.Admin]),
        new("report_veterans", "reported_disability", "reported_veterans", "退役军人事务局报送救助", [Roles.Veterans, Roles.Admin]),
        new("report_union", "reported_veterans", "reported_union", "总工会报送救助", [Roles.Union, Roles.Admin]),
        new("report_health", "reported_union", "reported_health", "卫健局报送救助", [Roles.Health, Roles.Admin]),
        new("report_red_cross", "reported_health", "reported", "红十字会报送救助", [Roles.RedCross, Roles.Admin]),
        new("review", "reported", "reviewed", "医保局复核封顶金额", [Roles.Admin, Roles.Analyst], StepEffect.Prepare),
        new("publish", "reviewed", Notice, "公示", [Roles.Admin], StepEffect.Publish),
        new("approve", Notice, Approved, "审批", [Roles.Admin], StepEffect.Approve),
        Reject("opened", "reported_civil_affairs", "reported_disability", "reported_veterans", "reported_union", "reported_health", "reported", "reviewed", Notice),
    ]);

    /// <summary>杭政办函〔2022〕70号 二（四）: special assistance on application.</summary>
    public static readonly Workflow HangzhouSpecial = new("hangzhou_special", "杭州特殊救助", "杭政办函〔2022〕70号 二（四）", "applied",
    [
        new("review", "applied", "reviewed", "民政审核", [Roles.Civil, Roles.Admin], StepEffect.Prepare),
        new("publish", "reviewed", Notice, "公示", [Roles.Admin], StepEffect.Publish),
        new("approve", Notice, Approved, "审批", [Roles.Admin], StepEffect.Approve),
        Reject("applied", "reviewed", Notice),
    ]);

    public static readonly IReadOnlyList<Workflow> All = [JingningSubsidy, ShengzhouWarmFund, BinjiangCap, HangzhouSpecial];

    public static Workflow Find(string id) => All.FirstOrDefault(w => w.Id == id) ?? throw new ArgumentException($"unknown workflow '{id}' ({string.Join(", ", All.Select(w => w.Id))})");

    public WorkflowStep? StepFor(string action, string state) =>
        Steps.FirstOrDefault(s => s.Action == action && s.From.Split('|').Contains(state));

    public static string StateName(string state) => StateNames.GetValueOrDefault(state, state);
}
