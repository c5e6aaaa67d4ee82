namespace Gongji.Security;

/// <summary>
/// Sign-in rules, set for 等保 level 3 (GB/T 22239-2019 8.1.4.1 身份鉴别: complex passwords changed
/// periodically, lockout after failed attempts, sessions that time out). Configuration section "Security".
/// </summary>
public sealed class SecurityOptions
{
    public int PasswordMinLength { get; set; } = 12;

    /// <summary>Of upper case, lower case, digits and symbols, how many a password must use.</summary>
    public int PasswordCharacterClasses { get; set; } = 3;

    public int PasswordMaxAgeDays { get; set; } = 90;
    public int MaxFailedAttempts { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 30;

    /// <summary>Idle time after which a session ends (sliding).</summary>
    public int SessionTimeoutMinutes { get; set; } = 30;

    /// <summary>PBKDF2-SHA256 iterations for stored passwords.</summary>
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>Roles that must use a one-time code (TOTP) besides the password.</summary>
    public List<string> TotpRequiredFor { get; set; } = [];
}
