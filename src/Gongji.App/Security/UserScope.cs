using System.Security.Claims;

namespace Gongji.Security;

/// <summary>
/// Who is asking and which part of Zhejiang they may see: a province, city or county account sees the
/// divisions under its code; a township account only its own township (issue #6).
/// </summary>
public sealed record UserScope(string UserName, string DisplayName, string Role, string Region, string? Township)
{
    public const string RegionClaim = "gongji:region";
    public const string TownshipClaim = "gongji:township";
    public const string DisplayClaim = "gongji:display";

    /// <summary>The division code every row this user sees must start with.</summary>
    public string Prefix => Township ?? Region;

    /// <summary>Whether a division code (county, township, village) lies inside what this user may see.</summary>
    public bool Covers(string? divisionCode) =>
        divisionCode is not null && divisionCode.StartsWith(Prefix, StringComparison.Ordinal);

    public bool May(Permission permission) => Roles.Allows(Role, permission);

    public static UserScope? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var name = user.FindFirstValue(ClaimTypes.Name);
        var role = user.FindFirstValue(ClaimTypes.Role);
        var region = user.FindFirstValue(RegionClaim);
        if (name is null || role is null || region is null)
        {
            return null;
        }
        return new UserScope(name, user.FindFirstValue(DisplayClaim) ?? name, role, region, user.FindFirstValue(TownshipClaim));
    }

    public IEnumerable<Claim> Claims()
    {
        yield return new Claim(ClaimTypes.Name, UserName);
        yield return new Claim(DisplayClaim, DisplayName);
        yield return new Claim(ClaimTypes.Role, Role);
        yield return new Claim(RegionClaim, Region);
        if (Township is not null)
        {
            yield return new Claim(TownshipClaim, Township);
        }
    }
}
