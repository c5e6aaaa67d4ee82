using Gongji.Engine.Parameters;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Parameters;

/// <summary>A deployment's value of a parameter as a run uses it, and where it came from.</summary>
public sealed record DeploymentValue(string Region, string Key, int YearFrom, int? YearTo, decimal Value, string Source, string SetBy, DateTimeOffset SetAt);

/// <summary>
/// Values the documents leave to the deploying authority — the impoverishment line (上年度城镇居民人均
/// 可支配收入), the special-assistance threshold, the warm funds' budgets — set by an administrator
/// for a region and years, with their source, and read by every run.
/// </summary>
public sealed class DeploymentParameters(GongjiStore store, TimeProvider clock)
{
    public async Task<DeploymentValue> SetAsync(string region, string key, decimal value, int yearFrom, int? yearTo, string source, string setBy, CancellationToken ct = default)
    {
        if (!ParameterBook.Default.IsSettable(key))
        {
            throw new ArgumentException($"'{key}' is not a deployment parameter or an assumed value (gongji params --assumed lists them)");
        }
        if (region.Length is < 2 or > 12 || !region.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"region '{region}' is not a division code");
        }
        if (yearTo is { } to && to < yearFrom)
        {
            throw new ArgumentException($"year span {yearFrom}–{to} ends before it starts");
        }
        if (string.IsNullOrWhiteSpace(source))
        {
            throw new ArgumentException("every value needs its source (the document, report or meeting it comes from)");
        }
        var row = new DeploymentParameterRow
        {
            Region = region,
            Key = key,
            YearFrom = yearFrom,
            YearTo = yearTo,
            Value = value,
            Source = source.Trim(),
            SetBy = setBy,
            SetAt = clock.GetUtcNow(),
        };
        await using var db = store.CreateDb();
        db.DeploymentParameters.Add(row);
        await db.SaveChangesAsync(ct);
        return ToValue(row);
    }

    public async Task<IReadOnlyList<DeploymentValue>> ListAsync(CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var rows = await db.DeploymentParameters.AsNoTracking().ToListAsync(ct);
        return rows.OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Region, StringComparer.Ordinal).ThenBy(r => r.YearFrom).ThenBy(r => r.Id).Select(ToValue).ToList();
    }

    /// <summary>
    /// The values for a run of <paramref name="region"/> in <paramref name="year"/>: for each key, the
    /// value of the most specific region covering the run's region, newest first.
    /// </summary>
    public async Task<Dictionary<string, decimal>> ForRunAsync(string region, int year, CancellationToken ct = default) =>
        await ForRunAsync(region, year, new Dictionary<string, decimal>(), ct);

    /// <summary>The deployment's values for a run, with the values given for this run alone laid over them.</summary>
    public async Task<Dictionary<string, decimal>> ForRunAsync(string region, int year, IReadOnlyDictionary<string, decimal> forThisRun, CancellationToken ct = default)
    {
        var all = await ListAsync(ct);
        var values = all
            .Where(v => region.StartsWith(v.Region, StringComparison.Ordinal) && v.YearFrom <= year && (v.YearTo ?? int.MaxValue) >= year)
            .GroupBy(v => v.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(v => v.Region.Length).ThenByDescending(v => v.SetAt).First().Value, StringComparer.Ordinal);
        foreach (var (key, value) in forThisRun)
        {
            values[key] = value;
        }
        return values;
    }

    private static DeploymentValue ToValue(DeploymentParameterRow r) => new(r.Region, r.Key, r.YearFrom, r.YearTo, r.Value, r.Source, r.SetBy, r.SetAt);
}
