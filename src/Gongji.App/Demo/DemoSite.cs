using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Demo;

public sealed record DemoAccount(string UserName, string Role, string Region, string? Township);

/// <summary>
/// The demo's accounts, one per kind of user, made only when the store has no account at all, so a
/// real deployment (which creates its own administrator) never gets them. They share one printed
/// password: demo data, made on the fly, for trying the app.
/// </summary>
public static class DemoSite
{
    public const string Password = "Gongji#2024demo";

    public static async Task<(IReadOnlyList<DemoAccount> Accounts, string? HospitalKey)> EnsureAsync(GongjiStore store, TimeProvider clock, string county, CancellationToken ct = default)
    {
        await using (var db = store.CreateDb())
        {
            if (await db.Accounts.AnyAsync(ct))
            {
                return ([], null);
            }
        }
        await using var read = store.CreateDb();
        var township = await read.Households.AsNoTracking().Where(h => h.RegionCode.StartsWith(county)).Select(h => h.RegionCode.Substring(0, 9))
            .GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefaultAsync(ct);
        var options = new SecurityOptions { PasswordHashIterations = 100_000 };
        var accounts = new Accounts(store, clock, options);
        var made = new List<DemoAccount>
        {
            new("admin", Roles.Admin, "33", null),
            new("analyst", Roles.Analyst, county, null),
            new("civil", Roles.Civil, county, null),
            new("charity", Roles.Charity, county, null),
            new("union", Roles.Union, county, null),
            new("auditor", Roles.Auditor, "33", null),
        };
        if (township is not null)
        {
            made.Add(new("township", Roles.Township, county, township));
        }
        foreach (var a in made)
        {
            await accounts.CreateAsync(a.UserName, Roles.ChineseName(a.Role) + "（示范）", a.Role, a.Region, a.Township, Password, "demo", ct);
        }
        var (_, key) = await new HospitalKeys(store, clock).CreateAsync("示范医院", county, ct);
        return (made, key);
    }
}
