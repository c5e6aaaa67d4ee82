using System.Text.Json;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using Gongji.Loading;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Runs;

public sealed record RunReport(long? RunId, string Region, int Year, RegionYearResult Result, string Fingerprint, IReadOnlyList<string> Files)
{
    /// <summary>How the risk pool changed with this run (store runs only).</summary>
    public Warnings.RiskPoolChange? RiskPool { get; init; }

    /// <summary>Warnings that became new follow-up cases with this run (store runs only).</summary>
    public int NewCases { get; init; }

    /// <summary>What the loaders' checks warned of in the input files (run from files only).</summary>
    public IReadOnlyList<string> InputWarnings { get; init; } = [];

    /// <summary>Seconds spent in each phase (read, compute, write), for the bench and the curious.</summary>
    public IReadOnlyDictionary<string, double> Phases { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// <c>gongji run</c>: one region-year computed by the engine over the store, kept as a frozen run
/// (inputs fingerprint, parameter version, the last load batch it saw, time) and exported.
/// </summary>
public sealed class RunService(GongjiStore store, TimeProvider clock, Warnings.FollowUpOptions? followUp = null)
{
    public async Task<RunReport> RunAsync(string region, int year, IReadOnlyDictionary<string, decimal> parameters, string? outFolder, CancellationToken ct = default)
    {
        var started = clock.GetUtcNow();
        // The deployment's values set in the store, then what the caller gives for this run on top.
        parameters = await new Parameters.DeploymentParameters(store, clock).ForRunAsync(region, year, parameters, ct);
        var (input, fingerprint, lastBatch) = await StoreSnapshot.ReadAsync(store, region, year, parameters, ct);
        RefuseWithoutPolicy(input, region, year, parameters);
        var result = PayerEngine.Compute(input);
        var files = outFolder is null ? [] : ResultFiles.Write(result, region, outFolder);
        await using var db = store.CreateDb();
        var run = new RunRow
        {
            Region = region,
            Year = year,
            InputsFingerprint = fingerprint,
            ParameterVersion = result.ParameterVersion,
            ParametersJson = JsonSerializer.Serialize(parameters),
            LastBatchId = lastBatch,
            StartedAt = started,
            FinishedAt = clock.GetUtcNow(),
            SummaryJson = JsonSerializer.Serialize(Summary(result)),
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(ct);
        var pool = await Warnings.RiskPool.UpdateAsync(db, region, year, result.Warnings, run.Id, clock.GetUtcNow(), ct);
        // Each new warning becomes a case of the follow-up loop, dispatched by rule (issue #4).
        var cases = await new Warnings.FollowUp(store, clock, followUp ?? new()).SyncAsync(region, year, result.Warnings, input.Persons, run.Id, ct);
        return new RunReport(run.Id, region, year, result, fingerprint, files) { RiskPool = pool, NewCases = cases };
    }

    /// <summary>
    /// Computes a kept run again from the store as it was then (its last load batch), with its
    /// parameters; the inputs fingerprint tells whether it read exactly the same.
    /// </summary>
    public async Task<(RunReport Report, RunRow Original)> ReproduceAsync(long runId, string? outFolder, CancellationToken ct = default)
    {
        RunRow original;
        await using (var db = store.CreateDb())
        {
            original = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, ct)
                ?? throw new ArgumentException($"there is no run #{runId}");
        }
        var parameters = JsonSerializer.Deserialize<Dictionary<string, decimal>>(original.ParametersJson) ?? [];
        var (input, fingerprint, _) = await StoreSnapshot.ReadAsync(store, original.Region, original.Year, parameters, ct, original.LastBatchId);
        var result = PayerEngine.Compute(input);
        var files = outFolder is null ? [] : ResultFiles.Write(result, original.Region, outFolder);
        return (new RunReport(null, original.Region, original.Year, result, fingerprint, files), original);
    }

    /// <summary>
    /// The engine refuses a region-year without a policy person by person; with nobody there it is
    /// refused all the same (rules.md: never computed with another region's rules, never silently empty).
    /// </summary>
    private static void RefuseWithoutPolicy(RegionYearInput input, string region, int year, IReadOnlyDictionary<string, decimal> parameters)
    {
        if (input.Persons.Count == 0)
        {
            RegionPolicy.For(ParameterBook.Default, region.Length >= 6 ? region[..6] : region.PadRight(6, '0'), year, parameters);
        }
    }

    public static RunReport RunFromFiles(string from, string region, int year, IReadOnlyDictionary<string, decimal> parameters, string to, bool spreadsheets = true)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var phases = new Dictionary<string, double>();
        // The inputs' fingerprint is made beside the work, in the moments a core waits (its phase: the wait
        // left at the end); the settlements file's blocks are hashed by the reads that count its lines.
        var settlementsHashed = new TaskCompletionSource<FileBlockHashes?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fingerprinting = Task.Run(() => FilesFingerprint(from, settlementsHashed.Task));
        // The policy documents are parsed beside the reading too, not when the engine starts.
        var parameterBook = Task.Run(() => ParameterBook.Default);
        var warnings = new List<string>();
        RegionYearInput input;
        try
        {
            input = FileSnapshot.Read(from, region, year, parameters, timings: phases, warnings: warnings, settlementsHashed: settlementsHashed);
        }
        finally
        {
            settlementsHashed.TrySetResult(null); // no settlements file, or the read failed before its lines were counted
        }
        RefuseWithoutPolicy(input, region, year, parameters);
        watch.Restart();
        // What the reading left behind (the registry's rows, the parts' setl_id pools, line numbers) is
        // given back before the engine builds its results: a run's peak memory 3.76 → 3.40 GiB for 0.3 s.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        phases["collect"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var result = PayerEngine.Compute(input, parameterBook.GetAwaiter().GetResult());
        phases["compute"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var files = ResultFiles.Write(result, region, to, spreadsheets);
        phases["write"] = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var fingerprint = fingerprinting.GetAwaiter().GetResult();
        phases["fingerprint"] = watch.Elapsed.TotalSeconds;
        return new RunReport(null, region, year, result, fingerprint, files) { Phases = phases, InputWarnings = warnings };
    }

    /// <summary>
    /// For a run from files: a hash of the input files' names and their blocks' hashes (<see cref="FileBlockHashes"/>),
    /// in name order. <paramref name="measured"/>, when given, may bring a file's block hashes already made
    /// (the settlements file's, by the reads that count its lines): waited for, for a file named as settlements.
    /// </summary>
    public static string FilesFingerprint(string folder, Task<FileBlockHashes?>? measured = null)
    {
        var files = Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".errors.csv", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        bool Measured(string path) => measured is not null && FileKind.Detect(path, []) is SettlementsKind && !path.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);
        // The other files first: the measure is still counting lines.
        var blocks = files.Where(f => !Measured(f)).ToDictionary(f => f, FileBlockHashes.Read, StringComparer.Ordinal);
        var hash = new System.IO.Hashing.XxHash128();
        Span<byte> bytes = stackalloc byte[16];
        foreach (var path in files)
        {
            if (!blocks.TryGetValue(path, out var file))
            {
                file = measured!.GetAwaiter().GetResult() is { } made && made.Path == path ? made : FileBlockHashes.Read(path);
            }
            hash.Append(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(path)));
            foreach (var block in file.Hashes)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(bytes, block);
                hash.Append(bytes);
            }
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    public static Dictionary<string, object> Summary(RegionYearResult result) => new()
    {
        ["persons"] = result.Persons.Count,
        ["households"] = result.Households.Count,
        ["medfee_sumamt"] = Money.Sum(result.Persons.Select(p => p.MedfeeSumamt)).Yuan,
        ["payers"] = Payers.All.ToDictionary(p => p.Id(), p => p == Payer.CapFund ? Money.Sum(result.Households.Select(h => h[p])).Yuan : result.Total(p).Yuan),
        ["personal_burden"] = Money.Sum(result.Persons.Select(p => p.BurdenAfterHouseholdTiers)).Yuan,
        ["warnings"] = result.Warnings.GroupBy(w => $"{w.Kind.Id()}/{w.Group.Id()}").ToDictionary(g => g.Key, g => g.Count()),
        ["indicators"] = result.Indicators.ToDictionary(i => i.Id, i => i.Value),
        ["notices"] = result.Notices,
    };

    public async Task<IReadOnlyList<RunRow>> ListAsync(CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        return await db.Runs.AsNoTracking().OrderByDescending(r => r.Id).Take(50).ToListAsync(ct);
    }
}
