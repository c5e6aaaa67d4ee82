using Gongji.Engine.Model;
using Gongji.Engine.Rules;

namespace Gongji.Engine;

/// <summary>
/// One payer's part of a settlement or of a person's or household's year, explained: the base it
/// was computed on, the ratio, the limit used and left, the rule and the clause.
/// </summary>
public sealed record PayerLine(
    string? SetlId,
    string PsnNo,
    Payer Payer,
    Money Base,
    Rate? Ratio,
    Money Amount,
    string Rule,
    string Clause,
    Money? LimitUsed = null,
    Money? LimitLeft = null,
    string? Note = null);

public enum WarningKind
{
    Relapse,
    Impoverishment,
    EnrollmentGap,
}

/// <summary>Monitoring groups 重点 / 关注 / 潜在 (嵊州方案 二（1）1).</summary>
public enum MonitoringGroup
{
    Key,
    Attention,
    Potential,
}

public static class WarningNames
{
    public static string Id(this WarningKind kind) => kind switch
    {
        WarningKind.Relapse => "relapse",
        WarningKind.Impoverishment => "impoverishment",
        _ => "enrollment_gap",
    };

    public static string ChineseName(this WarningKind kind) => kind switch
    {
        WarningKind.Relapse => "因病返贫预警",
        WarningKind.Impoverishment => "因病致贫预警",
        _ => "参保中断",
    };

    public static string Id(this MonitoringGroup group) => group switch
    {
        MonitoringGroup.Key => "key",
        MonitoringGroup.Attention => "attention",
        _ => "potential",
    };

    public static string ChineseName(this MonitoringGroup group) => group switch
    {
        MonitoringGroup.Key => "重点",
        MonitoringGroup.Attention => "关注",
        _ => "潜在",
    };

    public static bool TryParseKind(string id, out WarningKind kind)
    {
        foreach (var k in Enum.GetValues<WarningKind>())
        {
            if (string.Equals(k.Id(), id.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }
}

public sealed record Warning(string PsnNo, WarningKind Kind, MonitoringGroup Group, Money? Base, Money? Line, string Clause);

public sealed record IndicatorValue(string Id, decimal Value, decimal? Target, string Clause);

/// <summary>What one settlement came to: its per-settlement tiers and the burden left after them.</summary>
public sealed record SettlementResult(Settlement Settlement, Money MedicalAssistance, Money BurdenAfterSettlementTiers, bool EntersComputedTiers);

public sealed class PersonYearResult
{
    internal PersonYearResult(Person person, string? householdId, ArraySegment<Money> byPayer)
    {
        Person = person;
        HouseholdId = householdId;
        ByPayer = byPayer;
    }

    public Person Person { get; }
    public string PsnNo => Person.PsnNo;
    public string? HouseholdId { get; }
    public Money MedfeeSumamt { get; internal set; }
    public Money PolicyScopeAmount { get; internal set; }

    /// <summary>Every payer's total for the year; cap_fund holds this person's share of the household's cap.</summary>
    public ArraySegment<Money> ByPayer { get; }

    /// <summary>cases.md: total minus every payer except household-level tiers.</summary>
    public Money PersonalBurden { get; internal set; }

    /// <summary>Personal burden after the per-settlement tiers (insurance and medical assistance).</summary>
    public Money WarningBase { get; internal set; }

    /// <summary>Personal burden after every payer except the computed annual tiers.</summary>
    public Money BurdenBeforeAnnualTiers { get; internal set; }

    /// <summary>Personal burden after the person's share of household tiers too.</summary>
    public Money BurdenAfterHouseholdTiers => PersonalBurden - ByPayer[(int)Payer.CapFund];

    /// <summary>This person's settlements: positions <see cref="RowStart"/> to <see cref="RowEnd"/> of <see cref="RegionYearResult.Order"/>.</summary>
    public int RowStart { get; internal init; }

    public int RowEnd { get; internal init; }

    public int SettlementCount => RowEnd - RowStart;

    internal RegionPolicy Policy { get; init; } = null!;

    /// <summary>The policy this person's year was computed under.</summary>
    public RegionPolicy PolicyKey => Policy;

    public bool Assisted { get; internal set; }
    public bool Difficult { get; internal set; }
    public MonitoringGroup Group { get; internal set; }
    public IReadOnlyList<SettlementResult> Settlements { get; internal set; } = [];
    public IReadOnlyList<PayerLine> Lines { get; internal set; } = [];

    public Money this[Payer payer] => ByPayer[(int)payer];
}

public sealed class HouseholdYearResult
{
    internal HouseholdYearResult(Household household, HouseholdCategory? category, Money[] byPayer)
    {
        Household = household;
        Category = category;
        ByPayer = byPayer;
    }

    public Household Household { get; }
    public HouseholdCategory? Category { get; }
    public Money MedfeeSumamt { get; internal set; }
    public Money[] ByPayer { get; }

    /// <summary>The members' burdens minus the household-level tiers.</summary>
    public Money PersonalBurden { get; internal set; }

    public IReadOnlyList<PayerLine> Lines { get; internal set; } = [];
    public Money this[Payer payer] => ByPayer[(int)payer];
}

public sealed class RegionYearResult
{
    public required int Year { get; init; }
    public required IReadOnlyList<PersonYearResult> Persons { get; init; }
    public required IReadOnlyList<HouseholdYearResult> Households { get; init; }
    public required IReadOnlyList<Warning> Warnings { get; init; }
    public required IReadOnlyList<IndicatorValue> Indicators { get; init; }

    /// <summary>What the run could not compute and why (unset deployment parameters …).</summary>
    public required IReadOnlyList<string> Notices { get; init; }

    public required string ParameterVersion { get; init; }

    /// <summary>Seconds spent in each phase of the computation.</summary>
    public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();

    /// <summary>The per-settlement results, as columns.</summary>
    public required SettlementColumns Columns { get; init; }

    /// <summary>The rows of the year, grouped by person in psn_no order and sorted within each.</summary>
    public required int[] Order { get; init; }

    private long[]? _totals;

    /// <summary>A payer's total over the people: every payer summed in one pass over them, the first time one is asked.</summary>
    public Money Total(Payer payer)
    {
        if (_totals is null)
        {
            var totals = new long[Payers.Count];
            foreach (var person in Persons)
            {
                for (var k = 0; k < totals.Length; k++)
                {
                    totals[k] += person[(Payer)k].Fen;
                }
            }
            _totals = totals;
        }
        return Money.FromFen(_totals[(int)payer]);
    }

    /// <summary>Every settlement's payer lines (settlement_payers.csv), made as they are read.</summary>
    public IEnumerable<PayerLine> SettlementLines()
    {
        foreach (var person in Persons)
        {
            for (var k = person.RowStart; k < person.RowEnd; k++)
            {
                var row = Order[k];
                foreach (var line in PayerEngine.FundLines(Columns.Table, row, person.PsnNo))
                {
                    yield return line;
                }
                if (PayerEngine.MedicalAssistanceLine(Columns, row, person.PsnNo, person.Policy, null, null) is { } ma)
                {
                    yield return ma;
                }
            }
        }
    }
}
