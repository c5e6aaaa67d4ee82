using Gongji.App.Tests.Store;
using Gongji.Flags;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Gongji.App.Tests.Flags;

/// <summary>The identity flag's one query, on both stores, against what the registry says (dated with an injected clock).</summary>
[Collection(StoreCollection.Name)]
public sealed class IdentityFlagsTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_flag_lists_exactly_the_identities_valid_on_the_day(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        await DemoData.LoadAsync(store, "330108", 300, 2024);
        var day = new DateOnly(2024, 7, 1);
        var clock = new FakeTimeProvider(new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var flags = new IdentityFlags(store, clock);
        await using var db = store.CreateDb();
        var identities = await db.Identities.AsNoTracking().ToListAsync();
        var persons = await db.Persons.AsNoTracking().ToListAsync();
        var checkedAssisted = 0;
        foreach (var person in persons.Take(120))
        {
            var expected = identities.Where(i => i.PsnNo == person.PsnNo && i.Begntime <= day && (i.Endtime is null || i.Endtime >= day)).Select(i => i.IdetType).Order().ToList();
            var flag = await flags.FlagAsync(person.PsnNo, null, "330108");
            Assert.NotNull(flag);
            Assert.Equal(expected, flag.Categories.Select(c => c.Type).Order().ToList());
            Assert.Equal(expected.Count > 0, flag.Assisted);
            checkedAssisted += expected.Count > 0 ? 1 : 0;
            if (person.Certno is { } certno)
            {
                Assert.Equal(flag.Categories, (await flags.FlagAsync(null, certno, "330108"))!.Categories);
            }
        }
        Assert.True(checkedAssisted > 5, $"only {checkedAssisted} assisted people among those checked");
        Assert.Null(await flags.FlagAsync(persons[0].PsnNo, null, "330683"));
        Assert.Null(await flags.FlagAsync("nobody", null, "330108"));
    }
}
