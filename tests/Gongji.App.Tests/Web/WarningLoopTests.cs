using System.Net;
using System.Net.Http.Json;
using Gongji.Security;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Web;

/// <summary>A warning taken through every state over the API, with the refusals of wrong steps and wrong hands.</summary>
[Collection(WebCollection.Name)]
public sealed class WarningLoopTests(WebSite site)
{
    private async Task<long> FreshCaseAsync(string kind)
    {
        await using var db = site.Store.CreateDb();
        // Cases of the home township are left alone for the access tests; take the newest other one.
        return await db.WarningCases.Where(c => c.Region == WebSite.County && c.State == "dispatched" && c.Kind == kind && c.Township != site.Township)
            .OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
    }

    [Fact]
    public async Task A_case_goes_through_every_state_and_each_step_is_recorded_with_who_and_when()
    {
        var id = await FreshCaseAsync("enrollment_gap");
        using var admin = await site.ClientAsync(WebSite.UserFor(Roles.Admin));
        using var civil = await site.ClientAsync(WebSite.UserFor(Roles.Civil));

        // 民政 cannot take a case that is the bureau's.
        var notTheirs = await civil.PostAsJsonAsync($"/api/warnings/{id}/acknowledge", new { });
        Assert.Equal(HttpStatusCode.Conflict, notTheirs.StatusCode);
        Assert.Contains("医保局", await notTheirs.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var dispatched = await WebSite.JsonAsync(await admin.PostAsJsonAsync($"/api/warnings/{id}/dispatch", new { assignee = "civil", note = "请民政入户" }));
        Assert.Equal("civil", dispatched.GetProperty("assignee").GetString());
        var bad = await admin.PostAsJsonAsync($"/api/warnings/{id}/dispatch", new { assignee = "township:999999999" });
        Assert.Equal(HttpStatusCode.Conflict, bad.StatusCode);

        Assert.Equal("acknowledged", (await WebSite.JsonAsync(await civil.PostAsJsonAsync($"/api/warnings/{id}/acknowledge", new { }))).GetProperty("state").GetString());

        var noFinding = await civil.PostAsJsonAsync($"/api/warnings/{id}/visit", new { });
        Assert.Equal(HttpStatusCode.Conflict, noFinding.StatusCode);
        Assert.Contains("not_eligible", await noFinding.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var skipped = await civil.PostAsJsonAsync($"/api/warnings/{id}/close", new { });
        Assert.Equal(HttpStatusCode.Conflict, skipped.StatusCode);
        Assert.Contains("已签收", await skipped.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal("visited", (await WebSite.JsonAsync(await civil.PostAsJsonAsync($"/api/warnings/{id}/visit", new { finding = "enrolled", note = "已办理资助参保" }))).GetProperty("state").GetString());
        Assert.Equal("closed", (await WebSite.JsonAsync(await civil.PostAsJsonAsync($"/api/warnings/{id}/close", new { }))).GetProperty("state").GetString());

        var again = await admin.PostAsJsonAsync($"/api/warnings/{id}/dispatch", new { assignee = "civil" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("已办结", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknown = await admin.PostAsJsonAsync($"/api/warnings/{id}/reopen", new { });
        Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);

        var detail = await WebSite.JsonAsync(await admin.GetAsync($"/api/warnings/{id}"));
        var steps = detail.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("action").GetString(), s.GetProperty("actor").GetString())).ToList();
        Assert.Equal([("raise", "system"), ("dispatch", "system"), ("dispatch", WebSite.UserFor(Roles.Admin)), ("acknowledge", WebSite.UserFor(Roles.Civil)), ("visit", WebSite.UserFor(Roles.Civil)), ("close", WebSite.UserFor(Roles.Civil))], steps);
        Assert.Equal("已资助参保", detail.GetProperty("case").GetProperty("findingName").GetString());
        Assert.Empty(detail.GetProperty("allowed").EnumerateArray());

        await using var db = site.Store.CreateDb();
        var decisions = await db.AuditLog.Where(a => a.Target == $"#{id}").Select(a => a.Action + ":" + a.Outcome).ToListAsync();
        Assert.Contains("warning_visit:refused", decisions);
        Assert.Contains("warning_close:ok", decisions);
    }

    [Fact]
    public async Task Only_the_bureau_dispatches_and_the_response_rate_counts_visited_cases()
    {
        var id = await FreshCaseAsync("relapse");
        using var civil = await site.ClientAsync(WebSite.UserFor(Roles.Civil));
        var refused = await civil.PostAsJsonAsync($"/api/warnings/{id}/dispatch", new { assignee = "civil" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("医保局管理员", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var admin = await site.ClientAsync(WebSite.UserFor(Roles.Admin));
        var list = await WebSite.JsonAsync(await admin.GetAsync($"/api/warnings?region={WebSite.County}&year=2024"));
        var summary = list.GetProperty("summary");
        var total = summary.GetProperty("total").GetInt32();
        var responded = summary.GetProperty("byState").GetProperty("visited").GetInt32() + summary.GetProperty("byState").GetProperty("closed").GetInt32();
        Assert.Equal(Math.Round((decimal)responded / total, 4), summary.GetProperty("responseRate").GetDecimal());
    }
}
