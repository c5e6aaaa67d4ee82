using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Flags;

public sealed record FlagCategory(string Type, string Name, int? Level, bool IllnessInduced, bool GradualExit, DateOnly? ValidTo);

public sealed record IdentityFlag(string Date, bool Assisted, IReadOnlyList<FlagCategory> Categories);

/// <summary>
/// 自动标识 (issue #4): a doctor's workstation asks with a psn_no or an ID number and gets the person's
/// assisted categories valid today — nothing else personal. Only people of the hospital key's region are
/// answered; anyone else gets the same answer as someone unknown.
/// </summary>
public sealed class IdentityFlags(GongjiStore store, TimeProvider clock)
{
    public async Task<IdentityFlag?> FlagAsync(string? psnNo, string? certno, string region, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var query = db.Persons.AsNoTracking();
        if (psnNo is not null)
        {
            query = query.Where(p => p.PsnNo == psnNo);
        }
        else
        {
            var normalised = CertNumbers.Normalise(certno!).Normalised ?? certno!.Trim().ToUpperInvariant();
            query = query.Where(p => p.Certno == normalised);
        }
        var person = await query.Select(p => new { p.PsnNo, p.InsuplcAdmdvs, Household = db.Households.Where(h => h.HouseholdId == p.HouseholdId).Select(h => h.RegionCode).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        var home = person?.Household ?? person?.InsuplcAdmdvs;
        if (person is null || home is null || !home.StartsWith(region, StringComparison.Ordinal))
        {
            return null;
        }
        var today = DateOnly.FromDateTime(clock.GetLocalNow().Date);
        var identities = await db.Identities.AsNoTracking()
            .Where(i => i.PsnNo == person.PsnNo && i.Begntime <= today && (i.Endtime == null || i.Endtime >= today))
            .ToListAsync(ct);
        var categories = identities
            .OrderBy(i => IdentityTypes.TryParse(i.IdetType, out var t) ? (int)t : 99)
            .Select(i => new FlagCategory(i.IdetType, IdentityTypes.TryParse(i.IdetType, out var t) ? t.ChineseName() : i.IdetType, i.Level, i.IllnessInduced, i.GradualExit, i.Endtime))
            .ToList();
        return new IdentityFlag(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), categories.Count > 0, categories);
    }
}

public static class FlagEndpoints
{
    public static void MapIdentityFlag(this RouteGroupBuilder api)
    {
        api.MapGet("/flag", async (HttpContext http, string? psn_no, string? cert_no, IdentityFlags flags) =>
        {
            if (string.IsNullOrWhiteSpace(psn_no) == string.IsNullOrWhiteSpace(cert_no))
            {
                return Http.Invalid("give exactly one of psn_no or cert_no");
            }
            var flag = await flags.FlagAsync(psn_no?.Trim(), cert_no?.Trim(), http.Who().Region, http.RequestAborted);
            return flag is null
                ? Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: "本地区无此参保人 (no such person in this region)")
                : Results.Ok(flag);
        }).RequireAuthorization(Permission.IdentityFlag.ToString()).WithTags("自动标识 identity flag");
    }
}
