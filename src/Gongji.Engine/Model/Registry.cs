namespace Gongji.Engine.Model;

/// <summary>An insured person with what the rules need of the registry.</summary>
public sealed record Person
{
    public required string PsnNo { get; init; }
    public string? HouseholdId { get; init; }

    /// <summary>Division code of the insurance (6 digits) or of the household (9 or 12 digits).</summary>
    public required string Region { get; init; }

    public string Insutype { get; init; } = "390";
    public string? HukouRegion { get; init; }
    public DateOnly? InsuredSince { get; init; }

    /// <summary>Basic-insurance enrolments; null means enrolled all along (cases.md).</summary>
    public IReadOnlyList<DateRange>? Enrolments { get; init; }

    public IReadOnlyList<Identity> Identities { get; init; } = [];

    public string County => Region.Length >= 6 ? Region[..6] : Region;
}

/// <summary>A social-assistance household (民政 roster).</summary>
public sealed record Household
{
    public required string Id { get; init; }

    /// <summary>12-digit village, 9-digit township or 6-digit county code.</summary>
    public required string Region { get; init; }

    public HouseholdCategory? Category { get; init; }
    public IReadOnlyList<string> MemberPsnNos { get; init; } = [];

    public string? Township => Region.Length >= 9 ? Region[..9] : null;
}
