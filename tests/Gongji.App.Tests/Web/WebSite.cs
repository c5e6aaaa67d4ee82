using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gongji.App.Tests.Web;

/// <summary>
/// The real app on a loopback port over a SQLite store holding two demo counties (Binjiang 330108 and
/// Shengzhou 330683, run for 2024 so that warnings are cases), one account per role, accounts of a
/// foreign township and a foreign county, and a hospital key.
/// </summary>
public sealed class WebSite : IAsyncLifetime
{
    public const string Password = "Test-password-2024";
    public const string County = "330108";
    public const string ForeignCounty = "330683";

    private WebApplication? _app;

    public string Address { get; private set; } = "";
    public GongjiStore Store { get; private set; } = null!;
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "gongji-web-" + Guid.NewGuid().ToString("N")[..8]);
    public string Township { get; private set; } = "";
    public string ForeignTownship { get; private set; } = "";
    public string HospitalKey { get; private set; } = "";
    public string ForeignHospitalKey { get; private set; } = "";

    /// <summary>User name of the account holding each role in the home county (township: the home township).</summary>
    public static string UserFor(string role) => "u_" + role;

    public async Task InitializeAsync()
    {
        Store = GongjiStore.Sqlite(Path.Combine(Folder, "gongji.db"));
        await Store.MigrateAsync();
        await DemoData.LoadAsync(Store, County, 700, 2023, 2024);
        await DemoData.LoadAsync(Store, ForeignCounty, 400, 2024);
        foreach (var county in new[] { County, ForeignCounty })
        {
            await new RunService(Store, TimeProvider.System).RunAsync(county, 2024, new Dictionary<string, decimal>(), null);
        }
        // Binjiang's 暖心基金 (no notice period, so that approvals can be tried at once) with its preliminary list.
        var ledger = new Gongji.Funds.Ledger(Store, TimeProvider.System);
        await new Gongji.Funds.FundService(Store, TimeProvider.System, ledger).CreateAsync("BJ", "滨江暖心基金", County, "cap_fund", "binjiang_cap", "pro_rata", "1/3", 0);
        await ledger.ContributeAsync("BJ", 2024, "donation", 1_000_000m, new DateOnly(2024, 4, 1), "慈善募集", "test");
        var bureau = new UserScope("u_admin", "医保局", Roles.Admin, "33", null);
        await new Gongji.Applications.ApplicationService(Store, TimeProvider.System, ledger, new RegionResults(Store, TimeProvider.System)).CreateListAsync("BJ", 2024, new DateOnly(2025, 1, 10), bureau);
 
        // A second fund of the same kind for the browser test that takes an application through its workflow.
        await new Gongji.Funds.FundService(Store, TimeProvider.System, ledger).CreateAsync("BJ2", "滨江暖心基金（浏览器测试）", County, "cap_fund", "binjiang_cap", "pro_rata", "1/3", 0);
        await ledger.ContributeAsync("BJ2", 2024, "donation", 1_000_000m, new DateOnly(2024, 4, 1), "慈善募集", "test");
        await new Gongji.Applications.ApplicationService(Store, TimeProvider.System, ledger, new RegionResults(Store, TimeProvider.System)).CreateListAsync("BJ2", 2024, new DateOnly(2025, 1, 10), bureau);
        await new Gongji.Funds.FundService(Store, TimeProvider.System, ledger).CreateAsync("SZ", "嵊州暖心无忧基金", ForeignCounty, "warm_fund_city", "shengzhou_warm", "pro_rata", null, 7);
        await using (var db = Store.CreateDb())
        {
            // The home township has warning cases (and, where there is one, an application), so that every endpoint has something to show there.
            var withApplications = await db.Applications.Where(a => a.Township != null).Select(a => a.Township!).Distinct().ToListAsync();
            var withCases = await db.WarningCases.Where(c => c.Region == County && c.Township != null && c.HouseholdId != null).GroupBy(c => c.Township!)
                .OrderByDescending(g => withApplications.Contains(g.Key) ? 1 : 0).ThenByDescending(g => g.Count()).Select(g => g.Key).FirstAsync();
            var townships = await db.Households.Where(h => h.RegionCode.StartsWith(County)).Select(h => h.RegionCode.Substring(0, 9))
                .GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => g.Key).ToListAsync();
            Township = withCases;
            ForeignTownship = townships.First(t => t != withCases);
        }
        var options = Security();
        var accounts = new Accounts(Store, TimeProvider.System, options);
        foreach (var role in Roles.AccountRoles)
        {
            await accounts.CreateAsync(UserFor(role), Roles.ChineseName(role), role, County, role == Roles.Township ? Township : null, Password, "test");
        }
        await accounts.CreateAsync("u_township_other", "另一街道", Roles.Township, County, ForeignTownship, Password, "test");
        await accounts.CreateAsync("u_admin_foreign", "嵊州管理员", Roles.Admin, ForeignCounty, null, Password, "test");
        await accounts.CreateAsync("u_admin_province", "省级管理员", Roles.Admin, "33", null, Password, "test");
        await accounts.CreateAsync("u_civil_foreign", "嵊州民政", Roles.Civil, ForeignCounty, null, Password, "test");
        HospitalKey = (await new HospitalKeys(Store, TimeProvider.System).CreateAsync("测试医院", County)).Key;
        ForeignHospitalKey = (await new HospitalKeys(Store, TimeProvider.System).CreateAsync("嵊州医院", ForeignCounty)).Key;

        _app = GongjiWeb.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Data"] = Folder;
            builder.Services.AddSingleton(Store);
            builder.Services.AddSingleton(options);
        });
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public static SecurityOptions Security() => new() { PasswordHashIterations = 1_000, MaxFailedAttempts = 3, LockoutMinutes = 5 };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>A client with its own cookie jar, signed in as the user (or anonymous).</summary>
    public async Task<HttpClient> ClientAsync(string? userName = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(Address) };
        if (userName is not null)
        {
            var response = await client.PostAsJsonAsync("/api/session", new { userName, password = Password });
            Assert.True(response.IsSuccessStatusCode, $"sign-in of {userName}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return client;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebSite>
{
    public const string Name = "web";
}
