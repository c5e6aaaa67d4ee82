using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Gongji.Demo;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Runs;
using Gongji.Store;

namespace Gongji.Bench;

public sealed record BenchOptions
{
    public int Persons { get; init; } = 200_000;

    /// <summary>People whose files are loaded into each store (loading is the slowest part).</summary>
    public int LoadPersons { get; init; } = 50_000;

    public string County { get; init; } = "330108";
    public int Year { get; init; } = 2024;
    public string? From { get; init; }
    public bool Load { get; init; } = true;
    public bool Postgres { get; init; } = true;
    public int IncrementalSamples { get; init; } = 2000;

    /// <summary>Runs from files measured; the median is reported.</summary>
    public int FileRounds { get; init; } = 3;

    /// <summary>
    /// The command line that starts gongji (the host and, under dotnet, its assembly): each run from files
    /// is then a process of its own, timed from its start to its end. Null: the runs are made in this process.
    /// </summary>
    public IReadOnlyList<string>? Command { get; init; }
    public string Work { get; init; } = Path.Combine(Path.GetTempPath(), "gongji-bench");
}

public sealed record BenchMeasure(string Name, double Value, string Unit, string Detail);

public sealed record BenchReport(IReadOnlyDictionary<string, string> Machine, IReadOnlyList<BenchMeasure> Measures);

