using System.Text.Json;
using System.Text.Json.Serialization;
using Gongji.Applications;
using Gongji.Audit;
using Gongji.Enrolment;
using Gongji.Flags;
using Gongji.Funds;
using Gongji.Households;
using Gongji.Loading;
using Gongji.Outreach;
using Gongji.Overview;
using Gongji.Parameters;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Gongji.Warnings;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gongji.Web;

/// <summary>Where uploads and the session keys are kept (configuration "Data", else GONGJI_DATA, else ./data).</summary>
public sealed record DataFolder(string Path);

/// <summary>
/// The web app and its API (issue #6): what Gongji serves, in the order a request meets it. Settings:
/// "Db" (a SQLite path or a PostgreSQL URL, as the command line's --db), "Security" (password policy,
/// lockout, session timeout, one-time codes), "FollowUp" (dispatch rules and deadlines of warnings).
/// The cookie's session timeout is read from the configuration; the other options from the services.
/// </summary>
public static class GongjiWeb
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        var data = new DataFolder(Path.GetFullPath(builder.Configuration["Data"] ?? Environment.GetEnvironmentVariable("GONGJI_DATA") ?? "data"));
        builder.Services.AddSingleton(data);
        // Session cookies stay valid across restarts: the keys live beside the data, not in the user's profile.
        builder.Services.AddDataProtection().SetApplicationName("Gongji").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data.Path, "keys")));

        var security = builder.Configuration.GetSection("Security").Get<SecurityOptions>() ?? new SecurityOptions();
        var followUp = builder.Configuration.GetSection("FollowUp").Get<FollowUpOptions>() ?? new FollowUpOptions();
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(followUp);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => GongjiStore.FromSetting(builder.Configuration["Db"]));
        builder.Services.AddSingleton<Accounts>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<HospitalKeys>();
        builder.Services.AddSingleton<RegionResults>();
        builder.Services.AddSingleton<FollowUp>();
        builder.Services.AddSingleton<ImportJobs>();
        builder.Services.AddSingleton<IdentityFlags>();
        builder.Services.AddSingleton<Ledger>();
        builder.Services.AddSingleton<FundService>();
        builder.Services.AddSingleton<ApplicationService>();
        builder.Services.AddSingleton<Payments>();

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "共济 Gongji API";
            doc.Info.Description = "因病致贫返贫防范：登记、结算、梯次减负、预警处置、政策找人、自动标识。除 /api/flag（医院 API Key）外均需登录，按角色与辖区授权。";
            return Task.CompletedTask;
        }));
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/geo+json"]);
        });

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "gongji";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict; // with JSON-only endpoints, no cross-site request carries the session
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(security.SessionTimeoutMinutes);
                o.SlidingExpiration = true;
                // An API answers 401/403; it never redirects to a sign-in page.
                o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, HospitalKeyHandler>(HospitalKeyHandler.SchemeName, null);
        builder.Services.AddAuthorization(o =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                o.AddPolicy(permission.ToString(), p =>
                {
                    p.AddAuthenticationSchemes(permission == Permission.IdentityFlag ? HospitalKeyHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme);
                    p.RequireAuthenticatedUser();
                    p.RequireAssertion(c => UserScope.From(c.User) is { } who && who.May(permission));
                });
            }
        });

        // Last, so that a host (the command line, a test) can put its own store, clock or options in.
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseResponseCompression();
        app.Use(SecurityHeaders);
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = new Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider { Mappings = { [".json"] = "application/json" } },
        });
        app.UseAuthentication();
        app.Use(PasswordChangeFirst);
        app.UseAuthorization();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Gongji API v1");
            o.RoutePrefix = "api-docs";
            o.DocumentTitle = "共济 Gongji API";
        });

        var api = app.MapGroup("/api");
        api.MapSession();
        api.MapAccounts();
        api.MapOverview();
        api.MapHouseholds();
        api.MapWarnings();
        api.MapOutreach();
        api.MapEnrolment();
        api.MapImports();
        api.MapRuns();
        api.MapFunds();
        api.MapApplications();
        api.MapParameters();
        api.MapAuditLog();
        api.MapIdentityFlag();
        app.MapFallbackToFile("index.html");
        return app;
    }

    /// <summary>A password that is generated or too old must be changed before anything else (等保 8.1.4.1).</summary>
    private static async Task PasswordChangeFirst(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path;
        if (context.User.FindFirst("gongji:must_change")?.Value == "true" && path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !path.StartsWithSegments("/api/me", StringComparison.Ordinal) && !path.StartsWithSegments("/api/session", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { title = "请先修改密码 (change your password first)", status = 403 });
            return;
        }
        await next();
    }

    /// <summary>Headers every answer carries: no framing, no sniffing, scripts only from the app itself, no caching of personal data.</summary>
    private static async Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!context.Request.Path.StartsWithSegments("/api-docs", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'";
        }
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            headers.CacheControl = "no-store";
        }
        await next();
    }
}
