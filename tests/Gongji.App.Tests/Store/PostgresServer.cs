using Gongji.Store;

namespace Gongji.App.Tests.Store;

/// <summary>One throwaway PostgreSQL cluster for the whole test run.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private ThrowawayPostgres? _server;

    public async Task InitializeAsync() => _server = await ThrowawayPostgres.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public Task<GongjiStore> NewStoreAsync() => _server!.NewStoreAsync();
}

[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "stores";
}

/// <summary>A fresh store of either kind, so each test runs on SQLite and on a real PostgreSQL.</summary>
public static class Stores
{
    public static async Task<GongjiStore> NewAsync(string provider, PostgresServer postgres)
    {
        if (provider == "postgres")
        {
            return await postgres.NewStoreAsync();
        }
        var folder = Path.Combine(Path.GetTempPath(), "gongji-test-" + Guid.NewGuid().ToString("N")[..8]);
        var store = GongjiStore.Sqlite(Path.Combine(folder, "gongji.db"));
        await store.MigrateAsync();
        return store;
    }
}
