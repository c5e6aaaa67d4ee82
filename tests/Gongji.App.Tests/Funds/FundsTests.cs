using Gongji.App.Tests.Store;
using Gongji.Applications;
using Gongji.Funds;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Gongji.App.Tests.Funds;

/// <summary>The fund ledger, the application workflow, public notice and payments, on both stores (issue #5).</summary>
[Collection(StoreCollection.Name)]
public sealed class FundsTests(PostgresServer postgres)
{
    private static readonly UserScope Preparer = new("prep", "审核人", Roles.Admin, "33", null);
    private static readonly UserScope Approver = new("boss", "审批人", Roles.Admin, "33", null);
    private static readonly DateOnly Today = new(2025, 3, 1);

    private sealed record Site(GongjiStore Store, FakeTimeProvider Clock, Ledger Ledger, ApplicationService Applications, Payments Payments, FundService Funds);

    private static async Task<Site> SiteAsync(GongjiStore store, int persons = 900)
    {
        await DemoData.LoadAsync(store, "331127", persons, 2024);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 2, 0, 0, TimeSpan.Zero));
        var ledger = new Ledger(store, clock);
        return new Site(store, clock, ledger, new ApplicationService(store, clock, ledger, new RegionResults(store, clock)), new Payments(store, clock, ledger), new FundService(store, clock, ledger));
    }

    /// <summary>A Jingning subsidy fund whose applications are prepared by one user and put on notice.</summary>
    private static async Task<List<ApplicationRow>> OnNoticeAsync(Site site, string code, string sharing, decimal money, int noticeDays = 7)
    {
        await site.Funds.CreateAsync(code, "景宁高额医疗费补助", "331127", "high_cost_subsidy", "jingning_subsidy", sharing, null, noticeDays);
        if (money > 0)
        {
            await site.Ledger.ContributeAsync(code, 2024, "district_fiscal", money, Today, "县财政预算", "test");
        }
        Assert.True(await site.Applications.CreateListAsync(code, 2024, new DateOnly(2025, 2, 1), Preparer) >= 3);
        await using var db = site.Store.CreateDb();
        var fundId = await db.Funds.Where(f => f.Code == code).Select(f => f.Id).SingleAsync();
        await ReviewAndPublishAsync(site, await db.Applications.Where(a => a.FundId == fundId).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync());
        return await db.Applications.AsNoTracking().Where(a => a.FundId == fundId).OrderBy(a => a.Id).ToListAsync();
    }

    private static async Task ReviewAndPublishAsync(Site site, IEnumerable<long> ids)
    {
        foreach (var id in ids)
        {
            Assert.Null((await site.Applications.ActAsync(id, "review", Preparer, null)).Refusal);
            Assert.Null((await site.Applications.ActAsync(id, "publish", Approver, null)).Refusal);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Approval_needs_a_second_person_the_end_of_the_notice_and_every_objection_resolved(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres));
        var apps = await OnNoticeAsync(site, "JN", "pro_rata", 5_000_000m);
        var app = apps[0];
        Assert.Contains("审核人", (await site.Applications.ApproveAsync(app.Id, Preparer, null)).Refusal, StringComparison.Ordinal);
        Assert.Contains("公示期至", (await site.Applications.ApproveAsync(app.Id, Approver, null)).Refusal, StringComparison.Ordinal);
        var (objection, _, _) = await site.Applications.ObjectAsync(app.Id, "群众反映家庭有大额存款", Approver);
        site.Clock.Advance(TimeSpan.FromDays(8));
        Assert.Contains("异议", (await site.Applications.ApproveAsync(app.Id, Approver, null)).Refusal, StringComparison.Ordinal);
        await site.Applications.ResolveObjectionAsync(objection!.Id, "经核查存款为借款，不影响认定", Approver);
        var approved = await site.Applications.ApproveAsync(app.Id, Approver, null);
        Assert.Null(approved.Refusal);
        Assert.Equal(Workflow.Approved, approved.Application!.State);
        Assert.Equal(app.GrantedFen, approved.Application.GrantedFen);
        var wrongStep = await site.Applications.ActAsync(app.Id, "publish", Approver, null);
        Assert.Contains("已审批待支付", wrongStep.Refusal, StringComparison.Ordinal);

        await using var db = site.Store.CreateDb();
        var steps = await db.ApplicationSteps.Where(s => s.ApplicationId == app.Id).OrderBy(s => s.Id).Select(s => s.Action + ":" + s.Actor).ToListAsync();
        Assert.Equal(["create:prep", "review:prep", "publish:boss", "approve:boss"], steps);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_fund_with_too_little_money_pays_nothing_beyond_its_balance_and_says_why(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres));
        var apps = await OnNoticeAsync(site, "JN", "pro_rata", 1_000m, noticeDays: 0);
        var refused = await site.Applications.ApproveAsync(apps[0].Id, Approver, null);
        Assert.Contains("用完即止", refused.Refusal, StringComparison.Ordinal);
        Assert.Contains("1,000.00", refused.Refusal, StringComparison.Ordinal);

        // The pro-rata batch shares exactly the 1,000 yuan, rounded down, and not a fen more.
        var (approved, granted, _) = await site.Applications.ApproveAllAsync("JN", 2024, Approver);
        Assert.Equal(apps.Count, approved);
        Assert.True(granted <= 100_000 && granted > 100_000 - apps.Count, $"granted {granted} fen");
        var fund = await site.Ledger.FundAsync("JN");
        var summary = await site.Funds.SummaryAsync(fund);
        Assert.True(summary.AvailableByYear[2024] >= 0);
        var nothingLeft = await site.Applications.ApproveAllAsync("JN", 2024, Approver);
        Assert.NotNull(nothingLeft.Refusal);

        // A first-come fund pays in order while money lasts and carries the rest to next year.
        await site.Funds.CreateAsync("JN-FC", "景宁先到先得", "331127", "high_cost_subsidy", "jingning_subsidy", "first_come", null, 0);
        var first = await site.Applications.CreateAsync("JN-FC", apps[0].PsnNo!, 2024, new DateOnly(2025, 1, 5), Preparer);
        var second = await site.Applications.CreateAsync("JN-FC", apps[1].PsnNo!, 2024, new DateOnly(2025, 1, 6), Preparer);
        await ReviewAndPublishAsync(site, [first.Application!.Id, second.Application!.Id]);
        Assert.Contains("余额为 0", (await site.Applications.ApproveAsync(first.Application.Id, Approver, null)).Refusal, StringComparison.Ordinal);
        Assert.Contains($"#{first.Application.Id}", (await site.Applications.ApproveAsync(second.Application.Id, Approver, null)).Refusal, StringComparison.Ordinal);
        var part = first.Application.ComputedFen / 2;
        await site.Ledger.ContributeAsync("JN-FC", 2024, "donation", part / 100m, Today, "捐赠", "test");
        var paidPart = await site.Applications.ApproveAsync(first.Application.Id, Approver, null);
        Assert.Equal(part, paidPart.Application!.GrantedFen);
        await using var db = site.Store.CreateDb();
        var carried = await db.Applications.SingleAsync(a => a.Subject == paidPart.Application.Subject + ":carried");
        Assert.Equal((2025, first.Application.ComputedFen - part), (carried.Year, carried.ComputedFen));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_thousand_concurrent_approve_and_pay_requests_make_exactly_one_payment(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres));
        var apps = await OnNoticeAsync(site, "JN", "pro_rata", 5_000_000m, noticeDays: 0);
        var app = apps[0];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() =>
            site.Payments.ApproveAndPayAsync(site.Applications, app.Id, Approver, "B1", Today))));
        Assert.All(outcomes, o => Assert.Null(o.Approval.Refusal));
        Assert.Equal(1, outcomes.Count(o => o.Sent));

        await using var db = site.Store.CreateDb();
        Assert.Equal(1, await db.Payments.CountAsync(p => p.ApplicationId == app.Id));
        Assert.Equal(1, await db.LedgerEntries.CountAsync(e => e.ApplicationId == app.Id && e.Kind == "approval"));
        Assert.Equal(1, await db.LedgerEntries.CountAsync(e => e.ApplicationId == app.Id && e.Kind == "payment_sent"));
        var summary = await site.Funds.SummaryAsync(await site.Ledger.FundAsync("JN"));
        Assert.Equal(5_000_000_00, summary.BankFen);
        Assert.Equal(app.GrantedFen, summary.InTransitFen);
        Assert.Equal(0, summary.PayableFen);
        Assert.Equal(5_000_000_00 - app.GrantedFen, summary.AvailableByYear[2024]);
        Assert.True((await site.Funds.ReportAsync("JN", 2025)).TiesOut);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Bank_returns_settle_each_payment_once_failures_go_back_to_payable_and_the_report_ties_out(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres));
        var apps = await OnNoticeAsync(site, "JN", "pro_rata", 5_000_000m, noticeDays: 0);
        await site.Applications.ApproveAllAsync("JN", 2024, Approver);
        var folder = Path.Combine(Path.GetTempPath(), "gongji-pay-" + Guid.NewGuid().ToString("N")[..8]);
        var batch = await site.Payments.SendBatchAsync("JN", "B1", Today, folder, Approver);
        Assert.Equal(apps.Count, batch.Sent);
        Assert.Equal(0, (await site.Payments.SendBatchAsync("JN", "B1", Today, folder, Approver)).Sent); // a rerun sends nothing twice

        var lines = File.ReadAllLines(batch.File).Skip(1).ToList();
        var keys = lines.Select(l => l.Split(',')[0]).ToList();
        var bankReturn = Path.Combine(folder, "return.csv");
        File.WriteAllLines(bankReturn, ["payment_key,status,bank_ref,message", .. keys.Select((k, i) => i == 0 ? $"{k},failed,,账户已销户" : $"{k},paid,R{i},")]);
        var settled = await site.Payments.ReconcileAsync(bankReturn, Approver);
        Assert.Equal((apps.Count - 1, 1), (settled.Paid, settled.Failed));
        Assert.Equal(apps.Count, (await site.Payments.ReconcileAsync(bankReturn, Approver)).AlreadySettled);

        // The failed one is sent again in the next batch, with a new key.
        var retry = await site.Payments.SendBatchAsync("JN", "B2", Today, folder, Approver);
        Assert.Equal(1, retry.Sent);
        Assert.EndsWith("-2", File.ReadAllLines(retry.File)[1].Split(',')[0], StringComparison.Ordinal);

        var granted = apps.Sum(a => a.GrantedFen ?? 0);
        var summary = await site.Funds.SummaryAsync(await site.Ledger.FundAsync("JN"));
        var firstAmount = apps[0].GrantedFen ?? 0;
        Assert.Equal(5_000_000_00 - (granted - firstAmount), summary.BankFen);
        Assert.Equal(firstAmount, summary.InTransitFen);

        // Money obtained by fraud: a receivable, then the money back in the bank and the budget.
        var paidApp = apps[1];
        var claim = await site.Payments.ClaimRecoveryAsync(paidApp.Id, 100m, "隐瞒收入", Approver);
        await site.Payments.ReceiveRecoveryAsync(claim.Id, Today, Approver);
        var report = await site.Funds.ReportAsync("JN", 2025);
        Assert.True(report.TiesOut, string.Join("\n", report.Checks));
        Assert.Equal(10_000, report.Lines.Single(l => l.Item == "本年追回到账").Fen);
        var files = FundService.WriteReport(report, folder);
        Assert.Contains(files, f => f.EndsWith(".xlsx", StringComparison.Ordinal));
        if (File.Exists("/usr/bin/chromium"))
        {
            var pdf = Assert.Single(files, f => f.EndsWith(".pdf", StringComparison.Ordinal));
            Assert.StartsWith("%PDF", File.ReadAllText(pdf)[..4], StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Ledger_entries_cannot_be_changed_corrections_are_reversing_entries_and_the_unspent_rolls_over(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres), persons: 200);
        await site.Funds.CreateAsync("SZ", "嵊州暖心无忧基金", "331127", "warm_fund_city", "shengzhou_warm", "pro_rata", null, 7);
        var wrong = await site.Ledger.ContributeAsync("SZ", 2024, "donation", 1_000m, Today, "误录", "test");
        await site.Ledger.ContributeAsync("SZ", 2024, "enterprise", 300m, Today, "企业捐赠", "test");
        await using (var db = site.Store.CreateDb())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE ledger_postings SET amount_fen = 1"));
            await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM ledger_entries"));
        }
        var reversal = await site.Ledger.ReverseAsync(wrong.Id, "金额录错", "test");
        Assert.Equal(wrong.Id, reversal.ReversesId);
        await Assert.ThrowsAsync<LedgerRefusal>(() => site.Ledger.ReverseAsync(wrong.Id, "again", "test"));
        var rolled = await site.Ledger.RolloverAsync("SZ", 2024, "test");
        Assert.NotNull(rolled);
        Assert.Null(await site.Ledger.RolloverAsync("SZ", 2024, "test")); // once
        var summary = await site.Funds.SummaryAsync(await site.Ledger.FundAsync("SZ"));
        Assert.Equal(30_000, summary.BankFen);
        Assert.Equal(0, summary.AvailableByYear[2024]);
        Assert.Equal(30_000, summary.AvailableByYear[2025]);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_public_notice_holds_only_masked_name_and_ID_township_and_amount(string provider)
    {
        var site = await SiteAsync(await Stores.NewAsync(provider, postgres), persons: 600);
        var apps = await OnNoticeAsync(site, "JN", "pro_rata", 0m);
        var rows = await site.Payments.NoticeRowsAsync("JN");
        Assert.Equal(["序号", "姓名", "身份证号", "乡镇(街道)", "金额"], Payments.NoticeHeader);
        Assert.Equal(apps.Count, rows.Count);
        await using var db = site.Store.CreateDb();
        var people = await db.Persons.AsNoTracking().ToListAsync();
        var secrets = people.SelectMany(p => new[] { p.PsnName, p.Certno, p.PsnNo }).Where(s => s is not null).ToHashSet();
        Assert.All(rows, r =>
        {
            Assert.Equal(5, r.Length);
            Assert.Matches(@"^.\*+$", r[1]);
            Assert.Matches(@"^\d{6}\*{8}[\dX]{4}$", r[2]);
            Assert.DoesNotContain(r, cell => secrets.Contains(cell));
        });
    }

    [Fact]
    public async Task Jingning_applications_close_on_30_June_of_the_next_year()
    {
        var site = await SiteAsync(await Stores.NewAsync("sqlite", postgres), persons: 600);
        await site.Funds.CreateAsync("JN", "景宁高额医疗费补助", "331127", "high_cost_subsidy", "jingning_subsidy", "pro_rata", null, 7);
        var data = await new RegionResults(site.Store, site.Clock).GetAsync("331127", 2024);
        var person = data.Result.Persons.First(p => p[Engine.Model.Payer.HighCostSubsidy].IsPositive).PsnNo;
        var late = await site.Applications.CreateAsync("JN", person, 2024, new DateOnly(2025, 7, 1), Preparer);
        Assert.Contains("2025-06-30", late.Refusal, StringComparison.Ordinal);
        Assert.Null((await site.Applications.CreateAsync("JN", person, 2024, new DateOnly(2025, 6, 30), Preparer)).Refusal);
    }
}
