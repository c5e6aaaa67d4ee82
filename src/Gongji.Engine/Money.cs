using System.Globalization;

namespace Gongji.Engine;

/// <summary>
/// An amount of yuan, exact to the fen. Construction refuses anything finer than a fen, so a
/// rounding can only happen where a rule names it (<see cref="Times"/>, <see cref="ScaledDown"/>).
/// </summary>
public readonly record struct Money : IComparable<Money>
{
    public static readonly Money Zero;

    public decimal Yuan { get; }

    public Money(decimal yuan)
    {
        if (decimal.Round(yuan, 2) != yuan)
        {
            throw new ArgumentOutOfRangeException(nameof(yuan), yuan, "money has at most two decimals (fen)");
        }
        Yuan = yuan + 0.00m; // normalise the scale so that 5 and 5.00 print alike
    }

    private Money(decimal yuan, bool _) => Yuan = yuan;

    public static Money FromFen(long fen) => new(new decimal(fen) / 100m, true);

    /// <summary>Rounds half up to the fen: the one named rounding step of rules.md.</summary>
    public static Money RoundHalfUp(decimal yuan) => new(decimal.Round(yuan, 2, MidpointRounding.AwayFromZero), true);

    public long Fen => (long)(Yuan * 100m);
    public bool IsZero => Yuan == 0m;
    public bool IsPositive => Yuan > 0m;
    public bool IsNegative => Yuan < 0m;

    /// <summary>ratio x this, rounded half up to the fen (rules.md: "rounded half up to the fen where it is computed").</summary>
    public Money Times(Rate rate) => RoundHalfUp(Yuan * rate.Value);

    /// <summary>this x numerator / denominator, rounded down to the fen, so a budget is never exceeded (基金总额用完即止).</summary>
    public Money ScaledDown(Money numerator, Money denominator)
    {
        if (!denominator.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), denominator.Yuan, "scaling needs a positive total");
        }
        var exact = Yuan * numerator.Yuan / denominator.Yuan;
        return new(decimal.Floor(exact * 100m) / 100m, true);
    }

    public Money AtLeastZero() => Yuan < 0m ? Zero : this;

    public static Money Min(Money a, Money b) => a.Yuan <= b.Yuan ? a : b;
    public static Money Max(Money a, Money b) => a.Yuan >= b.Yuan ? a : b;

    public static Money operator +(Money a, Money b) => new(a.Yuan + b.Yuan, true);
    public static Money operator -(Money a, Money b) => new(a.Yuan - b.Yuan, true);
    public static Money operator -(Money a) => new(-a.Yuan, true);
    public static bool operator <(Money a, Money b) => a.Yuan < b.Yuan;
    public static bool operator >(Money a, Money b) => a.Yuan > b.Yuan;
    public static bool operator <=(Money a, Money b) => a.Yuan <= b.Yuan;
    public static bool operator >=(Money a, Money b) => a.Yuan >= b.Yuan;

    public int CompareTo(Money other) => Yuan.CompareTo(other.Yuan);

    public static Money Sum(IEnumerable<Money> amounts)
    {
        var total = 0m;
        foreach (var m in amounts)
        {
            total += m.Yuan;
        }
        return new(total, true);
    }

    public override string ToString() => Yuan.ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>A ratio between 0 and 1 taken from a clause (救助比例, 补助比例).</summary>
public readonly record struct Rate
{
    public decimal Value { get; }

    public Rate(decimal value)
    {
        if (value < 0m || value > 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a rate lies between 0 and 1");
        }
        Value = value;
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
            throw new ArgumentOutOfRangeException(nameof(to), to, $"a date range ends on or after its start {from:yyyy-MM-dd}");
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

    public override string ToString() => To == DateOnly.MaxValue ? $"{From:yyyy-MM-dd}–" : $"{From:yyyy-MM-dd}–{To:yyyy-MM-dd}";
}