/// <summary>
/// <c>gongji bench</c>: a city-year made by the demo generator (or read from a folder), measured —
/// file to file, the engine alone, one household recomputed, and loading into SQLite and PostgreSQL.
/// Speed targets live here, never in unit tests.
/// </summary>
public static class Benchmark
{
    public static async Task<BenchReport> RunAsync(BenchOptions o, Action<string> log)
    {
        var measures = new List<BenchMeasure>();
        void Add(string name, double value, string unit, string detail)
        {
            measures.Add(new BenchMeasure(name, value, unit, detail));
            log($"  {name,-34} {value,14:N0} {unit,-16} {detail}");
        }
        Directory.CreateDirectory(o.Work);
        var folder = o.From ?? Path.Combine(o.Work, $"city-{o.County}-{o.Persons}");
        if (o.From is null)
        {
            var watch = Stopwatch.StartNew();
            var files = new DemoCounty(new DemoOptions { County = o.County, Persons = o.Persons, Years = [o.Year] }).Write(folder);
            var bytes = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
            var written = watch.Elapsed.TotalSeconds;
            var flushed = OnDisk(folder);
            Add("demo files written", files.RowsByFile["settlements.csv"] / written, "settlements/s",
                $"{o.Persons:N0} people, {files.RowsByFile["settlements.csv"]:N0} settlements, {bytes / 1048576.0:N0} MiB in {written:N1} s (then on disk in {flushed:N1} s)");
        }

        // Each measure in a method of its own, its data let go before the next: the load must not run
        // beside a city-year still held in memory (the collector would be marking it all the while), nor
        // the run from files beside what the demo generator left.
        LetGo();
        FileToFile(folder, o, Add);
        LetGo();
        InMemory(folder, o, Add);
        LetGo();

        if (o.Load)
        {
            var loadFolder = Path.Combine(o.Work, $"load-{o.County}-{o.LoadPersons}");
            new DemoCounty(new DemoOptions { County = o.County, Persons = o.LoadPersons, Years = [o.Year] }).Write(loadFolder);
            OnDisk(loadFolder);
            var sqlitePath = Path.Combine(o.Work, "bench.db");
            foreach (var f in new[] { sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm" }.Where(File.Exists))
            {
                File.Delete(f);
            }
            var sqlite = GongjiStore.Sqlite(sqlitePath);
            await sqlite.MigrateAsync();
            await LoadAsync("load into SQLite", sqlite, loadFolder, Add);
            if (o.Postgres)
            {
                // Twice: as a server that streams its WAL to a standby is set (wal_level replica, the
                // default), and as one set for bulk loading (minimal: a table truncated in the loading
                // transaction is written without WAL; the manual's "Populating a Database").
                await using (var server = await ThrowawayPostgres.StartAsync())
                {
                    await LoadAsync("load into PostgreSQL (wal_level replica)", await server.NewStoreAsync(), loadFolder, Add);
                }
                await using (var server = await ThrowawayPostgres.StartAsync("wal_level=minimal", "max_wal_senders=0"))
                {
                    await LoadAsync("load into PostgreSQL (wal_level minimal)", await server.NewStoreAsync(), loadFolder, Add);
                }
            }
        }
        return new BenchReport(Machine(), measures);
    }

    /// <summary>
    /// Flushes files just written to the disk and returns the seconds it took. Files a clerk runs on were
    /// written long before; the demo generator's 2.6 GB are otherwise written back by the kernel during
    /// the measures that follow it (Linux starts at 10 % of memory dirty or after 30 s), on their cores.
    /// </summary>
    private static double OnDisk(string folder)
    {
        var watch = Stopwatch.StartNew();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            file.Flush(flushToDisk: true);
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static void LetGo() => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

    private static void FileToFile(string folder, BenchOptions o, Action<string, double, string, string> add)
    {
        // File to file, end to end: `gongji run --from --to`, each run a new process as a clerk's is (a run
        // made again in one process finds its memory and compiled code ready: 6.4-7.2 s against 10.5 s for
        // the first, measured). The median of a few, all of them shown: one run on a shared machine can
        // land on a slow moment of the host.
        var outFolder = Path.Combine(o.Work, "out");
        var runs = new List<(double Seconds, long Rows, double PeakGiB, string Report)>();
        for (var i = 0; i < o.FileRounds; i++)
        {
            if (o.Command is { Count: > 0 } command)
            {
                runs.Add(RunProcess(command, ["run", "--from", folder, "--to", outFolder, "--region", o.County,
                    "--year", o.Year.ToString(CultureInfo.InvariantCulture), "--formats", "csv"]));
                continue;
            }
            LetGo();
            var run = Stopwatch.StartNew();
            var report = RunService.RunFromFiles(folder, o.County, o.Year, new Dictionary<string, decimal>(), outFolder, spreadsheets: false);
            var seconds = run.Elapsed.TotalSeconds;
            runs.Add((seconds, report.Result.Columns.Table.Count, Process.GetCurrentProcess().PeakWorkingSet64 / 1073741824.0,
                $"in this process; {string.Join(", ", report.Phases.Select(p => $"{p.Key} {p.Value:N1} s"))}"));
        }
        var median = runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);
        add("file to file (run --from --to)", median.Rows / median.Seconds, "settlements/s",
            $"{median.Rows:N0} settlements in {median.Seconds:N1} s, the median of {runs.Count} runs ({string.Join(", ", runs.Select(r => $"{r.Seconds:N1}"))} s); "
            + $"peak memory {runs.Max(r => r.PeakGiB):N2} GiB; the median run: {median.Report}");
    }

    /// <summary>One `gongji run` in a process of its own: its seconds from start to end, and what its report line says.</summary>
    private static (double Seconds, long Rows, double PeakGiB, string Report) RunProcess(IReadOnlyList<string> command, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"bench: {command[0]} did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var seconds = watch.Elapsed.TotalSeconds;
        // "computed 330108 2024 from DIR: 15,943,037 settlements in 9.31 s, peak memory 2.86 GiB (phases …)"
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("computed ", StringComparison.Ordinal));
        var match = line is null ? null : System.Text.RegularExpressions.Regex.Match(line, @": ([\d,]+) settlements in [\d.]+ s, peak memory ([\d.]+) GiB (.*)$");
        if (process.ExitCode != 0 || match is not { Success: true })
        {
            throw new InvalidOperationException($"bench: gongji run exited with {process.ExitCode}: {output}{error.GetAwaiter().GetResult()}");
        }
        return (seconds, long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), $"its own report: {line!.Trim()}");
    }

