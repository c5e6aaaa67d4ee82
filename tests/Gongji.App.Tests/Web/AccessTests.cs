using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gongji.Engine.Model;
using Gongji.Security;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Web;

/// <summary>
/// Every endpoint with every role (issue #6): a role without the permission is refused (403, or 401 where
/// only a hospital key opens the door), and a role with it is served. Then every endpoint asked by a user
/// of another township or county for this one's data: refused.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AccessTests(WebSite site)
{
    /// <summary>One request; what a role holding the permission gets: 2xx, or 409 (a refused step), 404 (a lookup of nothing) or 400.</summary>
    private sealed record Call(string Method, string Path, Permission Permission, Func<string, HttpContent?>? Body = null, bool Conflict = false, bool Missing = false, bool Invalid = false);

    private async Task<(string Household, long Case, string PsnNo)> InTownshipAsync(string township)
    {
        await using var db = site.Store.CreateDb();
        var c = await db.WarningCases.Where(x => x.Township == township && x.HouseholdId != null).OrderBy(x => x.Id).FirstAsync();
        return (c.HouseholdId!, c.Id, c.PsnNo);
    }

    private async Task<(long Id, string Household)> ApplicationInTownshipAsync(string township)
    {
        await using var db = site.Store.CreateDb();
        var a = await db.Applications.Where(x => x.Township == township).OrderBy(x => x.Id).FirstAsync();
        return (a.Id, a.HouseholdId!);
    }

    private static HttpContent BankReturn(string role) =>
        new MultipartFormDataContent { { new StringContent("payment_key,status,bank_ref,message\n", Encoding.UTF8, "text/csv"), "file", "return.csv" } };

    private async Task<IReadOnlyList<Call>> CallsAsync(string township)
    {
        var (household, caseId, _) = await InTownshipAsync(township);
        var (application, applicant) = await ApplicationInTownshipAsync(township);
        var q = $"region={WebSite.County}&year=2024";
        return
        [
            new("GET", "/api/funds", Permission.ViewFunds),
            new("GET", "/api/funds/BJ/ledger", Permission.ViewFunds),
            new("GET", "/api/funds/BJ/balances?date=2024-12-31", Permission.ViewFunds),
            new("GET", "/api/funds/BJ/report?year=2024", Permission.ViewFunds),
            new("GET", "/api/funds/BJ/report/xlsx?year=2024", Permission.ViewFunds),
            new("POST", "/api/funds/BJ/contributions", Permission.ManageFunds, _ => JsonContent.Create(new { year = 2031, source = "donation", amount = 1m, memo = "matrix" })),
            new("GET", "/api/funds/BJ/notice", Permission.ViewApplications),
            new("GET", "/api/funds/BJ/notice.xlsx", Permission.ViewApplications),
            new("GET", "/api/applications?fund=BJ", Permission.ViewApplications),
            new("GET", $"/api/applications/{application}", Permission.ViewApplications),
            new("POST", "/api/applications", Permission.CreateApplications, _ => JsonContent.Create(new { fund = "BJ", subject = applicant, year = 2024 })),
            // Steps the application's state does not allow: a role that may act gets 409 and nothing changes.
            new("POST", $"/api/applications/{application}/no_such_step", Permission.ActOnApplications, _ => JsonContent.Create(new { }), Conflict: true),
            new("POST", $"/api/applications/{application}/objections", Permission.ActOnApplications, _ => JsonContent.Create(new { text = "matrix" }), Conflict: true),
            new("POST", $"/api/applications/{application}/approve-and-pay", Permission.Pay, _ => JsonContent.Create(new { batch = "M1" }), Conflict: true),
            new("POST", "/api/funds/BJ/approve-all", Permission.Pay, _ => JsonContent.Create(new { year = 2024 }), Conflict: true),
            new("POST", "/api/funds/BJ/batches", Permission.Pay, _ => JsonContent.Create(new { batch = "M1" })),
            new("GET", "/api/funds/BJ/batches/M1/file", Permission.Pay),
            new("POST", "/api/payments/return", Permission.Pay, BankReturn),
            new("GET", "/api/me", Permission.ViewAggregates),
            new("GET", "/api/coverage", Permission.ViewAggregates),
            new("GET", $"/api/overview?{q}", Permission.ViewAggregates),
            new("GET", "/api/map/counties?year=2024", Permission.ViewAggregates),
            new("GET", $"/api/map/townships?{q}", Permission.ViewAggregates),
            new("GET", "/api/parameters", Permission.ViewAggregates),
            new("GET", $"/api/households?{q}", Permission.ViewHouseholds),
            new("GET", $"/api/households/{household}?year=2024", Permission.ViewHouseholds),
            new("GET", $"/api/households/{household}?year=2024&full=true", Permission.RevealPersonalData),
            new("GET", $"/api/warnings?{q}", Permission.ViewWarnings),
            new("GET", "/api/warnings/transitions", Permission.ViewWarnings),
            new("GET", $"/api/warnings/{caseId}", Permission.ViewWarnings),
            // "close" from "dispatched" is never allowed: a role that may act gets 409 and nothing changes.
            new("POST", $"/api/warnings/{caseId}/close", Permission.ActOnWarnings, _ => JsonContent.Create(new { }), Conflict: true),
            new("GET", $"/api/outreach?{q}", Permission.ViewOutreach),
            new("GET", $"/api/outreach/xlsx?{q}", Permission.ViewOutreach),
            new("GET", $"/api/enrolment/gaps?{q}", Permission.ViewOutreach),
            new("GET", "/api/runs", Permission.RunYear),
            new("POST", "/api/parameters", Permission.ManageParameters, _ => JsonContent.Create(new { name = "warning.impoverishment_line", value = 80000, region = WebSite.County, fromYear = 2031, source = "matrix test" })),
            new("GET", "/api/audit?limit=5", Permission.ViewAudit),
            new("GET", "/api/accounts", Permission.ManageAccounts),
            new("POST", "/api/imports?kind=aids", Permission.ImportData, AidsFile),
            new("GET", $"/api/flag?psn_no=x", Permission.IdentityFlag),
            new("POST", "/api/runs", Permission.RunYear, _ => JsonContent.Create(new { region = WebSite.County, year = 2024 })),
            new("POST", "/api/accounts", Permission.ManageAccounts, role => JsonContent.Create(new { userName = $"m_{role}_{Guid.NewGuid():N}"[..20], displayName = "矩阵", role = Roles.Analyst, region = WebSite.County, township = (string?)null, password = (string?)null })),
            new("GET", "/api/imports/000000000000", Permission.ImportData, Missing: true),
            new("POST", "/api/funds/BJ/rollover", Permission.ManageFunds, _ => JsonContent.Create(new { year = 2031 })),
            new("POST", "/api/funds/BJ/entries/999999999/reverse", Permission.ManageFunds, _ => JsonContent.Create(new { reason = "matrix" }), Conflict: true),
            new("POST", "/api/objections/999999999/resolve", Permission.Pay, _ => JsonContent.Create(new { resolution = "matrix" }), Missing: true),
            new("POST", $"/api/applications/{application}/recoveries", Permission.Pay, _ => JsonContent.Create(new { amount = 1m, reason = "matrix" }), Conflict: true),
            // A wrong current password changes nothing; one-time codes (POST /api/me/totp) are left out, as turning them on would lock the test accounts.
            new("POST", "/api/me/password", Permission.ViewAggregates, _ => JsonContent.Create(new { current = "not-the-password", replacement = "Another-password-9" }), Invalid: true),
            new("DELETE", "/api/session", Permission.ViewAggregates), // last: it ends the session
        ];
    }

    private static HttpContent AidsFile(string role)
    {
        var payer = Roles.AidPayer(role)?.Id() ?? "civil_affairs";
        var csv = $"psn_no,payer,amount,pay_date,voucher_no\n3301080000000001,{payer},10.00,2024-05-01,M-{role}-{Guid.NewGuid():N}\n";
        var form = new MultipartFormDataContent { { new StringContent(csv, Encoding.UTF8, "text/csv"), "file", "aids.csv" } };
        return form;
    }

    public static TheoryData<string> AccountRoles() => [.. Roles.AccountRoles];

    [Theory]
    [MemberData(nameof(AccountRoles))]
    public async Task Each_role_is_served_exactly_what_its_permissions_allow(string role)
    {
        using var client = await site.ClientAsync(WebSite.UserFor(role));
        var failures = new List<string>();
        foreach (var call in await CallsAsync(site.Township))
        {
            using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path) { Content = call.Body?.Invoke(role) };
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var expected = call.Permission == Permission.IdentityFlag
                ? "401" // a session cookie never opens the hospitals' endpoint
                : Roles.Allows(role, call.Permission) ? (call.Conflict ? "409" : call.Missing ? "404" : call.Invalid ? "400" : "2xx") : "403";
            var actual = status is >= 200 and < 300 ? "2xx" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (actual != expected)
            {
                failures.Add($"{call.Method} {call.Path}: expected {expected}, got {status} {await response.Content.ReadAsStringAsync()}");
            }
        }
        Assert.True(failures.Count == 0, $"{role}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task Without_a_session_every_endpoint_but_sign_in_answers_401()
    {
        using var client = await site.ClientAsync();
        foreach (var call in (await CallsAsync(site.Township)).Where(c => c.Path != "/api/session")) // signing out needs no session
        {
            using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path) { Content = call.Body?.Invoke(Roles.Admin) };
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{call.Method} {call.Path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_township_user_is_refused_every_other_townships_data_on_every_endpoint()
    {
        // u_township_other works in another township of the same county; everything below is the home township's.
        using var client = await site.ClientAsync("u_township_other");
        var (household, caseId, _) = await InTownshipAsync(site.Township);
        var (application, _) = await ApplicationInTownshipAsync(site.Township);
        var q = $"year=2024";
        var refused = new (string Method, string Path, HttpStatusCode Status)[]
        {
            ("GET", $"/api/households/{household}?{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/households/{household}?{q}&full=true", HttpStatusCode.Forbidden),
            ("GET", $"/api/households?region={WebSite.County}&{q}&township={site.Township}", HttpStatusCode.Forbidden),
            ("GET", $"/api/warnings/{caseId}", HttpStatusCode.Forbidden),
            ("POST", $"/api/warnings/{caseId}/acknowledge", HttpStatusCode.NotFound),
            ("GET", $"/api/overview?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/map/townships?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/warnings?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/outreach?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/outreach/xlsx?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/enrolment/gaps?region={WebSite.ForeignCounty}&{q}", HttpStatusCode.Forbidden),
            ("GET", $"/api/applications/{application}", HttpStatusCode.Forbidden),
            ("POST", $"/api/applications/{application}/report", HttpStatusCode.NotFound),
            ("POST", $"/api/applications/{application}/objections", HttpStatusCode.NotFound),
            ("GET", "/api/applications?fund=SZ", HttpStatusCode.Forbidden),
            ("GET", "/api/funds/SZ/notice", HttpStatusCode.Forbidden),
        };
        foreach (var (method, path, status) in refused)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { }) : null };
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == status, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Lists the user may open show their own township only.
        var own = $"region={WebSite.County}&{q}";
        var lists = new[] { $"/api/households?{own}", $"/api/warnings?{own}", $"/api/outreach?{own}", $"/api/map/townships?{own}", $"/api/enrolment/gaps?{own}", "/api/applications", "/api/funds/BJ/notice" };
        foreach (var path in lists)
        {
            var text = await (await client.GetAsync(path)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(site.Township, text, StringComparison.Ordinal);
        }
        var overview = await WebSite.JsonAsync(await client.GetAsync($"/api/overview?{own}"));
        Assert.Equal(site.ForeignTownship, overview.GetProperty("township").GetString());
        var counties = await WebSite.JsonAsync(await client.GetAsync($"/api/map/counties?{q}"));
        Assert.All(counties.GetProperty("counties").EnumerateArray(), c => Assert.Equal(site.ForeignTownship, c.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Every_endpoint_asked_by_another_township_for_this_ones_data_refuses_or_shows_none_of_it()
    {
        using var client = await site.ClientAsync("u_township_other");
        var (household, caseId, psnNo) = await InTownshipAsync(site.Township);
        var failures = new List<string>();
        foreach (var call in await CallsAsync(site.Township))
        {
            using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path) { Content = call.Body?.Invoke(Roles.Township) };
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status is 401 or 403 or 404 || status is 400 or 409 && call.Method == "POST")
            {
                continue; // refused (a POST's 400 or 409 names only what was sent)
            }
            var body = await response.Content.ReadAsStringAsync();
            if (status is < 200 or >= 300)
            {
                failures.Add($"{call.Method} {call.Path}: {status} {body}");
                continue;
            }
            foreach (var secret in new[] { site.Township, household, psnNo, $"\"id\":{caseId}," })
            {
                if (body.Contains(secret, StringComparison.Ordinal))
                {
                    failures.Add($"{call.Method} {call.Path}: shows {secret}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_county_user_is_refused_another_countys_data_and_a_province_user_sees_both()
    {
        using var foreign = await site.ClientAsync("u_admin_foreign");
        var (household, caseId, _) = await InTownshipAsync(site.Township);
        foreach (var path in new[] { $"/api/households/{household}?year=2024", $"/api/overview?region={WebSite.County}&year=2024", $"/api/warnings/{caseId}", $"/api/households?region={WebSite.County}&year=2024" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await foreign.GetAsync(path)).StatusCode);
        }
        var mapped = await WebSite.JsonAsync(await foreign.GetAsync("/api/map/counties?year=2024"));
        Assert.Equal([WebSite.ForeignCounty], mapped.GetProperty("counties").EnumerateArray().Select(c => c.GetProperty("code").GetString()));

        using var province = await site.ClientAsync("u_admin_province");
        var both = await WebSite.JsonAsync(await province.GetAsync("/api/map/counties?year=2024"));
        Assert.Equal([WebSite.County, WebSite.ForeignCounty], both.GetProperty("counties").EnumerateArray().Select(c => c.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await province.GetAsync($"/api/households/{household}?year=2024")).StatusCode);
    }

    [Fact]
    public async Task Refusals_are_written_to_the_audit_log()
    {
        using var client = await site.ClientAsync("u_township_other");
        var (household, _, _) = await InTownshipAsync(site.Township);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/households/{household}?year=2024")).StatusCode);
        await using var db = site.Store.CreateDb();
        Assert.True(await db.AuditLog.AnyAsync(a => a.Actor == "u_township_other" && a.Target == household && a.Outcome == "refused"));
    }
}
