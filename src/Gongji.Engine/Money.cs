using System.Globalization;

namespace Gongji.Engine;

/// <summary>
/// An exact amount of yuan to the fen. Construction refuses anything finer than a fen, so a rounding
/// can only happen where a rule names it (<see cref="Times"/>, <see cref="ScaledDown"/>). It is held as
/// a whole number of fen — exact like <c>decimal</c>, and cheap enough for tens of millions of
/// settlements — and read as <c>decimal</c> yuan.
/// </summary>
public readonly record struct Money : IComparable<Money>
{
    public static readonly Money Zero;

    private readonly long _fen;

    public Money(decimal yuan)
    {
        if (decimal.Round(yuan, 2) != yuan)
        {
            throw new ArgumentOutOfRangeException(nameof(yuan), yuan, "money has at most two decimals (fen)");
        }
        _fen = (long)(yuan * 100m);
    }

    private Money(long fen, bool _) => _fen = fen;

    /// <summary>
    /// Refused at compile time: a whole number given to Money is ambiguous (yuan or fen?). Write
    /// <c>new Money(20000m)</c> for yuan or <c>Money.FromFen(fen)</c> for fen.
    /// </summary>
    [Obsolete("Ambiguous: use new Money(yuan) with a decimal, or Money.FromFen(fen).", error: true)]
    public Money(long fen) => throw new NotSupportedException();

    public static Money FromFen(long fen) => new(fen, true);

    public decimal Yuan => new decimal(_fen) / 100m;

    public long Fen => _fen;

    /// <summary>Rounds half up (away from zero) to the fen: the one named rounding step of rules.md.</summary>
    public static Money RoundHalfUp(decimal yuan) => new((long)decimal.Round(yuan * 100m, 0, MidpointRounding.AwayFromZero), true);

    public bool IsZero => _fen == 0;
    public bool IsPositive => _fen > 0;
    public bool IsNegative => _fen < 0;

    /// <summary>ratio x this, rounded half up to the fen (rules.md: "rounded half up to the fen where it is computed").</summary>
    public Money Times(Rate rate)
    {
        // Exact in integers: fen × ratio in millionths, rounded half away from zero.
        var product = (Int128)Math.Abs(_fen) * rate.Millionths;
        var fen = (long)((product + 500_000) / 1_000_000);
        return new(_fen < 0 ? -fen : fen, true);
    }

    /// <summary>this x numerator / denominator, rounded down to the fen, so a budget is never exceeded (基金总额用完即止).</summary>
    public Money ScaledDown(Money numerator, Money denominator)
    {
        if (!denominator.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), denominator.Yuan, "scaling needs a positive total");
        }
        var product = (Int128)_fen * numerator._fen;
        var quotient = product / denominator._fen;
        if (product < 0 && quotient * denominator._fen != product)
        {
            quotient -= 1; // floor, not truncation, for a negative amount
        }
        return new((long)quotient, true);
    }

    public Money AtLeastZero() => _fen < 0 ? Zero : this;

    public static Money Min(Money a, Money b) => a._fen <= b._fen ? a : b;
    public static Money Max(Money a, Money b) => a._fen >= b._fen ? a : b;

    public static Money operator +(Money a, Money b) => new(a._fen + b._fen, true);
    public static Money operator -(Money a, Money b) => new(a._fen - b._fen, true);
    public static Money operator -(Money a) => new(-a._fen, true);
    public static bool operator <(Money a, Money b) => a._fen < b._fen;
    public static bool operator >(Money a, Money b) => a._fen > b._fen;
    public static bool operator <=(Money a, Money b) => a._fen <= b._fen;
    public static bool operator >=(Money a, Money b) => a._fen >= b._fen;

    public int CompareTo(Money other) => _fen.CompareTo(other._fen);

    public static Money Sum(IEnumerable<Money> amounts)
    {
        long total = 0;
        foreach (var m in amounts)
        {
            total += m._fen;
        }
        return new(total, true);
    }

    /// <summary>"1234.50": yuan with two decimals, formatted from the whole fen (no decimal formatting per amount).</summary>
    public override string ToString()
    {
        var abs = _fen < 0 ? (ulong)(-(_fen + 1)) + 1 : (ulong)_fen;
        return string.Create(CultureInfo.InvariantCulture, $"{(_fen < 0 ? "-" : "")}{abs / 100}.{abs % 100:D2}");
    }
}

/// <summary>A ratio between 0 and 1 taken from a clause (救助比例, 补助比例).</summary>
public readonly record struct Rate
{
    public decimal Value { get; }

    /// <summary>The rate in millionths (0.8 → 800000), for exact integer arithmetic on fen.</summary>
    public long Millionths { get; }

    public Rate(decimal value)
    {
        if (value < 0m || value > 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a rate lies between 0 and 1");
        }
        if (decimal.Round(value, 6) != value)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a rate has at most six decimals");
        }
        Value = value;
        Millionths = (long)(value * 1_000_000m);
    }

    public static readonly Rate Full = new(1m);

    public override string ToString() => Value.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>Inclusive date range, as the identities, enrolments and policies of the data are written.</summary>
public readonly record struct DateRange
{
    public DateOnly From { get; }
    public DateOnly To { get; }

    public DateRange(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, string.Create(CultureInfo.InvariantCulture, $"a date range ends on or after its start {from:yyyy-MM-dd}"));
        }
        From = from;
        To = to;
    }

    public static DateRange Year(int year) => new(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
    public static DateRange Open(DateOnly from) => new(from, DateOnly.MaxValue);

    public bool Contains(DateOnly day) => day >= From && day <= To;
    public bool Overlaps(DateRange other) => From <= other.To && other.From <= To;

    public DateRange? Intersect(DateRange other)
    {
        var from = From > other.From ? From : other.From;
        var to = To < other.To ? To : other.To;
        return from <= to ? new DateRange(from, to) : null;
    }

    public override string ToString() => To == DateOnly.MaxValue ? string.Create(CultureInfo.InvariantCulture, $"{From:yyyy-MM-dd}–") : string.Create(CultureInfo.InvariantCulture, $"{From:yyyy-MM-dd}–{To:yyyy-MM-dd}");
}