    private static void InMemory(string folder, BenchOptions o, Action<string, double, string, string> add)
    {
        // The engine alone, over data already in memory (best of three).
        var input = FileSnapshot.Read(folder, o.County, o.Year, new Dictionary<string, decimal>());
        var best = double.MaxValue;
        RegionYearResult? result = null;
        for (var i = 0; i < 3; i++)
        {
            // The run before is let go and collected first: each run is timed as a batch's one run is,
            // not paying to collect the result of the run before it.
            result = null;
            LetGo();
            var watch = Stopwatch.StartNew();
            result = PayerEngine.Compute(input);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        add("engine alone", result!.Order.Length / best, "settlements/s",
            $"{result.Order.Length:N0} settlements of the year in {best:N2} s ({string.Join(", ", result.Timings.Select(p => $"{p.Key} {p.Value:N2} s"))})");

        Incremental(input, result, o, add);
    }

    /// <summary>One new settlement arrives: its household's year is computed again (tiers, warnings, indicators).</summary>
    private static void Incremental(RegionYearInput input, RegionYearResult result, BenchOptions o, Action<string, double, string, string> add)
    {
        var households = input.Households.Where(h => h.MemberPsnNos.Count > 0).ToList();
        if (households.Count == 0)
        {
            return;
        }
        var persons = input.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        var byPerson = result.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        var aids = input.Aids.ToLookup(a => a.PsnNo, StringComparer.Ordinal);
        var random = new Random(42);
        var latencies = new List<double>();
        for (var i = 0; i < o.IncrementalSamples + 50; i++)
        {
            var household = households[random.Next(households.Count)];
            var members = household.MemberPsnNos.Select(p => persons[p]).ToList();
            var settlements = new List<Settlement>();
            foreach (var m in household.MemberPsnNos)
            {
                if (byPerson.TryGetValue(m, out var r))
                {
                    for (var k = r.RowStart; k < r.RowEnd; k++)
                    {
                        settlements.Add(result.Columns.Table.Get(result.Order[k]));
                    }
                }
            }
            settlements.Add(new Settlement
            {
                SetlId = $"NEW{i}",
                PsnNo = members[0].PsnNo,
                SetlTime = new DateTime(o.Year, 12, 30, 10, 0, 0),
                MedType = "21",
                MedfeeSumamt = new Money(30000m),
                InscpScpAmt = new Money(25000m),
                HifpPay = new Money(15000m),
            });
            var one = new RegionYearInput
            {
                Year = o.Year,
                Persons = members,
                Households = [household],
                Settlements = settlements,
                Aids = household.MemberPsnNos.SelectMany(p => aids[p]).ToList(),
                Parameters = input.Parameters,
                Explain = false,
            };
            var watch = Stopwatch.StartNew();
            PayerEngine.Compute(one);
            if (i >= 50)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds); // the first 50 warm the JIT
            }
        }
        latencies.Sort();
        double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        add("one household recomputed, p50", Percentile(0.50) * 1000, "µs", $"{latencies.Count:N0} samples: a new settlement, the household's year computed again in process");
        add("one household recomputed, p99", Percentile(0.99) * 1000, "µs", $"max {latencies[^1] * 1000:N0} µs");
    }

    private static async Task LoadAsync(string name, GongjiStore store, string folder, Action<string, double, string, string> add)
    {
        var loader = new Loader(store, TimeProvider.System);
        foreach (var path in Loader.OrderForLoading(Directory.GetFiles(folder, "*.csv")).Where(p => !p.EndsWith(".errors.csv", StringComparison.Ordinal) && !p.EndsWith("settlements.csv", StringComparison.Ordinal) && !p.EndsWith("fee_details.csv", StringComparison.Ordinal)))
        {
            var r = await loader.LoadAsync(path);
            if (!r.Succeeded)
            {
                throw new InvalidDataException($"bench: {path} did not load: {r.Errors.FirstOrDefault()}");
            }
        }
        var watch = Stopwatch.StartNew();
        var settlements = await loader.LoadAsync(Path.Combine(folder, "settlements.csv"));
        var seconds = watch.Elapsed.TotalSeconds;
        add(name, settlements.Rows / seconds, "settlements/s", $"{settlements.Rows:N0} settlements, checked and written in one transaction, {seconds:N1} s");
    }

    public static IReadOnlyDictionary<string, string> Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        return new Dictionary<string, string>
        {
            ["cpu"] = cpu,
            ["cores"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory"] = $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0:N0} GiB",
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public static string Json(BenchReport report) => JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
}
