using System.Net;
using System.Net.Http.Json;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gongji.App.Tests.Security;

/// <summary>An idle session ends after the configured minutes, and lockouts end after theirs (等保 8.1.4.1), on the app's injected clock.</summary>
public sealed class SessionTimeoutTests
{
    [Fact]
    public async Task An_idle_session_ends_after_the_timeout_and_an_active_one_slides()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-timeout-" + Guid.NewGuid().ToString("N")[..8]);
        var store = GongjiStore.Sqlite(Path.Combine(folder, "gongji.db"));
        await store.MigrateAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new SecurityOptions { PasswordHashIterations = 1_000, SessionTimeoutMinutes = 30, MaxFailedAttempts = 2, LockoutMinutes = 10 };
        await new Accounts(store, clock, options).CreateAsync("clerk", "科员", Roles.Analyst, "330108", null, "Idle-session-2024", "test");
        await using var app = GongjiWeb.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Data"] = folder;
            builder.Configuration["Security:SessionTimeoutMinutes"] = "30";
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton<TimeProvider>(clock);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(address) };

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { userName = "clerk", password = "Idle-session-2024" })).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode); // active: the session slides on
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        // Two wrong passwords lock the account for ten minutes; then the right one works again.
        await client.PostAsJsonAsync("/api/session", new { userName = "clerk", password = "wrong-1" });
        await client.PostAsJsonAsync("/api/session", new { userName = "clerk", password = "wrong-2" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/session", new { userName = "clerk", password = "Idle-session-2024" })).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { userName = "clerk", password = "Idle-session-2024" })).StatusCode);
    }
}
