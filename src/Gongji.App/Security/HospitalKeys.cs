using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Gongji.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gongji.Security;

/// <summary>
/// API keys of hospitals for the identity flag (自动标识). Only a SHA-256 of each key is kept; the key is
/// shown once when made. Verified keys are remembered for a minute so that a doctor's workstation is
/// not slowed by the store, and a revoked key stops working within that minute.
/// </summary>
public sealed class HospitalKeys(GongjiStore store, TimeProvider clock)
{
    public const string Header = "X-Api-Key";
    private readonly ConcurrentDictionary<string, (HospitalKeyRow? Key, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public async Task<(HospitalKeyRow Row, string Key)> CreateAsync(string hospital, string region, CancellationToken ct = default)
    {
        var key = "gj_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var row = new HospitalKeyRow { Hospital = hospital, Region = region, KeyPrefix = key[..9], KeyHash = HashOf(key), CreatedAt = clock.GetUtcNow() };
        await using var db = store.CreateDb();
        db.HospitalKeys.Add(row);
        await db.SaveChangesAsync(ct);
        return (row, key);
    }

    /// <summary>Revokes a key by the prefix shown when it was made (gj_xxxxxx); it stops working within a minute.</summary>
    public async Task<HospitalKeyRow?> RevokeAsync(string prefix, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var row = await db.HospitalKeys.SingleOrDefaultAsync(k => k.KeyPrefix == prefix && k.RevokedAt == null, ct);
        if (row is not null)
        {
            row.RevokedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
        }
        return row;
    }

    public async Task<HospitalKeyRow?> FindAsync(string key, CancellationToken ct = default)
    {
        var hash = HashOf(key);
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && hit.Until > now)
        {
            return hit.Key;
        }
        await using var db = store.CreateDb();
        var row = await db.HospitalKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, ct);
        _cache[hash] = (row, now.AddMinutes(1));
        return row;
    }

    private static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>Signs a request in as a hospital when its X-Api-Key header holds a valid key.</summary>
public sealed class HospitalKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, HospitalKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HospitalKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HospitalKeys.Header, out var values) || values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
        {
            return AuthenticateResult.NoResult();
        }
        var row = await keys.FindAsync(values[0]!, Context.RequestAborted);
        if (row is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }
        var scope = new UserScope("hospital:" + row.KeyPrefix, row.Hospital, Roles.Hospital, row.Region, null);
        var identity = new ClaimsIdentity(scope.Claims(), SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
