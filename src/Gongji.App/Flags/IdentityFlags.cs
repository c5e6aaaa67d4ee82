using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

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
    // One indexed query (persons by psn_no or certno, their household's region, today's identities) on a
    // pooled connection: a doctor's workstation waits on this, so no change tracking or model building.
    private const string Sql = """
        SELECT COALESCE(h.region_code, p.insuplc_admdvs), i.idet_type, i.endtime, i.level, i.illness_induced, i.gradual_exit
        FROM persons p
        LEFT JOIN households h ON h.household_id = p.household_id
        LEFT JOIN identities i ON i.psn_no = p.psn_no AND i.begntime <= @today AND (i.endtime IS NULL OR i.endtime >= @today)
        WHERE p.{0} = @id
        """;

    public async Task<IdentityFlag?> FlagAsync(string? psnNo, string? certno, string region, CancellationToken ct = default)
    {
        var id = psnNo ?? CertNumbers.Normalise(certno!).Normalised ?? certno!.Trim().ToUpperInvariant();
        var today = DateOnly.FromDateTime(clock.GetLocalNow().Date);
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, Sql, psnNo is null ? "certno" : "psn_no");
        GongjiStore.AddParameter(command, "@id", id);
        GongjiStore.AddParameter(command, "@today", store.Provider == StoreProvider.Sqlite ? today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : today);
        await using var reader = await command.ExecuteReaderAsync(ct);
        string? home = null;
        var categories = new List<(int Order, FlagCategory Category)>();
        while (await reader.ReadAsync(ct))
        {
            home ??= reader.IsDBNull(0) ? null : reader.GetString(0);
            if (reader.IsDBNull(1))
            {
                continue;
            }
            var type = reader.GetString(1);
            var known = IdentityTypes.TryParse(type, out var t);
            DateOnly? validTo = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2);
            int? level = reader.IsDBNull(3) ? null : Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture);
            categories.Add((known ? (int)t : 99, new FlagCategory(type, known ? t.ChineseName() : type, level,
                Convert.ToBoolean(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture), Convert.ToBoolean(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture), validTo)));
        }
        if (home is null || !home.StartsWith(region, StringComparison.Ordinal))
        {
            return null; // unknown, or not this hospital's region: the same answer
        }
        var ordered = categories.OrderBy(c => c.Order).Select(c => c.Category).ToList();
        return new IdentityFlag(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ordered.Count > 0, ordered);
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
