using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using Gongji.Engine.Rules;
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

namespace Gongji.Enrolment;

/// <summary>An assisted person whose cover (or, in Wenzhou, subsidised cover) is missing on days it is due.</summary>
public sealed record EnrolmentGap(string Township, string TownshipName, string PsnNo, string Name, string Certno, string Kind, string KindName, DateOnly From, DateOnly To, int Days, string Clause);

/// <summary>
/// 资助参保核查 (issue #4): the assisted people of a county-year without valid enrolment on days cover is
/// due — and, where the policy keeps the subsidy to the end of the year of exit (温州 三（三）8), those
/// enrolled without the subsidy. Names and ID numbers masked.
/// </summary>
public static class EnrolmentCheck
{
    public const string NotEnrolled = "not_enrolled";
    public const string NotSubsidised = "not_subsidised";

    public static async Task<IReadOnlyList<EnrolmentGap>> BuildAsync(GongjiStore store, string county, int year, CancellationToken ct = default)
    {
        var parameters = await new Parameters.DeploymentParameters(store, TimeProvider.System).ForRunAsync(county, year, ct);
        var (input, _, _) = await StoreSnapshot.ReadAsync(store, county, year, parameters, ct);
        return await BuildAsync(store, county, input, ct);
    }

    /// <summary>The check on a county-year's registry already read (the web app keeps one per county and year).</summary>
    public static async Task<IReadOnlyList<EnrolmentGap>> BuildAsync(GongjiStore store, string county, RegionYearInput input, CancellationToken ct = default)
    {
        var year = input.Year;
        var policy = RegionPolicy.For(ParameterBook.Default, county, year, input.Parameters);
        var keepToYearEnd = policy.Parameters.Optional("enrolment.subsidy_to_year_end") == 1m;
        await using var db = store.CreateDb();
        var enrolments = (await db.Enrolments.AsNoTracking().ToListAsync(ct)).ToLookup(e => e.PsnNo, StringComparer.Ordinal);
        var assisted = input.Persons.Where(p => p.Identities.Any(i => i.Type.IsDifficult() && i.Validity.Overlaps(DateRange.Year(year)))).ToList();
        var ids = assisted.Select(p => p.PsnNo).ToHashSet(StringComparer.Ordinal);
        var people = (await db.Persons.AsNoTracking().Select(p => new { p.PsnNo, p.PsnName, p.Certno }).ToListAsync(ct))
            .Where(p => ids.Contains(p.PsnNo)).ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        var gaps = new List<EnrolmentGap>();
        foreach (var person in assisted)
        {
            var due = SubsidisedEnrolment.Due(person.Identities, year, keepToYearEnd);
            var held = enrolments[person.PsnNo].ToList();
            var township = person.Region.Length >= 9 ? person.Region[..9] : "";
            people.TryGetValue(person.PsnNo, out var who);
            void Add(string kind, string name, DateRange range) => gaps.Add(new EnrolmentGap(
                township, township.Length == 0 ? "（未登记乡镇）" : Divisions.Zhejiang.NameOf(township), person.PsnNo,
                CertNumbers.MaskName(who?.PsnName), CertNumbers.Mask(who?.Certno), kind, name, range.From, range.To,
                range.To.DayNumber - range.From.DayNumber + 1, keepToYearEnd ? SubsidisedEnrolment.Clause : "cases.md enrollment_gap（当月参保，次月生效）"));
            var notEnrolled = SubsidisedEnrolment.Missing(due, held.Select(Range));
            foreach (var range in notEnrolled)
            {
                Add(NotEnrolled, "应参保未参保", range);
            }
            if (keepToYearEnd)
            {
                // Enrolled on those days, but not with the subsidy the policy keeps for them.
                var enrolledDays = SubsidisedEnrolment.Missing(due, notEnrolled);
                foreach (var range in SubsidisedEnrolment.Missing(enrolledDays, held.Where(e => e.Subsidized).Select(Range)))
                {
                    Add(NotSubsidised, "已参保未资助", range);
                }
            }
        }
        return gaps.OrderBy(g => g.Township, StringComparer.Ordinal).ThenBy(g => g.PsnNo, StringComparer.Ordinal).ThenBy(g => g.From).ToList();
    }

    private static DateRange Range(EnrolmentRow e) => new(e.Begndate, e.Enddate ?? DateOnly.MaxValue);

    public static void MapEnrolment(this RouteGroupBuilder api)
    {
        api.MapGet("/enrolment/gaps", async (HttpContext http, string? region, int? year, GongjiStore store) =>
        {
            var (data, refusal) = await http.CountyYearDataAsync(region, year, "view_enrolment_gaps");
            if (data is null)
            {
                return refusal!;
            }
            var gaps = await BuildAsync(store, data.County, data.Input, http.RequestAborted);
            var township = http.Who().Township;
            return Results.Ok(new { region = data.County, year = data.Year, gaps = township is null ? gaps : gaps.Where(g => g.Township == township).ToList() });
        }).RequireAuthorization(Permission.ViewOutreach.ToString()).WithTags("资助参保 enrolment");
    }
}
