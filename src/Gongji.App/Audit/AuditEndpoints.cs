using Gongji.Security;
using Gongji.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gongji.Audit;

/// <summary>The audit log, read-only: there is no endpoint that changes or removes a line.</summary>
public static class AuditEndpoints
{
    public static void MapAuditLog(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (HttpContext http, string? actor, string? action, int? limit, AuditLog audit) =>
        {
            var rows = await audit.ReadAsync(http.Who(), actor, action, limit ?? 200, http.RequestAborted);
            await audit.RecordAsync(http.Who(), "read_audit_log", actor ?? "*", "ok", action, http.Address());
            return Results.Ok(rows);
        }).RequireAuthorization(Permission.ViewAudit.ToString()).WithTags("审计 audit");
    }
}
