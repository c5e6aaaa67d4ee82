using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Audit;

/// <summary>
/// The audit log (等保 8.1.4.3 安全审计): every read of full personal data, every decision and every
/// refusal, with who, when, what and the outcome. Written in its own transaction so that a failed
/// request still leaves its line; the store refuses to change or delete a line (migration 0005).
/// </summary>
public sealed class AuditLog(GongjiStore store, TimeProvider clock)
{
    public async Task RecordAsync(UserScope? who, string action, string target, string outcome, string? detail = null, string? address = null, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        db.AuditLog.Add(new AuditRow
        {
            At = clock.GetUtcNow(),
            Actor = who?.UserName ?? "(anonymous)",
            Role = who?.Role ?? "",
            Action = action,
            Target = target,
            Outcome = outcome,
            Detail = detail,
            Address = address,
            Region = who?.Township ?? who?.Region,
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The lines of the reader's region (and, at province level, those without a user), newest first.</summary>
    public async Task<IReadOnlyList<AuditRow>> ReadAsync(UserScope reader, string? actor, string? action, int limit, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var prefix = reader.Region;
        var province = prefix.Length <= 2;
        var query = db.AuditLog.AsNoTracking().Where(a => a.Region != null ? a.Region.StartsWith(prefix) : province);
        if (!string.IsNullOrWhiteSpace(actor))
        {
            query = query.Where(a => a.Actor == actor);
        }
        if (!string.IsNullOrWhiteSpace(action))
        {
            query = query.Where(a => a.Action == action);
        }
        return await query.OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
    }
}
