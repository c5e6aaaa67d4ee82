using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Gongji.Store;

/// <summary>
/// A throwaway PostgreSQL cluster started from the installed server binaries (initdb, pg_ctl) in a
/// temporary folder on a loopback port — for the tests and <c>gongji bench</c>; there is no Docker here.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gongji-pg-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _bin;
    private int _databases;

    private ThrowawayPostgres(string bin, int port)
    {
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    private static bool AsRoot => Environment.UserName == "root";

    /// <summary>Starts a cluster; <paramref name="settings"/> are more server settings, "name=value".</summary>
    public static async Task<ThrowawayPostgres> StartAsync(params string[] settings)
    {
        var server = new ThrowawayPostgres(FindBinaries(), FreePort());
        Directory.CreateDirectory(server._root);
        if (AsRoot)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres user the package made.
            await RunAsync("chown", ["postgres:postgres", server._root], asPostgres: false);
        }
        var data = Path.Combine(server._root, "data");
        await RunAsync(Path.Combine(server._bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"], AsRoot);
        await RunAsync(Path.Combine(server._bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(server._root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {server.Port} -k {server._root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200{string.Concat(settings.Select(setting => " -c " + setting))}", "start"], AsRoot);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], AsRoot);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>A new empty database on the cluster, as a store with Gongji's schema applied.</summary>
    public async Task<GongjiStore> NewStoreAsync()
    {
        var name = $"gongji_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var store = GongjiStore.Postgres(ConnectionString(name));
        await store.MigrateAsync();
        return store;
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true, MaxPoolSize = 50 }.ToString();

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries (initdb, pg_ctl) are not installed: run scripts/setup.sh, which installs Debian's postgresql package");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        var start = asPostgres ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
