using System.Security.Claims;
using Gongji.Audit;
using Gongji.Reference;
using Gongji.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Security;

public sealed record SignInRequest(string UserName, string Password, string? Code);

public sealed record PasswordChange(string Current, string Replacement);

public sealed record NewAccount(string UserName, string DisplayName, string Role, string Region, string? Township, string? Password);

public sealed record Me(string UserName, string DisplayName, string Role, string RoleName, string Region, string RegionName, string? Township, string? TownshipName, IReadOnlyList<string> Permissions, bool MustChangePassword);

/// <summary>Sign-in, sign-out, who am I, password and one-time codes; accounts for administrators.</summary>
public static class SessionEndpoints
{
    public static void MapSession(this RouteGroupBuilder api)
    {
        api.MapPost("/session", SignInAsync).AllowAnonymous().WithTags("登录 session");
        api.MapDelete("/session", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).WithTags("登录 session");
        var me = api.MapGroup("/me").RequireAuthorization(Permission.ViewAggregates.ToString()).WithTags("登录 session");
        me.MapGet("", (HttpContext http) => Results.Ok(Describe(http.Who(), http.User.FindFirstValue("gongji:must_change") == "true")));
        me.MapPost("/password", async (PasswordChange change, HttpContext http, Accounts accounts, AuditLog audit) =>
        {
            var who = http.Who();
            var refusal = await accounts.ChangePasswordAsync(who.UserName, change.Current, change.Replacement, http.RequestAborted);
            await audit.RecordAsync(who, "change_password", who.UserName, refusal is null ? "ok" : "refused", refusal, http.Address());
            if (refusal is not null)
            {
                return Http.Invalid(refusal);
            }
            await SignInCookieAsync(http, who, mustChange: false);
            return Results.NoContent();
        });
        me.MapPost("/totp", async (HttpContext http, Accounts accounts, AuditLog audit) =>
        {
            var who = http.Who();
            var secret = await accounts.EnableTotpAsync(who.UserName, http.RequestAborted);
            await audit.RecordAsync(who, "enable_totp", who.UserName, "ok", null, http.Address());
            return Results.Ok(new { secret, uri = Totp.Uri(secret, who.UserName) });
        });
    }

    public static void MapAccounts(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/accounts").RequireAuthorization(Permission.ManageAccounts.ToString()).WithTags("账户 accounts");
        accounts.MapGet("", async (HttpContext http, Accounts service) =>
            Results.Ok((await service.ListAsync(http.Who(), http.RequestAborted)).Select(a => new
            {
                a.UserName, a.DisplayName, a.Role, roleName = Roles.ChineseName(a.Role), a.Region, a.Township,
                locked = a.LockedUntil is not null, a.Disabled, totp = a.TotpSecret is not null, a.CreatedAt,
            })));
        accounts.MapPost("", async (NewAccount request, HttpContext http, Accounts service, AuditLog audit) =>
        {
            var who = http.Who();
            if (!who.Covers(request.Region))
            {
                return await http.RefuseAsync("create_account", request.UserName, $"不能在辖区外（{request.Region}）开设账户");
            }
            try
            {
                var (row, password) = await service.CreateAsync(request.UserName, request.DisplayName, request.Role, request.Region, request.Township, request.Password, who.UserName, http.RequestAborted);
                await audit.RecordAsync(who, "create_account", row.UserName, "ok", $"role {row.Role}, region {row.Region}{(row.Township is null ? "" : ", township " + row.Township)}", http.Address());
                return Results.Ok(new { row.UserName, row.Role, row.Region, row.Township, initialPassword = request.Password is null ? password : null });
            }
            catch (ArgumentException e)
            {
                return Http.Invalid(e.Message);
            }
        });
    }

    private static async Task<IResult> SignInAsync(SignInRequest request, HttpContext http, Accounts accounts, AuditLog audit)
    {
        var outcome = await accounts.SignInAsync(request.UserName ?? "", request.Password ?? "", request.Code, http.RequestAborted);
        if (outcome.User is not { } user)
        {
            await audit.RecordAsync(null, "sign_in", request.UserName ?? "", "refused", outcome.Refusal, http.Address());
            return Results.Json(new { refusal = outcome.Refusal, needsCode = outcome.NeedsTotp }, statusCode: StatusCodes.Status401Unauthorized);
        }
        await SignInCookieAsync(http, user, outcome.MustChangePassword);
        await audit.RecordAsync(user, "sign_in", user.UserName, "ok", null, http.Address());
        return Results.Ok(Describe(user, outcome.MustChangePassword));
    }

    private static async Task SignInCookieAsync(HttpContext http, UserScope user, bool mustChange)
    {
        var claims = user.Claims().Append(new Claim("gongji:must_change", mustChange ? "true" : "false"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
    }

    public static Me Describe(UserScope who, bool mustChange) => new(
        who.UserName, who.DisplayName, who.Role, Roles.ChineseName(who.Role), who.Region, Divisions.Zhejiang.FullName(who.Region),
        who.Township, who.Township is null ? null : Divisions.Zhejiang.NameOf(who.Township),
        Enum.GetValues<Permission>().Where(who.May).Select(p => p.ToString()).ToList(), mustChange);
}
