using System.Collections.Concurrent;
using Gongji.Engine;
using Gongji.Engine.Parameters;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Runs;

/// <summary>A county-year computed from the store as it is now, with the registry rows the pages show.</summary>
public sealed record CountyYear(string County, int Year, RegionYearResult Result, RegionYearInput Input, long LastBatchId, DateTimeOffset ComputedAt)
{
    public IReadOnlyDictionary<string, Engine.Model.Person> PersonsById { get; } =
        Input.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, PersonYearResult> ResultsById { get; } =
        Result.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);

    /// <summary>The township a person belongs to: their household's, else their own division code's.</summary>
    public string? TownshipOf(string psnNo) =>
        PersonsById.TryGetValue(psnNo, out var p) && p.Region.Length >= 9 ? p.Region[..9] : null;
}

/// <summary>
/// The web pages' view of a county-year: computed by the engine over the store (the whole county, since
/// budget-limited funds share among everyone in it) and kept until a load or a deployment parameter
/// changes the store, so pages do not recompute on every click.
/// </summary>
public sealed class RegionResults(GongjiStore store, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string, int), ((long, long) Stamp, Lazy<Task<CountyYear>> Result)> _cache = new();

    public async Task<CountyYear> GetAsync(string county, int year, CancellationToken ct = default)
    {
        var stamp = await StampAsync(ct);
        var fresh = (stamp, new Lazy<Task<CountyYear>>(() => ComputeAsync(county, year, stamp.Batch)));
        var entry = _cache.AddOrUpdate((county, year), fresh, (_, kept) => kept.Stamp == stamp ? kept : fresh);
        try
        {
            return await entry.Result.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _cache.TryRemove(new KeyValuePair<(string, int), ((long, long), Lazy<Task<CountyYear>>)>((county, year), entry));
            throw;
        }
    }

    private async Task<CountyYear> ComputeAsync(string county, int year, long batch)
    {
        var parameters = await new Parameters.DeploymentParameters(store, clock).ForRunAsync(county, year);
        var (input, _, _) = await StoreSnapshot.ReadAsync(store, county, year, parameters);
        if (input.Persons.Count == 0)
        {
            RegionPolicy.For(ParameterBook.Default, county, year, parameters); // refuse a year without a policy
        }
        var result = PayerEngine.Compute(input);
        return new CountyYear(county, year, result, input, batch, clock.GetUtcNow());
    }

    /// <summary>What makes a kept result stale: a new load batch or a changed deployment parameter.</summary>
    private async Task<(long Batch, long Parameters)> StampAsync(CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var batch = await db.LoadBatches.MaxAsync(b => (long?)b.Id, ct) ?? 0;
        var parameters = await db.DeploymentParameters.MaxAsync(p => (long?)p.Id, ct) ?? 0;
        return (batch, parameters);
    }

    // A reference, so that requests on other threads see a whole value or the previous one.
    private sealed record Coverage(long Batch, (IReadOnlyList<string> Counties, IReadOnlyList<int> Years) Value);

    private Coverage? _coverage;

    /// <summary>
    /// The counties the store holds people for, and the years it holds settlements for. Every request asks
    /// for it; it changes only with a load, so it is read again only after a new load batch.
    /// </summary>
    public async Task<(IReadOnlyList<string> Counties, IReadOnlyList<int> Years)> CoverageAsync(CancellationToken ct = default)
    {
        var (batch, _) = await StampAsync(ct);
        if (_coverage is { } kept && kept.Batch == batch)
        {
            return kept.Value;
        }
        var value = await ReadCoverageAsync(ct);
        _coverage = new Coverage(batch, value);
        return value;
    }

    private async Task<(IReadOnlyList<string> Counties, IReadOnlyList<int> Years)> ReadCoverageAsync(CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var households = await db.Households.AsNoTracking().Select(h => h.RegionCode.Substring(0, 6)).Distinct().ToListAsync(ct);
        var insured = await db.Persons.AsNoTracking().Where(p => p.HouseholdId == null && p.InsuplcAdmdvs != null).Select(p => p.InsuplcAdmdvs!.Substring(0, 6)).Distinct().ToListAsync(ct);
        var years = await db.Settlements.AsNoTracking().Select(s => s.SetlYear).Distinct().OrderBy(y => y).ToListAsync(ct);
        return (households.Concat(insured).Where(c => c.Length == 6).Distinct().Order(StringComparer.Ordinal).ToList(), years);
    }
}
