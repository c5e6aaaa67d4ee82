using Gongji.Engine;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Warnings;

public sealed record RiskPoolChange(int Entered, int Stayed, int Exited, int OpenNow);

/// <summary>
/// 因病致贫返贫风险潜在对象库 (滨政办函〔2024〕1号 三（一）; 杭政办函〔2022〕70号 二（一）): after each run, the
/// people whose year raised a relapse or impoverishment warning are in the pool for that year — entered
/// with the run, the reason, the base and the line — and those no longer warned leave it, with the date.
/// </summary>
public static class RiskPool
{
    public const string ExitReason = "本次计算未再触发预警（负担低于预警线，或数据已更正）";

    public static async Task<RiskPoolChange> UpdateAsync(GongjiDb db, string region, int year, IReadOnlyList<Warning> warnings, long runId, DateTimeOffset now, CancellationToken ct = default)
    {
        var open = await db.RiskPool.Where(r => r.Region == region && r.Year == year && r.ExitedAt == null).ToListAsync(ct);
        var openByKey = open.ToDictionary(r => (r.PsnNo, r.Kind));
        var current = warnings.Where(w => w.Kind is WarningKind.Relapse or WarningKind.Impoverishment).ToList();
        int entered = 0, stayed = 0;
        var seen = new HashSet<(string, string)>();
        foreach (var w in current)
        {
            var key = (w.PsnNo, w.Kind.Id());
            seen.Add(key);
            if (openByKey.TryGetValue(key, out var row))
            {
                row.BaseFen = w.Base?.Fen ?? 0;
                row.MonitoringGroup = w.Group.Id();
                stayed++;
                continue;
            }
            db.RiskPool.Add(new RiskPoolRow
            {
                Region = region,
                Year = year,
                PsnNo = w.PsnNo,
                Kind = w.Kind.Id(),
                MonitoringGroup = w.Group.Id(),
                BaseFen = w.Base?.Fen ?? 0,
                LineFen = w.Line?.Fen ?? 0,
                EnteredAt = now,
                EnteredRun = runId,
            });
            entered++;
        }
        var exited = 0;
        foreach (var row in open.Where(r => !seen.Contains((r.PsnNo, r.Kind))))
        {
            row.ExitedAt = now;
            row.ExitedRun = runId;
            row.ExitReason = ExitReason;
            exited++;
        }
        await db.SaveChangesAsync(ct);
        return new RiskPoolChange(entered, stayed, exited, entered + stayed);
    }
}
