using System.Net;
using System.Text;
using Gongji.Loading;
using Gongji.Security;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Web;

/// <summary>The API's reference, the outreach export, imports by department, and the headers every answer carries.</summary>
[Collection(WebCollection.Name)]
public sealed class ApiTests(WebSite site)
{
    [Fact]
    public async Task The_OpenAPI_document_and_its_interactive_reference_are_served()
    {
        using var client = await site.ClientAsync();
        var doc = await WebSite.JsonAsync(await client.GetAsync("/openapi/v1.json"));
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/warnings/{id}/{action}", paths);
        Assert.Contains("/api/flag", paths);
        Assert.Contains("/api/households/{id}", paths);
        var page = await client.GetAsync("/api-docs/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_outreach_export_is_a_real_spreadsheet_with_masked_names_and_ID_numbers()
    {
        using var client = await site.ClientAsync(WebSite.UserFor(Roles.Civil));
        var response = await client.GetAsync($"/api/outreach/xlsx?region={WebSite.County}&year=2024");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(site.Folder, "outreach-read-back.xlsx");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        string[] header = [];
        var rows = TabularFile.Open(file).Rows(h => header = h).Select(r => r.Cells).ToList();
        Assert.Contains("身份证号", header);
        Assert.NotEmpty(rows);
        var cert = Array.IndexOf(header, "身份证号");
        var name = Array.IndexOf(header, "姓名");
        Assert.All(rows, r => Assert.Matches(@"^(\d{6}\*+[\dX]{4})?$", r[cert]));
        Assert.All(rows, r => Assert.Matches(@"^(.\**)?$", r[name]));
    }

    [Fact]
    public async Task The_public_notice_export_holds_no_field_beyond_the_allowed_ones()
    {
        using var admin = await site.ClientAsync(WebSite.UserFor(Roles.Admin));
        var apps = await WebSite.JsonAsync(await admin.GetAsync("/api/applications?fund=BJ"));
        Assert.NotEmpty(apps.EnumerateArray());
        var response = await admin.GetAsync("/api/funds/BJ/notice.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(site.Folder, "notice-read-back.xlsx");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        string[] header = [];
        var rows = TabularFile.Open(file).Rows(h => header = h).Select(r => r.Cells).ToList();
        Assert.Equal(["序号", "姓名", "身份证号", "乡镇(街道)", "金额"], header);
        Assert.All(rows, r => Assert.Equal(5, r.Length));
        var json = await (await admin.GetAsync("/api/funds/BJ/notice")).Content.ReadAsStringAsync();
        foreach (var forbidden in new[] { "address", "phone", "bank", "dise", "psn_no", "householdId" })
        {
            Assert.DoesNotContain(forbidden, json, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_department_imports_its_own_aids_only()
    {
        using var union = await site.ClientAsync(WebSite.UserFor(Roles.Union));
        var voucher = "T-" + Guid.NewGuid().ToString("N")[..8];
        var csv = $"psn_no,payer,amount,pay_date,voucher_no\n3301080000000001,union,20.00,2024-06-01,{voucher}\n3301080000000002,red_cross,30.00,2024-06-01,{voucher}-2\n";
        using var form = new MultipartFormDataContent { { new StringContent(csv, Encoding.UTF8, "text/csv"), "file", "aids.csv" } };
        var started = await WebSite.JsonAsync(await union.PostAsync("/api/imports", form));
        var id = started.GetProperty("id").GetString();
        System.Text.Json.JsonElement job;
        do
        {
            await Task.Delay(100);
            job = await WebSite.JsonAsync(await union.GetAsync($"/api/imports/{id}"));
        }
        while (job.GetProperty("state").GetString() is "loading" or "computing");
        Assert.Equal("rejected", job.GetProperty("state").GetString());
        var error = Assert.Single(job.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("row").GetInt32());
        Assert.Equal("red_cross", error.GetProperty("value").GetString());
        await using var db = site.Store.CreateDb();
        Assert.False(await db.Aids.AnyAsync(a => a.VoucherNo == voucher));

        using var settlements = new MultipartFormDataContent { { new StringContent("setl_id\n", Encoding.UTF8, "text/csv"), "file", "settlements.csv" } };
        Assert.Equal(HttpStatusCode.Forbidden, (await union.PostAsync("/api/imports?kind=settlements", settlements)).StatusCode);
    }

    [Fact]
    public async Task New_settlements_are_monitored_at_once_a_loaded_file_reruns_the_county_and_raises_new_cases()
    {
        using var admin = await site.ClientAsync(WebSite.UserFor(Roles.Admin));
        string psnNo;
        await using (var db = site.Store.CreateDb())
        {
            // Someone of the home county with no warning yet: one large inpatient bill makes them cross the line.
            var warned = await db.WarningCases.Select(c => c.PsnNo).ToListAsync();
            psnNo = await db.Identities.Where(i => i.PsnNo.StartsWith(WebSite.County) && i.IdetType == "dibao" && !warned.Contains(i.PsnNo)).Select(i => i.PsnNo).FirstAsync();
        }
        var csv = "setl_id,psn_no,setl_time,med_type,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,hifp_pay,hifmi_pay,hifob_pay,maf_pay,oth_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay\n" +
            $"BIG-{psnNo},{psnNo},2024-10-08 10:00:00,21,400000.00,150000.00,0,0,250000.00,100000.00,0,0,0,0,100000.00,300000.00,0,300000.00\n";
        using var form = new MultipartFormDataContent { { new StringContent(csv, Encoding.UTF8, "text/csv"), "file", "settlements.csv" } };
        var id = (await WebSite.JsonAsync(await admin.PostAsync("/api/imports", form))).GetProperty("id").GetString();
        System.Text.Json.JsonElement job;
        do
        {
            await Task.Delay(200);
            job = await WebSite.JsonAsync(await admin.GetAsync($"/api/imports/{id}"));
        }
        while (job.GetProperty("state").GetString() is "loading" or "computing");
        Assert.True(job.GetProperty("state").GetString() == "loaded", job.GetRawText());
        Assert.Contains(job.GetProperty("runs").EnumerateArray(), r => r.GetString()!.StartsWith(WebSite.County, StringComparison.Ordinal));
        await using var check = site.Store.CreateDb();
        Assert.True(await check.WarningCases.AnyAsync(c => c.PsnNo == psnNo && c.Kind == "relapse"), job.GetRawText());
    }

    [Fact]
    public async Task Answers_carry_security_headers_and_personal_data_is_never_cached()
    {
        using var client = await site.ClientAsync(WebSite.UserFor(Roles.Analyst));
        var page = await client.GetAsync("/");
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var api = await client.GetAsync($"/api/households?region={WebSite.County}&year=2024");
        Assert.Equal("no-store", api.Headers.CacheControl?.ToString());
        var text = await api.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"name\"", text, StringComparison.Ordinal); // the list has no names at all
    }
}
