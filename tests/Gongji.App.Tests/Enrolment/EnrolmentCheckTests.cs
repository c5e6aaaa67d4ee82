using Gongji.App.Tests.Store;
using Gongji.Engine;
using Gongji.Enrolment;
using Gongji.Runs;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Enrolment;

[Collection(StoreCollection.Name)]
public sealed class EnrolmentCheckTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_people_without_cover_are_those_the_engine_warns_about_and_Wenzhou_also_checks_the_subsidy(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        await DemoData.LoadAsync(store, "330324", 500, 2024); // 永嘉县, under 温政办〔2021〕78号
        var gaps = await EnrolmentCheck.BuildAsync(store, "330324", 2024);
        var (input, _, _) = await StoreSnapshot.ReadAsync(store, "330324", 2024, new Dictionary<string, decimal>());
        var warned = PayerEngine.Compute(input).Warnings.Where(w => w.Kind == WarningKind.EnrollmentGap).Select(w => w.PsnNo).ToHashSet();
        var notEnrolled = gaps.Where(g => g.Kind == EnrolmentCheck.NotEnrolled).Select(g => g.PsnNo).ToHashSet();
        Assert.NotEmpty(notEnrolled);
        Assert.Subset(warned, notEnrolled); // every gap on a due day is also an enrollment_gap warning
        Assert.All(gaps, g => Assert.Contains("*", g.Certno, StringComparison.Ordinal));

        // Take the subsidy away from one assisted person's enrolment: the check finds exactly those days.
        await using var db = store.CreateDb();
        var assisted = await db.Identities.Where(i => (i.IdetType == "dibao" || i.IdetType == "dibian" || i.IdetType == "tekun") && i.Endtime > new DateOnly(2024, 12, 31) && i.Begntime < new DateOnly(2023, 6, 1)).Select(i => i.PsnNo).ToListAsync();
        var target = await db.Enrolments.Where(e => assisted.Contains(e.PsnNo) && e.Subsidized && e.Enddate == null && e.Begndate < new DateOnly(2024, 1, 1)).OrderBy(e => e.PsnNo).FirstAsync();
        Assert.DoesNotContain(gaps, g => g.PsnNo == target.PsnNo && g.Kind == EnrolmentCheck.NotSubsidised);
        target.Subsidized = false;
        await db.SaveChangesAsync();
        var after = await EnrolmentCheck.BuildAsync(store, "330324", 2024);
        var lost = Assert.Single(after, g => g.PsnNo == target.PsnNo && g.Kind == EnrolmentCheck.NotSubsidised);
        Assert.Equal(new DateOnly(2024, 1, 1), lost.From);
        Assert.Equal("温政办〔2021〕78号 三（三）8", lost.Clause);
    }
}
