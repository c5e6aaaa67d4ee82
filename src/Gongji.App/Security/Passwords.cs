using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gongji.Security;

/// <summary>Password policy and storage: PBKDF2-SHA256 with a random salt, compared in constant time.</summary>
public static class Passwords
{
    /// <summary>Why a password is refused under the policy, in words a clerk reads; null when it is accepted.</summary>
    public static string? Refusal(string password, SecurityOptions options, string? userName = null)
    {
        if (password.Length < options.PasswordMinLength)
        {
            return $"密码至少 {options.PasswordMinLength} 位 (at least {options.PasswordMinLength} characters)";
        }
        var classes = (password.Any(char.IsUpper) ? 1 : 0) + (password.Any(char.IsLower) ? 1 : 0)
            + (password.Any(char.IsDigit) ? 1 : 0) + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
        if (classes < options.PasswordCharacterClasses)
        {
            return $"密码须包含大写字母、小写字母、数字、符号中的至少 {options.PasswordCharacterClasses} 类";
        }
        if (userName is not null && password.Contains(userName, StringComparison.OrdinalIgnoreCase))
        {
            return "密码不得包含用户名";
        }
        return null;
    }

    public static string Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"pbkdf2-sha256${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A random password that meets any sensible policy, for new accounts (changed at first sign-in).</summary>
    public static string Generate()
    {
        const string letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = Enumerable.Range(0, 14).Select(_ => letters[RandomNumberGenerator.GetInt32(letters.Length)]).ToArray();
        return new string(chars) + "-7a";
    }
}
