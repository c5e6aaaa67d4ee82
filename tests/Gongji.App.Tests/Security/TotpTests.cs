using System.Text;
using Gongji.Security;

namespace Gongji.App.Tests.Security;

public sealed class TotpTests
{
    // RFC 6238 appendix B, SHA-1 key "12345678901234567890": the last six digits of its eight-digit codes.
    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    public void Codes_match_the_RFC_6238_test_vectors(long unixSeconds, string expected) =>
        Assert.Equal(expected, Totp.Code(Encoding.ASCII.GetBytes("12345678901234567890"), unixSeconds / 30));

    [Fact]
    public void A_code_is_accepted_one_step_either_side_and_not_beyond()
    {
        var secret = Totp.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var code = Totp.Code(secret, now);
        Assert.True(Totp.Verify(secret, code, now.AddSeconds(30)));
        Assert.True(Totp.Verify(secret, code, now.AddSeconds(-30)));
        Assert.False(Totp.Verify(secret, code, now.AddSeconds(95)));
    }

    [Fact]
    public void Passwords_are_checked_against_the_policy_and_stored_salted()
    {
        var options = new SecurityOptions();
        Assert.NotNull(Passwords.Refusal("Short-1a", options));
        Assert.NotNull(Passwords.Refusal("alllowercaseletters", options));
        Assert.NotNull(Passwords.Refusal("Zhang-San-2024x", options, "zhang-san"));
        Assert.Null(Passwords.Refusal("Correct-horse-7", options));
        var a = Passwords.Hash("Correct-horse-7", 1000);
        Assert.NotEqual(a, Passwords.Hash("Correct-horse-7", 1000));
        Assert.True(Passwords.Verify("Correct-horse-7", a));
        Assert.False(Passwords.Verify("Correct-horse-8", a));
    }
}
