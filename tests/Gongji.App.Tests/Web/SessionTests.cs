using System.Net;
using System.Net.Http.Json;
using Gongji.Security;

namespace Gongji.App.Tests.Web;

/// <summary>Sign-in under the 等保 password policy: same answer for unknown users, lockout, first-sign-in change, one-time codes.</summary>
[Collection(WebCollection.Name)]
public sealed class SessionTests(WebSite site)
{
    private async Task<HttpResponseMessage> SignInAsync(HttpClient client, string user, string password, string? code = null) =>
        await client.PostAsJsonAsync("/api/session", new { userName = user, password, code });

    [Fact]
    public async Task Unknown_users_and_wrong_passwords_get_the_same_answer_and_repeated_failures_lock_the_account()
    {
        var user = "lock_" + Guid.NewGuid().ToString("N")[..6];
        await new Accounts(site.Store, TimeProvider.System, WebSite.Security()).CreateAsync(user, "锁定测试", Roles.Analyst, WebSite.County, null, WebSite.Password, "test");
        using var client = await site.ClientAsync();
        var unknown = await (await SignInAsync(client, "nobody_" + user, "whatever")).Content.ReadAsStringAsync();
        var wrong = await SignInAsync(client, user, "Wrong-password-1");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(unknown, await wrong.Content.ReadAsStringAsync());
        await SignInAsync(client, user, "Wrong-password-2");
        var third = await SignInAsync(client, user, "Wrong-password-3"); // MaxFailedAttempts = 3 on this site
        Assert.Contains("锁定", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var right = await SignInAsync(client, user, WebSite.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Contains("锁定", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_made_with_a_generated_password_must_change_it_before_anything_else()
    {
        using var admin = await site.ClientAsync(WebSite.UserFor(Roles.Admin));
        var weak = await admin.PostAsJsonAsync("/api/accounts", new { userName = "weak_pw", displayName = "x", role = Roles.Analyst, region = WebSite.County, township = (string?)null, password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("至少 12 位", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var user = "new_" + Guid.NewGuid().ToString("N")[..6];
        var made = await WebSite.JsonAsync(await admin.PostAsJsonAsync("/api/accounts", new { userName = user, displayName = "新分析员", role = Roles.Analyst, region = WebSite.County, township = (string?)null, password = (string?)null }));
        var initial = made.GetProperty("initialPassword").GetString()!;

        using var client = await site.ClientAsync();
        var me = await WebSite.JsonAsync(await SignInAsync(client, user, initial));
        Assert.True(me.GetProperty("mustChangePassword").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/overview?region={WebSite.County}")).StatusCode);
        var same = await client.PostAsJsonAsync("/api/me/password", new { current = initial, replacement = initial });
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/me/password", new { current = initial, replacement = "A-much-better-pw-9" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/overview?region={WebSite.County}")).StatusCode);
    }

    [Fact]
    public async Task With_one_time_codes_enabled_the_password_alone_is_not_enough()
    {
        var user = "totp_" + Guid.NewGuid().ToString("N")[..6];
        await new Accounts(site.Store, TimeProvider.System, WebSite.Security()).CreateAsync(user, "动态口令", Roles.Civil, WebSite.County, null, WebSite.Password, "test");
        using var client = await site.ClientAsync(user);
        var secret = (await WebSite.JsonAsync(await client.PostAsync("/api/me/totp", null))).GetProperty("secret").GetString()!;
        await client.DeleteAsync("/api/session");

        using var fresh = await site.ClientAsync();
        var without = await SignInAsync(fresh, user, WebSite.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.True((await WebSite.JsonAsync(new HttpResponseMessage(HttpStatusCode.OK) { Content = without.Content })).GetProperty("needsCode").GetBoolean());
        // The code of ten minutes from now is a wrong code now (it could collide with one of the three accepted ones once in ~300,000).
        var wrongCode = Totp.Code(secret, DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.True(Totp.Verify(secret, wrongCode, DateTimeOffset.UtcNow) || (await SignInAsync(fresh, user, WebSite.Password, wrongCode)).StatusCode == HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(fresh, user, WebSite.Password, Totp.Code(secret, DateTimeOffset.UtcNow))).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        using var client = await site.ClientAsync(WebSite.UserFor(Roles.Analyst));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        await client.DeleteAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }
}
