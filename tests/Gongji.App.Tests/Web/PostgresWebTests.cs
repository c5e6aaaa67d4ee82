using System.Net;
using System.Net.Http.Json;
using Gongji.App.Tests.Store;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gongji.App.Tests.Web;

/// <summary>The web app on the server database: every page's API answers on a real PostgreSQL as on SQLite.</summary>
[Collection(StoreCollection.Name)]
public sealed class PostgresWebTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_page_is_served_from_PostgreSQL()
    {
        var store = await postgres.NewStoreAsync();
        await DemoData.LoadAsync(store, "330108", 500, 2024);
        await new RunService(store, TimeProvider.System).RunAsync("330108", 2024, new Dictionary<string, decimal>(), null);
        var options = WebSite.Security();
        await new Accounts(store, TimeProvider.System, options).CreateAsync("pg_admin", "管理员", Roles.Admin, "330108", null, WebSite.Password, "test");
        await new Accounts(store, TimeProvider.System, options).CreateAsync("pg_civil", "民政", Roles.Civil, "330108", null, WebSite.Password, "test");
        var ledger = new Gongji.Funds.Ledger(store, TimeProvider.System);
        await new Gongji.Funds.FundService(store, TimeProvider.System, ledger).CreateAsync("BJ", "滨江暖心基金", "330108", "cap_fund", "binjiang_cap", "pro_rata", "1/3", 0);
        await ledger.ContributeAsync("BJ", 2024, "donation", 100_000m, new DateOnly(2024, 4, 1), "捐赠", "test");
        var key = (await new HospitalKeys(store, TimeProvider.System).CreateAsync("医院", "330108")).Key;
        var folder = Path.Combine(Path.GetTempPath(), "gongji-pgweb-" + Guid.NewGuid().ToString("N")[..8]);
        await using var app = GongjiWeb.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Data"] = folder;
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(options);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(address) };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { userName = "pg_admin", password = WebSite.Password })).StatusCode);

        string household, psnNo;
        long caseId;
        await using (var db = store.CreateDb())
        {
            var c = await db.WarningCases.OrderBy(x => x.Id).FirstAsync(x => x.HouseholdId != null);
            (household, caseId, psnNo) = (c.HouseholdId!, c.Id, c.PsnNo);
        }
        var q = "region=330108&year=2024";
        foreach (var path in new[]
        {
            "/api/me", "/api/coverage", $"/api/overview?{q}", "/api/map/counties?year=2024", $"/api/map/townships?{q}", $"/api/households?{q}",
            $"/api/households/{household}?year=2024", $"/api/households/{household}?year=2024&full=true", $"/api/warnings?{q}", $"/api/warnings/{caseId}",
            $"/api/outreach?{q}", $"/api/outreach/xlsx?{q}", $"/api/enrolment/gaps?{q}", "/api/parameters", "/api/runs", "/api/audit", "/api/accounts",
            "/api/funds", "/api/funds/BJ/ledger", "/api/funds/BJ/balances?date=2024-12-31", "/api/funds/BJ/report?year=2024", "/api/funds/BJ/notice", "/api/applications",
        })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var dispatched = await client.PostAsJsonAsync($"/api/warnings/{caseId}/dispatch", new { assignee = "civil" });
        Assert.True(dispatched.IsSuccessStatusCode, await dispatched.Content.ReadAsStringAsync());
        var created = await client.PostAsJsonAsync("/api/applications", new { fund = "BJ", subject = household, year = 2024 });
        Assert.True(created.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());

        using var hospital = new HttpClient { BaseAddress = new Uri(address) };
        hospital.DefaultRequestHeaders.Add(HospitalKeys.Header, key);
        Assert.Equal(HttpStatusCode.OK, (await hospital.GetAsync($"/api/flag?psn_no={psnNo}")).StatusCode);
    }
}
