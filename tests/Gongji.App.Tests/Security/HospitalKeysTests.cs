using Gongji.Security;
using Gongji.Store;
using Microsoft.Extensions.Time.Testing;

namespace Gongji.App.Tests.Security;

public sealed class HospitalKeysTests
{
    [Fact]
    public async Task A_key_is_kept_only_as_a_hash_and_a_revoked_one_stops_working_within_a_minute()
    {
        var store = GongjiStore.Sqlite(Path.Combine(Path.GetTempPath(), "gongji-keys-" + Guid.NewGuid().ToString("N")[..8], "gongji.db"));
        await store.MigrateAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var keys = new HospitalKeys(store, clock);
        var (row, key) = await keys.CreateAsync("滨江区人民医院", "330108");
        Assert.DoesNotContain(key, row.KeyHash, StringComparison.Ordinal);
        Assert.Equal(key[..9], row.KeyPrefix);
        Assert.NotNull(await keys.FindAsync(key));

        Assert.NotNull(await keys.RevokeAsync(row.KeyPrefix));
        Assert.Null(await keys.RevokeAsync(row.KeyPrefix)); // once
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await keys.FindAsync(key));
    }
}
