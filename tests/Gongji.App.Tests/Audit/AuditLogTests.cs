using Gongji.App.Tests.Store;
using Gongji.Audit;
using Gongji.Security;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Audit;

/// <summary>The audit log is evidence: the store itself refuses to change or delete a line.</summary>
[Collection(StoreCollection.Name)]
public sealed class AuditLogTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Lines_can_be_added_and_read_but_never_changed_or_deleted(string provider)
    {
        var store = await Stores.NewAsync(provider, postgres);
        var log = new AuditLog(store, TimeProvider.System);
        await log.RecordAsync(new UserScope("u1", "一", Roles.Civil, "330108", null), "read_full_personal_data", "H1", "ok", "2 members");
        await log.RecordAsync(new UserScope("u2", "二", Roles.Civil, "330683", null), "read_full_personal_data", "H2", "ok", null);
        await log.RecordAsync(null, "sign_in", "nobody", "refused", "wrong password");
        var county = new UserScope("a1", "审计", Roles.Auditor, "330108", null);
        var line = Assert.Single(await log.ReadAsync(county, "u1", null, 10));
        Assert.Equal("read_full_personal_data", line.Action);
        // A county's auditor reads the county's lines; the province reads every line, those without a user too.
        Assert.Equal(["u1"], (await log.ReadAsync(county, null, null, 10)).Select(a => a.Actor));
        Assert.Equal(3, (await log.ReadAsync(new UserScope("p1", "省审计", Roles.Auditor, "33", null), null, null, 10)).Count);

        await using var db = store.CreateDb();
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE audit_log SET outcome = 'changed'"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_log"));
        Assert.Equal("ok", (await db.AuditLog.AsNoTracking().SingleAsync(a => a.Actor == "u1")).Outcome);
    }
}
