using Gongji.Audit;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Reference;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Households;

public sealed record WaterfallStep(string Payer, string Name, decimal Amount, decimal LeftAfter, string Clause, IReadOnlyList<string> Details);

/// <summary>
/// Households: a masked list, and one household's year — members, identities with validity, enrolment,
/// settlements and the payer waterfall with each step's clause. Names and ID numbers are masked unless
/// the role may see them and asks (full=true); every full read is audited.
/// </summary>
public static class HouseholdEndpoints
{
    public static void MapHouseholds(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/households").RequireAuthorization(Permission.ViewHouseholds.ToString()).WithTags("家庭 households");
        group.MapGet("", ListAsync);
        group.MapGet("/{id}", DetailAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, string? region, int? year, string? township, string? q, int? page)
    {
        var (county, y, refusal) = await http.CountyYearAsync(region, year, "list_households");
        if (refusal is not null)
        {
            return refusal;
        }
        var who = http.Who();
        if (township is not null && (township.Length != 9 || !township.StartsWith(county, StringComparison.Ordinal) || who.Township is not null && township != who.Township))
        {
            return await http.RefuseAsync("list_households", township, $"乡镇 {township} 不在您的辖区内");
        }
        var (data, notInForce) = await http.ComputedAsync(county, y);
        if (data is null)
        {
            return notInForce!;
        }
        var filter = who.Township ?? township;
        var warned = data.Result.Warnings.GroupBy(w => w.PsnNo).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rows = data.Result.Households
            .Where(h => filter is null || h.Household.Township == filter)
            .Where(h => string.IsNullOrWhiteSpace(q) || h.Household.Id.Contains(q.Trim(), StringComparison.OrdinalIgnoreCase) || h.Household.MemberPsnNos.Contains(q.Trim()))
            .OrderByDescending(h => h.PersonalBurden.Fen)
            .ToList();
        var size = 50;
        var p = Math.Max(1, page ?? 1);
        return Results.Ok(new
        {
            region = county,
            year = y,
            total = rows.Count,
            page = p,
            pageSize = size,
            households = rows.Skip((p - 1) * size).Take(size).Select(h => new
            {
                id = h.Household.Id,
                township = h.Household.Township,
                townshipName = h.Household.Township is null ? "" : Divisions.Zhejiang.NameOf(h.Household.Township),
                category = h.Category?.ToString().ToLowerInvariant(),
                categoryName = Waterfall.CategoryName(h.Category),
                members = h.Household.MemberPsnNos.Count,
                medfee = h.MedfeeSumamt.Yuan,
                capFund = h[Payer.CapFund].Yuan,
                burden = h.PersonalBurden.Yuan,
                warnings = h.Household.MemberPsnNos.Sum(m => warned.GetValueOrDefault(m)),
            }),
        });
    }

    private static async Task<IResult> DetailAsync(string id, HttpContext http, int? year, bool? full, GongjiStore store, AuditLog audit)
    {
        var who = http.Who();
        await using var db = store.CreateDb();
        var household = await db.Households.AsNoTracking().SingleOrDefaultAsync(h => h.HouseholdId == id, http.RequestAborted);
        if (household is null)
        {
            return Results.Problem(statusCode: 404, title: "未找到 (not found)", detail: $"没有家庭 {id}");
        }
        if (!who.Covers(household.RegionCode))
        {
            return await http.RefuseAsync("view_household", id, $"家庭 {id} 属于 {Divisions.Zhejiang.FullName(household.RegionCode)}，不在您的辖区内");
        }
        if (full == true && !who.May(Permission.RevealPersonalData))
        {
            return await http.RefuseAsync("read_full_personal_data", id, $"角色「{Roles.ChineseName(who.Role)}」不能查看完整姓名与身份证号");
        }
        var county = household.RegionCode[..6];
        var (_, y, refusal) = await http.CountyYearAsync(county, year, "view_household");
        if (refusal is not null)
        {
            return refusal;
        }
        var (data, notInForce) = await http.ComputedAsync(county, y);
        if (data is null)
        {
            return notInForce!;
        }
        var members = await db.Persons.AsNoTracking().Where(p => p.HouseholdId == id).OrderBy(p => p.PsnNo).ToListAsync(http.RequestAborted);
        var ids = members.Select(m => m.PsnNo).ToList();
        var identities = await db.Identities.AsNoTracking().Where(i => ids.Contains(i.PsnNo)).ToListAsync(http.RequestAborted);
        var enrolments = await db.Enrolments.AsNoTracking().Where(e => ids.Contains(e.PsnNo)).ToListAsync(http.RequestAborted);
        var settlements = await db.Settlements.AsNoTracking().Where(s => ids.Contains(s.PsnNo) && s.SetlYear == y).OrderBy(s => s.SetlTime).ToListAsync(http.RequestAborted);
        var aids = await db.Aids.AsNoTracking().Where(a => ids.Contains(a.PsnNo) && a.ExpenseYear == y).ToListAsync(http.RequestAborted);
        var reveal = full == true;
        if (reveal)
        {
            await audit.RecordAsync(who, "read_full_personal_data", id, "ok", $"{members.Count} members, year {y}", http.Address());
        }
        var result = data.Result.Households.FirstOrDefault(h => h.Household.Id == id);
        var today = DateOnly.FromDateTime(http.Service<TimeProvider>().GetLocalNow().Date);
        return Results.Ok(new
        {
            id,
            region = household.RegionCode,
            regionName = Divisions.Zhejiang.FullName(household.RegionCode),
            category = household.Category,
            categoryName = Waterfall.CategoryName(result?.Category),
            year = y,
            masked = !reveal,
            members = members.Select(m => new
            {
                psnNo = m.PsnNo,
                name = reveal ? m.PsnName : CertNumbers.MaskName(m.PsnName),
                certno = reveal ? m.Certno : CertNumbers.Mask(m.Certno),
                relation = m.Relation,
                gender = m.Gend,
                identities = identities.Where(i => i.PsnNo == m.PsnNo).OrderBy(i => i.Begntime).Select(i => new
                {
                    type = i.IdetType,
                    name = IdentityTypes.TryParse(i.IdetType, out var t) ? t.ChineseName() : i.IdetType,
                    from = i.Begntime,
                    to = i.Endtime,
                    validToday = i.Begntime <= today && (i.Endtime is null || i.Endtime >= today),
                    i.Level, i.IllnessInduced, i.GradualExit, i.Source,
                }),
                enrolments = enrolments.Where(e => e.PsnNo == m.PsnNo).OrderBy(e => e.Begndate).Select(e => new { e.Insutype, from = e.Begndate, to = e.Enddate, e.Subsidized }),
                medfee = data.ResultsById.TryGetValue(m.PsnNo, out var r) ? r.MedfeeSumamt.Yuan : 0m,
                burden = r?.BurdenAfterHouseholdTiers.Yuan ?? 0m,
                group = r is not null && r.Assisted ? r.Group.ChineseName() : null,
            }),
            settlements = settlements.Select(s => new
            {
                setlId = s.SetlId, psnNo = s.PsnNo, time = s.SetlTime, medType = s.MedType, hospital = s.FixmedinsName,
                medfee = Money.FromFen(s.MedfeeSumamtFen).Yuan,
                insurance = Money.FromFen(s.HifpPayFen + s.HifmiPayFen + s.HifobPayFen + s.CvlservPayFen + s.HifesPayFen + s.OthPayFen).Yuan,
                refund = s.RefdSetlFlag, s.Exclusion,
            }),
            aids = aids.Select(a => new { a.Payer, payerName = Payers.TryParse(a.Payer, out var p) ? p.ChineseName() : a.Payer, amount = Money.FromFen(a.AmountFen).Yuan, a.PayDate, a.VoucherNo }),
            waterfall = Steps(data.Result, id, ids),
            warnings = data.Result.Warnings.Where(w => ids.Contains(w.PsnNo)).Select(w => new
            {
                psnNo = w.PsnNo, kind = w.Kind.Id(), kindName = w.Kind.ChineseName(), group = w.Group.ChineseName(),
                @base = w.Base?.Yuan, line = w.Line?.Yuan, clause = w.Clause,
            }),
        });
    }

    /// <summary>The bill, then each payer in the order it bears the cost, with its clause and how it was computed.</summary>
    public static IReadOnlyList<WaterfallStep> Steps(RegionYearResult result, string householdId, IReadOnlyList<string> memberIds)
    {
        var household = result.Households.FirstOrDefault(h => h.Household.Id == householdId);
        var members = result.Persons.Where(p => memberIds.Contains(p.PsnNo)).ToList();
        var total = Money.Sum(members.Select(m => m.MedfeeSumamt));
        var steps = new List<WaterfallStep> { new("medfee_sumamt", "医疗总费用", total.Yuan, total.Yuan, "结算单 medfee_sumamt", [$"{members.Sum(m => m.SettlementCount)} 笔结算，{members.Count} 人"]) };
        var left = total;
        foreach (var payer in Payers.All)
        {
            var amount = payer == Payer.CapFund && household is not null ? household[payer] : Money.Sum(members.Select(m => m[payer]));
            if (amount.IsZero)
            {
                continue;
            }
            left -= amount;
            var lines = payer == Payer.CapFund && household is not null
                ? household.Lines.Where(l => l.Payer == payer).ToList()
                : members.SelectMany(m => m.Lines).Where(l => l.Payer == payer).ToList();
            var clause = lines.Select(l => l.Clause).FirstOrDefault(c => !string.IsNullOrEmpty(c)) ?? (payer.IsInsuranceFund() ? "结算单 " + payer.Id() : payer.IsAid() ? "部门支付记录 aids" : "");
            var details = lines.Where(l => l.Payer.IsAnnualTier() || l.Payer == Payer.MedicalAssistance).Take(8).Select(Waterfall.Detail).ToList();
            steps.Add(new WaterfallStep(payer.Id(), payer.ChineseName(), amount.Yuan, left.Yuan, clause, details));
        }
        steps.Add(new WaterfallStep("personal_burden", "个人负担", left.Yuan, left.Yuan, "", total.IsPositive ? [$"个人负担率 {left.Yuan / total.Yuan:P1}"] : []));
        return steps;
    }
}
