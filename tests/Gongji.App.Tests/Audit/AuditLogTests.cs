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
        var line = Assert.Single(await log.ReadAsync("u1", null, 10));
        Assert.Equal("read_full_personal_data", line.Action);

        await using var db = store.CreateDb();
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE audit_log SET outcome = 'changed'"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_log"));
        Assert.Equal("ok", (await db.AuditLog.AsNoTracking().SingleAsync()).Outcome);
    }
}
