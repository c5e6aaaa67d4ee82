using System.Globalization;
using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

public class IsoTextTests
{
    private static IEnumerable<DateTime> Times()
    {
        yield return DateTime.MinValue;
        yield return DateTime.MaxValue;
        yield return new DateTime(2024, 2, 29);
        yield return new DateTime(2024, 12, 31, 23, 59, 59);
        foreach (var ticks in new long[] { 1, 10, 1_000_000, 5_000_000, 1_234_567, 9_999_999, 1_000, 120 })
        {
            yield return new DateTime(2024, 3, 5, 8, 0, 1).AddTicks(ticks);
        }
        var random = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var ticks = random.NextInt64(DateTime.MaxValue.Ticks);
            // Whole seconds, whole milliseconds and any tick, as files and clocks give them.
            yield return new DateTime((i % 3) switch
            {
                0 => ticks - (ticks % TimeSpan.TicksPerSecond),
                1 => ticks - (ticks % TimeSpan.TicksPerMillisecond),
                _ => ticks,
            });
        }
    }

    [Fact]
    public void Dates_and_times_are_written_as_the_invariant_formatter_writes_them()
    {
        Span<byte> ours = stackalloc byte[IsoText.MaxLength];
        foreach (var time in Times())
        {
            var date = DateOnly.FromDateTime(time);
            Assert.Equal(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(ours[..IsoText.WriteDate(ours, date)]));
            Assert.Equal(time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(ours[..IsoText.WriteTimestamp(ours, time, fraction: false)]));
            Assert.Equal(time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(ours[..IsoText.WriteTimestamp(ours, time, fraction: true)]));
        }
    }
}
