using System.Globalization;
using Gongji.Reference;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Security;

public sealed record SignInOutcome(UserScope? User, string? Refusal, bool MustChangePassword = false, bool NeedsTotp = false);

/// <summary>Accounts: created by an administrator (or the command line), signed in under the password policy.</summary>
public sealed class Accounts(GongjiStore store, TimeProvider clock, SecurityOptions options)
{
    public const string WrongCredentials = "用户名或密码错误 (wrong user name or password)";

    /// <summary>Creates an account; without a password one is generated and returned, to be changed at first sign-in.</summary>
    public async Task<(AccountRow Account, string Password)> CreateAsync(string userName, string displayName, string role, string region, string? township, string? password, string createdBy, CancellationToken ct = default)
    {
        if (!Roles.AccountRoles.Contains(role))
        {
            throw new ArgumentException($"role '{role}' is not one of {string.Join(", ", Roles.AccountRoles)}");
        }
        if (Divisions.Zhejiang.Find(region) is null || region.Length > 6)
        {
            throw new ArgumentException($"region '{region}' is not a Zhejiang province, city or county code");
        }
        if (role == Roles.Township)
        {
            if (township is null || township.Length != 9 || !township.StartsWith(region, StringComparison.Ordinal) || Divisions.Zhejiang.Find(township) is null)
            {
                throw new ArgumentException($"a township account needs --township, a 9-digit township code inside {region} (got '{township}')");
            }
        }
        else if (township is not null)
        {
            throw new ArgumentException($"only township accounts have a township (role {role})");
        }
        var generated = password is null;
        password ??= Passwords.Generate();
        if (Passwords.Refusal(password, options, userName) is { } refusal)
        {
            throw new ArgumentException(refusal);
        }
        await using var db = store.CreateDb();
        if (await db.Accounts.AnyAsync(a => a.UserName == userName, ct))
        {
            throw new ArgumentException($"there is already an account '{userName}'");
        }
        var now = clock.GetUtcNow();
        var account = new AccountRow
        {
            UserName = userName,
            DisplayName = displayName,
            Role = role,
            Region = region,
            Township = township,
            PasswordHash = Passwords.Hash(password, options.PasswordHashIterations),
            // A generated password has to be replaced at first sign-in: it was seen by whoever made it.
            PasswordChangedAt = generated ? DateTimeOffset.UnixEpoch : now,
            CreatedAt = now,
            CreatedBy = createdBy,
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync(ct);
        return (account, password);
    }

    public async Task<SignInOutcome> SignInAsync(string userName, string password, string? totpCode, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.UserName == userName, ct);
        var now = clock.GetUtcNow();
        if (account is null)
        {
            // Spend the same time as a real check, so that timing does not tell which names exist.
            Passwords.Verify(password, Passwords.Hash("x", options.PasswordHashIterations));
            return new SignInOutcome(null, WrongCredentials);
        }
        if (account.Disabled)
        {
            return new SignInOutcome(null, "账户已停用 (account disabled)");
        }
        if (account.LockedUntil is { } until && until > now)
        {
            return new SignInOutcome(null, string.Create(CultureInfo.InvariantCulture, $"账户已锁定，请于 {until.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} 后再试（连续 {options.MaxFailedAttempts} 次密码错误）"));
        }
        if (!Passwords.Verify(password, account.PasswordHash))
        {
            account.FailedAttempts++;
            var refusal = WrongCredentials;
            if (account.FailedAttempts >= options.MaxFailedAttempts)
            {
                account.LockedUntil = now.AddMinutes(options.LockoutMinutes);
                account.FailedAttempts = 0;
                refusal = $"账户已锁定 {options.LockoutMinutes} 分钟（连续 {options.MaxFailedAttempts} 次密码错误）";
            }
            await db.SaveChangesAsync(ct);
            return new SignInOutcome(null, refusal);
        }
        var needsTotp = account.TotpSecret is not null || options.TotpRequiredFor.Contains(account.Role);
        if (needsTotp)
        {
            if (account.TotpSecret is null)
            {
                return new SignInOutcome(null, "此角色须使用动态口令，请联系管理员开通 (one-time codes are required for this role)");
            }
            if (string.IsNullOrWhiteSpace(totpCode))
            {
                return new SignInOutcome(null, "请输入动态口令 (one-time code required)", NeedsTotp: true);
            }
            if (!Totp.Verify(account.TotpSecret, totpCode, now))
            {
                account.FailedAttempts++;
                await db.SaveChangesAsync(ct);
                return new SignInOutcome(null, "动态口令错误 (wrong one-time code)", NeedsTotp: true);
            }
        }
        account.FailedAttempts = 0;
        account.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        var mustChange = account.PasswordChangedAt.AddDays(options.PasswordMaxAgeDays) < now;
        return new SignInOutcome(new UserScope(account.UserName, account.DisplayName, account.Role, account.Region, account.Township), null, mustChange);
    }

    public async Task<string?> ChangePasswordAsync(string userName, string current, string replacement, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var account = await db.Accounts.SingleAsync(a => a.UserName == userName, ct);
        if (!Passwords.Verify(current, account.PasswordHash))
        {
            return "当前密码错误 (current password is wrong)";
        }
        if (current == replacement)
        {
            return "新密码不能与当前密码相同";
        }
        if (Passwords.Refusal(replacement, options, userName) is { } refusal)
        {
            return refusal;
        }
        account.PasswordHash = Passwords.Hash(replacement, options.PasswordHashIterations);
        account.PasswordChangedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Starts one-time codes for an account: the secret to put in an authenticator app.</summary>
    public async Task<string> EnableTotpAsync(string userName, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var account = await db.Accounts.SingleAsync(a => a.UserName == userName, ct);
        account.TotpSecret = Totp.NewSecret();
        await db.SaveChangesAsync(ct);
        return account.TotpSecret;
    }

    public async Task<IReadOnlyList<AccountRow>> ListAsync(UserScope by, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var all = await db.Accounts.AsNoTracking().OrderBy(a => a.UserName).ToListAsync(ct);
        return all.Where(a => a.Region.StartsWith(by.Region, StringComparison.Ordinal)).ToList();
    }
}
