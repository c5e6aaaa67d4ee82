using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Gongji.App.Tests.Web;

/// <summary>
/// The pages in a real browser (issue #6): Playwright driving Debian's /usr/bin/chromium (the test script
/// installs it; Playwright's own browser download does not work here). Screenshots of the main pages are
/// saved under the test output, in screenshots/.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BrowserTests(WebSite site) : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/setup.sh installs Debian's chromium package");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // The machine's network is closed: without these, Chromium keeps trying Google's services.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    private async Task<IPage> SignInAsync(string userName)
    {
        var context = await _browser!.NewContextAsync(new() { BaseURL = site.Address, ViewportSize = new() { Width = 1440, Height = 900 }, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/#/login");
        await page.FillAsync("#user", userName);
        await page.FillAsync("#password", WebSite.Password);
        await page.ClickAsync("#signin");
        await page.WaitForSelectorAsync("#nav:not([hidden])");
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task Signing_in_shows_the_overview_with_indicators_and_charts()
    {
        var page = await SignInAsync(WebSite.UserFor("admin"));
        await page.GotoAsync("/#/overview");
        await page.WaitForSelectorAsync("[data-indicator=personal_burden_rate]");
        await page.WaitForSelectorAsync("#monthly canvas");
        Assert.Contains("困难群众医疗费用个人负担率", await page.InnerTextAsync("#kpis"), StringComparison.Ordinal);
        await ShotAsync(page, "overview");
    }

    [Fact]
    public async Task A_wrong_password_is_refused_on_the_sign_in_page()
    {
        var context = await _browser!.NewContextAsync(new() { BaseURL = site.Address });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/#/login");
        await page.FillAsync("#user", "u_analyst");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#signin");
        await page.WaitForSelectorAsync("#loginError .error");
        Assert.Contains("用户名或密码错误", await page.InnerTextAsync("#loginError"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_map_shows_Zhejiang_by_county_and_ranks_the_townships()
    {
        var page = await SignInAsync("u_admin_province");
        await page.GotoAsync("/#/map");
        await page.WaitForSelectorAsync("#map canvas");
        await page.WaitForSelectorAsync("#townTable tbody tr");
        Assert.Contains("滨江区", await page.InnerTextAsync("#townTitle"), StringComparison.Ordinal);
        await page.WaitForTimeoutAsync(300); // the map draws its shapes after the canvas appears
        await ShotAsync(page, "map");
    }

    [Fact]
    public async Task A_household_page_shows_the_payer_waterfall_with_clauses()
    {
        string household;
        await using (var db = site.Store.CreateDb())
        {
            // A household whose year went through the most payers makes the clearest waterfall.
            household = await db.Aids.Join(db.Persons, a => a.PsnNo, p => p.PsnNo, (a, p) => p.HouseholdId)
                .Where(h => h != null && h.StartsWith("H" + WebSite.County)).GroupBy(h => h).OrderByDescending(g => g.Count()).Select(g => g.Key!).FirstAsync();
        }
        var page = await SignInAsync(WebSite.UserFor("civil"));
        await page.GotoAsync($"/#/household/{household}");
        await page.WaitForSelectorAsync("#waterfall canvas");
        var table = await page.InnerTextAsync("#waterfallTable");
        Assert.Contains("医疗总费用", table, StringComparison.Ordinal);
        Assert.Contains("基本医保统筹基金", table, StringComparison.Ordinal);
        Assert.Contains("个人负担", table, StringComparison.Ordinal);
        Assert.Contains("〔", table, StringComparison.Ordinal); // a clause such as 杭医保〔2022〕… beside its step
        Assert.Contains("*", await page.InnerTextAsync("#members"), StringComparison.Ordinal); // masked until asked
        await ShotAsync(page, "household-waterfall");

        await page.ClickAsync("#reveal");
        await page.WaitForSelectorAsync("text=本次查看已记录审计日志");
        await using var check = site.Store.CreateDb();
        Assert.True(await check.AuditLog.AnyAsync(a => a.Actor == WebSite.UserFor("civil") && a.Action == "read_full_personal_data" && a.Target == household));
    }

    [Fact]
    public async Task A_warning_goes_through_its_loop_by_two_users()
    {
        long id;
        await using (var db = site.Store.CreateDb())
        {
            id = await db.WarningCases.Where(c => c.Region == WebSite.County && c.State == "dispatched" && c.Township != site.Township).OrderByDescending(c => c.Id).Select(c => c.Id).FirstAsync();
        }
        // The bureau sends the case to civil affairs …
        var admin = await SignInAsync(WebSite.UserFor("admin"));
        await admin.GotoAsync("/#/warnings");
        await admin.ClickAsync($"#cases tr[data-id='{id}']");
        await admin.SelectOptionAsync("#assignee", "civil");
        await admin.ClickAsync("button[data-action=dispatch]");
        await admin.WaitForSelectorAsync("#detail .steps li:nth-child(3)");
        await ShotAsync(admin, "warnings-queue");

        // … where a clerk acknowledges, visits with a finding, and closes it.
        var civil = await SignInAsync(WebSite.UserFor("civil"));
        await civil.GotoAsync("/#/warnings");
        await civil.ClickAsync($"#cases tr[data-id='{id}']");
        await civil.ClickAsync("button[data-action=acknowledge]");
        await civil.WaitForSelectorAsync("#caseState:has-text('已签收')");
        await civil.SelectOptionAsync("#finding", "dibian");
        await civil.FillAsync("#note", "入户核实，家庭收入低于低边标准");
        await civil.ClickAsync("button[data-action=visit]");
        await civil.WaitForSelectorAsync("#caseState:has-text('已走访')");
        await civil.ClickAsync("button[data-action=close]");
        await civil.WaitForSelectorAsync("#caseState:has-text('已办结')");
        Assert.Contains("认定为低边对象", await civil.InnerTextAsync("#detail"), StringComparison.Ordinal);
        Assert.Equal(0, await civil.Locator("button[data-action]").CountAsync());
        await ShotAsync(civil, "warning-closed");
    }

    [Fact]
    public async Task An_uploaded_file_with_bad_rows_is_refused_and_its_row_errors_are_listed()
    {
        var file = Path.Combine(site.Folder, "upload", "aids.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, "psn_no,payer,amount,pay_date,voucher_no\n3301080000000001,union,12.50,2024-03-01,U-1\n3301080000000002,union,abc,2024-03-02,U-2\n");
        var page = await SignInAsync(WebSite.UserFor("admin"));
        await page.GotoAsync("/#/imports");
        await page.SetInputFilesAsync("#file", file);
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("#rowErrors tbody tr");
        var errors = await page.InnerTextAsync("#rowErrors");
        Assert.Contains("abc", errors, StringComparison.Ordinal);
        Assert.Contains("整个文件未导入", await page.InnerTextAsync("#importResult"), StringComparison.Ordinal);
        await ShotAsync(page, "import-errors");
        await using var db = site.Store.CreateDb();
        Assert.False(await db.Aids.AnyAsync(a => a.VoucherNo == "U-1")); // nothing half-written
    }

    [Fact]
    public async Task An_application_is_approved_by_a_second_user_after_the_first_prepared_it()
    {
        long id;
        await using (var db = site.Store.CreateDb())
        {
            var fund = await db.Funds.SingleAsync(f => f.Code == "BJ2");
            id = await db.Applications.Where(a => a.FundId == fund.Id).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync();
        }
        async Task<IPage> OpenAsync(string user)
        {
            var page = await SignInAsync(user);
            await page.GotoAsync("/#/applications/BJ2");
            await page.ClickAsync($"#applications tr[data-id='{id}']");
            return page;
        }

        // The departments report their aid in the document's order: 民政 first, here in the browser …
        var civil = await OpenAsync(WebSite.UserFor("civil"));
        await civil.WaitForSelectorAsync("#appActions");
        Assert.Equal(["report_civil_affairs"], await civil.Locator("#appActions button[data-step]").EvaluateAllAsync<string[]>("bs => bs.map(b => b.dataset.step)")); // only 民政's step is open to it
        await civil.ClickAsync("button[data-step=report_civil_affairs]");
        await civil.WaitForSelectorAsync("#appState:has-text('民政已报送')");
        // … then 残联, 退役军人, 总工会, 卫健 and 红十字会 (the union's own clerk; the bureau for those without accounts here).
        using (var union = await site.ClientAsync(WebSite.UserFor("aid_union")))
        using (var bureau = await site.ClientAsync(WebSite.UserFor("admin")))
        {
            var early = await union.PostAsJsonAsync($"/api/applications/{id}/report_union", new { note = "总工会困难职工帮扶" });
            Assert.Equal(System.Net.HttpStatusCode.Conflict, early.StatusCode); // not before 残联 and 退役军人
            foreach (var (client, step) in new[] { (bureau, "report_disability"), (bureau, "report_veterans"), (union, "report_union"), (bureau, "report_health"), (bureau, "report_red_cross") })
            {
                var response = await client.PostAsJsonAsync($"/api/applications/{id}/{step}", new { note = (string?)null });
                Assert.True(response.IsSuccessStatusCode, $"{step}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        var preparer = await OpenAsync(WebSite.UserFor("admin"));
        await preparer.ClickAsync("button[data-step=review]");
        await preparer.WaitForSelectorAsync("#appState:has-text('县医保局已审核')");
        await preparer.ClickAsync("button[data-step=publish]");
        await preparer.WaitForSelectorAsync("#appState:has-text('公示中')");
        await preparer.ClickAsync("button[data-step=approve]");
        await preparer.WaitForSelectorAsync("#appError .error");
        Assert.Contains("审核人", await preparer.InnerTextAsync("#appError"), StringComparison.Ordinal); // not by the one who prepared it

        var approver = await OpenAsync("u_admin_province");
        await approver.ClickAsync("button[data-step=approve]");
        await approver.WaitForSelectorAsync("#appState:has-text('已审批待支付')");
        var steps = await approver.InnerTextAsync("#appDetail .steps");
        Assert.Contains("u_admin_province", steps, StringComparison.Ordinal);
        Assert.Contains(WebSite.UserFor("admin"), steps, StringComparison.Ordinal);
        await ShotAsync(approver, "application-approved");

        // The payment goes out in a batch and is "unknown" until the bank's return file says it arrived.
        await approver.ClickAsync("#batch");
        await approver.WaitForSelectorAsync("#fundAction .notice");
        string key;
        await using (var db = site.Store.CreateDb())
        {
            key = await db.Payments.Where(p => p.ApplicationId == id).Select(p => p.PaymentKey).SingleAsync();
        }
        var bankReturn = Path.Combine(site.Folder, "upload", "bank-return.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(bankReturn)!);
        await File.WriteAllTextAsync(bankReturn, $"payment_key,status,bank_ref,message\n{key},paid,BR-0001,\n");
        await approver.SetInputFilesAsync("#bankReturn", bankReturn);
        await approver.WaitForSelectorAsync("#returnResult");
        Assert.Contains("到账 1 笔", await approver.InnerTextAsync("#returnResult"), StringComparison.Ordinal);

        await approver.GotoAsync("/#/funds");
        await approver.SelectOptionAsync("#fund", "BJ2");
        await approver.WaitForSelectorAsync("#fundReport");
        Assert.Contains("与账簿核对一致", await approver.InnerTextAsync("#body"), StringComparison.Ordinal);
        await ShotAsync(approver, "funds");
    }
}
