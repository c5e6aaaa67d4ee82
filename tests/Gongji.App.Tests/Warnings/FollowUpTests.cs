using Gongji.App.Tests.Store;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Security;
using Gongji.Store;
using Gongji.Warnings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Gongji.App.Tests.Warnings;

/// <summary>The follow-up loop on both stores, with an injected clock for the deadlines.</summary>
[Collection(StoreCollection.Name)]
public sealed class FollowUpTests(PostgresServer postgres)
{
    private static readonly UserScope Civil = new("civil1", "民政", Roles.Civil, "330108", null);
    private static readonly UserScope Township = new("town1", "街道", Roles.Township, "330108", "330108001");
    private static readonly UserScope Admin = new("admin1", "医保局", Roles.Admin, "330108", null);

    private static (IReadOnlyList<Warning> Warnings, IReadOnlyList<Person> Persons) Sample()
    {
        Person P(string id, string region) => new() { PsnNo = id, Region = region, Identities = [] };
        var persons = new[] { P("P1", "330108002001"), P("P2", "330108001002"), P("P3", "330108") };
        var warnings = new[]
        {
            new Warning("P1", WarningKind.Relapse, MonitoringGroup.Key, new Money(25000m), new Money(20000m), "滨政办函〔2024〕1号 三（一）"),
            new Warning("P2", WarningKind.Impoverishment, MonitoringGroup.Potential, new Money(90000m), new Money(77043m), "杭政办函〔2022〕70号 二（一）"),
            new Warning("P3", WarningKind.EnrollmentGap, MonitoringGroup.Key, null, null, "温州 资助参保"),
        };
        return (warnings, persons);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Warnings_are_dispatched_by_rule_and_become_overdue_when_a_deadline_passes(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        var followUp = new FollowUp(store, clock, new FollowUpOptions());
        var (warnings, persons) = Sample();
        Assert.Equal(3, await followUp.SyncAsync("330108", 2024, warnings, persons, 1));
        Assert.Equal(0, await followUp.SyncAsync("330108", 2024, warnings, persons, 2)); // a second run adds nothing

        var cases = await followUp.ListAsync(Admin, "330108", 2024, null, null, false);
        Assert.Equal(["civil", "township:330108001", "medical_insurance"], cases.OrderBy(c => c.PsnNo).Select(c => c.Assignee));
        Assert.All(cases, c => Assert.Equal(FollowUp.Dispatched, c.State));
        Assert.Empty(await followUp.ListAsync(Admin, "330108", 2024, null, null, true));

        clock.Advance(TimeSpan.FromDays(3)); // dispatched cases must be acknowledged within 2 days
        Assert.Equal(3, (await followUp.ListAsync(Admin, "330108", 2024, null, null, true)).Count);
        var p1 = cases.Single(c => c.PsnNo == "P1");
        var acknowledged = await followUp.TransitionAsync(p1.Id, "acknowledge", Civil, null, null, null);
        Assert.Null(acknowledged.Refusal);
        Assert.False(followUp.IsOverdue(acknowledged.Case!));
        Assert.Equal(clock.GetUtcNow().AddDays(7), acknowledged.Case!.DueAt);
        Assert.Equal(2, (await followUp.ListAsync(Admin, "330108", 2024, null, null, true)).Count);

        // Township staff see their own township's case only.
        Assert.Equal(["P2"], (await followUp.ListAsync(Township, "330108", 2024, null, null, false)).Select(c => c.PsnNo));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task An_invalid_transition_is_refused_with_the_reason_and_changes_nothing(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var followUp = new FollowUp(store, TimeProvider.System, new FollowUpOptions());
        var (warnings, persons) = Sample();
        await followUp.SyncAsync("330108", 2024, warnings, persons, 1);
        var p1 = (await followUp.ListAsync(Admin, "330108", 2024, null, null, false)).Single(c => c.PsnNo == "P1");

        var close = await followUp.TransitionAsync(p1.Id, "close", Civil, null, null, null);
        Assert.Contains("已派发", close.Refusal, StringComparison.Ordinal);
        Assert.Contains("acknowledge", close.Refusal, StringComparison.Ordinal);
        var wrongHands = await followUp.TransitionAsync(p1.Id, "acknowledge", Township, null, null, null);
        Assert.NotNull(wrongHands.Refusal);
        Assert.Null(wrongHands.Case); // another township's case is not even there for this user

        await using var db = store.CreateDb();
        Assert.Equal(FollowUp.Dispatched, (await db.WarningCases.SingleAsync(c => c.Id == p1.Id)).State);
        Assert.Equal(2, await db.WarningSteps.CountAsync(s => s.CaseId == p1.Id));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Of_many_clerks_acting_at_once_exactly_one_step_is_taken(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var followUp = new FollowUp(store, TimeProvider.System, new FollowUpOptions());
        var (warnings, persons) = Sample();
        await followUp.SyncAsync("330108", 2024, warnings, persons, 1);
        var p1 = (await followUp.ListAsync(Admin, "330108", 2024, null, null, false)).Single(c => c.PsnNo == "P1");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await followUp.TransitionAsync(p1.Id, "acknowledge", Civil, null, null, null);
            }
            catch (DbUpdateException e)
            {
                return new CaseOutcome(null, e.Message); // SQLite: the store was busy; the step was not taken
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                return new CaseOutcome(null, e.Message);
            }
        })));
        Assert.Equal(1, outcomes.Count(o => o.Refusal is null));
        await using var db = store.CreateDb();
        Assert.Equal(1, await db.WarningSteps.CountAsync(s => s.CaseId == p1.Id && s.Action == "acknowledge"));
        Assert.Equal(FollowUp.Acknowledged, (await db.WarningCases.SingleAsync(c => c.Id == p1.Id)).State);
    }

    [Fact]
    public void The_response_rate_is_visited_or_closed_cases_over_all_cases()
    {
        WarningCaseRow Case(string state) => new() { Region = "330108", PsnNo = "P", Kind = "relapse", MonitoringGroup = "key", Clause = "", State = state };
        Assert.Null(FollowUp.ResponseRate([]));
        Assert.Equal(0.5m, FollowUp.ResponseRate([Case("closed"), Case("visited"), Case("dispatched"), Case("acknowledged")]));
    }
}
