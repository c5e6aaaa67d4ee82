using Gongji.Engine.Model;
using Gongji.Engine.Parameters;

namespace Gongji.Engine;

/// <summary>How medical assistance (医疗救助) is found for a region.</summary>
public enum MedicalAssistanceSource
{
    /// <summary>maf_pay as the settlement reports it (the region's document does not fix the rule).</summary>
    FromSettlement,

    /// <summary>杭政办函〔2022〕70号 二（二）.</summary>
    Hangzhou,

    /// <summary>温政办〔2021〕78号 三（三）9.</summary>
    Wenzhou,
}

/// <summary>Ratios by identity and the annual limits of medical assistance in a region-year.</summary>
public sealed record AssistanceParameters(Rate Tekun, Rate Dibao, Rate DisabledSevere, Rate Dibian, Money AnnualLimit, Money? GeneralOutpatientLimit);

/// <summary>
/// The policy in force for one county and expense year: which programmes apply (by the documents of
/// its region tree) and the parameter values they use.
/// </summary>
public sealed class RegionPolicy
{
    // Which programmes each document brings. The numbers live in the YAML beside the document.
    private const string Hangzhou = "3301";
    private const string Binjiang = "330108";
    private const string Shengzhou = "330683";
    private const string Wenzhou = "3303";
    private const string Jingning = "331127";

    public string County { get; }
    public int Year { get; }
    public ParameterSnapshot Parameters { get; }
    public IReadOnlyList<PolicyDocument> Documents { get; }

    /// <summary>The expense dates the documents cover within the year.</summary>
    public DateRange InForce { get; }

    public MedicalAssistanceSource MedicalAssistance { get; }
    public bool SpecialAssistance { get; }
    public bool HighCostSubsidy { get; }
    public bool HighCostResolution { get; }
    public bool WarmFunds { get; }
    public bool HouseholdCap { get; }

    /// <summary>杭政办函〔2022〕70号 二（二）: months before an illness-induced identity that count under it.</summary>
    public int LookbackMonths { get; }

    /// <summary>The medical-assistance numbers, read once per region-year rather than per settlement.</summary>
    public AssistanceParameters? Assistance { get; }

    /// <summary>The warning lines, read once per region-year rather than per person (null where unset).</summary>
    public Money? RelapseLine { get; }

    public Money? ImpoverishmentLine { get; }

    private RegionPolicy(string county, int year, IReadOnlyList<PolicyDocument> documents, DateRange inForce, IReadOnlyDictionary<string, decimal> overrides)
    {
        County = county;
        Year = year;
        Documents = documents;
        InForce = inForce;
        Parameters = new ParameterSnapshot(documents, inForce.From, overrides);
        bool Has(string region) => documents.Any(d => d.Region == region);
        MedicalAssistance = Has(Hangzhou) ? MedicalAssistanceSource.Hangzhou
            : Has(Wenzhou) ? MedicalAssistanceSource.Wenzhou
            : MedicalAssistanceSource.FromSettlement;
        SpecialAssistance = Has(Hangzhou);
        HouseholdCap = Has(Binjiang);
        WarmFunds = Has(Shengzhou);
        HighCostResolution = Has(Wenzhou);
        HighCostSubsidy = Has(Jingning);
        LookbackMonths = (int)(Parameters.Optional("medical_assistance.illness_induced_lookback_months") ?? 0m);
        RelapseLine = Parameters.Optional("warning.relapse_line") is { } relapse ? new Money(relapse) : null;
        ImpoverishmentLine = Parameters.Optional("warning.impoverishment_line") is { } impoverishment ? new Money(impoverishment) : null;
        Assistance = MedicalAssistance switch
        {
            MedicalAssistanceSource.Hangzhou => new AssistanceParameters(
                Parameters.Rate("medical_assistance.ratio.tekun"), Parameters.Rate("medical_assistance.ratio.dibao"),
                Parameters.Rate("medical_assistance.ratio.disabled_severe"), Parameters.Rate("medical_assistance.ratio.dibian"),
                Parameters.Money("medical_assistance.annual_limit"), Parameters.Money("medical_assistance.general_outpatient_limit")),
            MedicalAssistanceSource.Wenzhou => new AssistanceParameters(
                Parameters.Rate("medical_assistance.ratio"), Parameters.Rate("medical_assistance.ratio"), Parameters.Rate("medical_assistance.ratio"),
                Parameters.Rate("medical_assistance.ratio"), Parameters.Money("medical_assistance.annual_limit"), null),
            _ => null,
        };
    }

    public string DocumentNames => string.Join("；", Documents.Select(d => d.Document));

    /// <summary>
    /// The policy for a county and year, or a refusal naming both (rules.md: a region and year with
    /// no policy in force is refused, never computed with another region's rules).
    /// </summary>
    public static RegionPolicy For(ParameterBook book, string county, int year, IReadOnlyDictionary<string, decimal> overrides)
    {
        var documents = book.DocumentsFor(county);
        if (documents.Count == 0)
        {
            throw new PolicyNotInForceException($"地区 {county} 没有可适用的政策文件 (no policy covers region {county}; Gongji implements 3301xx, 330108, 330683, 3303xx, 331127)");
        }
        var yearRange = DateRange.Year(year);
        var inForce = documents.Where(d => d.InForce.Overlaps(yearRange)).ToList();
        // The city's document must be in force for a district's addition to apply (Binjiang applies Hangzhou's rules first).
        if (inForce.Count != documents.Count || inForce.Count == 0)
        {
            var spans = string.Join("; ", documents.Select(d => $"{d.Document} {d.InForce}"));
            throw new PolicyNotInForceException($"地区 {county} {year} 年度无有效政策 (no policy in force for region {county} in expense year {year}: {spans})");
        }
        var from = inForce.Max(d => d.InForce.From);
        var to = inForce.Min(d => d.InForce.To);
        var covered = new DateRange(from > yearRange.From ? from : yearRange.From, to < yearRange.To ? to : yearRange.To);
        return new RegionPolicy(county, year, inForce, covered, overrides);
    }
}
