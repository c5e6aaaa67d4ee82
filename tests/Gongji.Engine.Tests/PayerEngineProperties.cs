using CsCheck;
using Gongji.Engine.Model;
using static Gongji.Engine.Tests.Build;

namespace Gongji.Engine.Tests;

/// <summary>Properties over random households in every region (issue: at least 1,000 households each).</summary>
public class PayerEngineProperties
{
    private const int Households = 1000;
    private static readonly string[] Regions = ["330105", "330108", "330302", "331127", "330683001", "330683102"];
    private static readonly string[] MedTypes = ["11", "11", "11", "14", "21", "21", "2101", "9901", "31", "52"];

    private static readonly Dictionary<string, decimal> Parameters = new()
    {
        ["special_assistance.threshold"] = 20000m,
        ["warning.impoverishment_line"] = 50000m,
        ["warm_fund_city.budget"] = 30000m,
        ["warm_fund_city.threshold"] = 20000m,
        ["warm_fund_city.ratio"] = 0.5m,
        ["warm_fund_city.max_per_person"] = 50000m,
        ["warm_fund_township.budget"] = 20000m,
        ["warm_fund_township.threshold"] = 30000m,
        ["warm_fund_township.ratio"] = 0.3m,
        ["warm_fund_township.max_per_person"] = 50000m,
    };

    private static readonly Gen<Money> Yuan = Gen.Long[0, 30_000_000].Select(Money.FromFen);

    private static readonly Gen<Identity> IdentityGen =
        Gen.Select(Gen.Int[0, 5], Gen.Int[1, 360], Gen.Int[30, 900], Gen.Int[1, 4], Gen.Bool, Gen.Bool)
            .Select((t, start, length, level, illness, gradual) =>
            {
                var type = t switch { 0 => IdentityType.Tekun, 1 => IdentityType.Dibao, 2 => IdentityType.Dibian, 3 => IdentityType.Disabled, 4 => IdentityType.Orphan, _ => IdentityType.LowIncomeFarmer };
                var from = D(2023, 7, 1).AddDays(start);
                return new Identity(type, new DateRange(from, from.AddDays(length)), type == IdentityType.Disabled ? level : null,
                    illness && type is IdentityType.Dibao or IdentityType.Dibian, gradual && type is IdentityType.Dibao or IdentityType.Dibian);
            });

    /// <summary>One settlement whose parts add up: funds within the policy scope, maf_pay within what is left of it.</summary>
    private static readonly Gen<Settlement> SettlementGen =
        Gen.Select(Gen.Int[0, 365], Gen.Int[0, MedTypes.Length - 1], Gen.Long[1_000, 60_000_000], Gen.Int[0, 30], Gen.Int[0, 90], Gen.Int[0, 60], Gen.Int[0, 80])
            .Select(Gen.Select(Gen.Int[0, 20], Gen.Int[0, 20]), (t, extra) =>
            {
                var (day, medType, sumFen, ownPct, hifpPct, hifmiPct, mafPct) = t;
                var (referral, exclusion) = extra;
                var own = sumFen * ownPct / 100;
                var scope = sumFen - own;
                var hifp = scope * hifpPct / 100;
                var hifmi = (scope - hifp) * hifmiPct / 100;
                var maf = (scope - hifp - hifmi) * mafPct / 100;
                return new Settlement
                {
                    SetlId = "",
                    PsnNo = "",
                    SetlTime = new DateTime(2024, 1, 1).AddDays(day % 366),
                    MedType = MedTypes[medType],
                    MedfeeSumamt = Money.FromFen(sumFen),
                    FulamtOwnpayAmt = Money.FromFen(own),
                    InscpScpAmt = Money.FromFen(scope),
                    HifpPay = Money.FromFen(hifp),
                    HifmiPay = Money.FromFen(hifmi),
                    MafPay = Money.FromFen(maf),
                    ReferralCompliant = referral != 0,
                    Exclusion = exclusion == 0 ? Exclusion.ThirdParty : Exclusion.None,
                };
            });

    private sealed record PersonDraft(Identity[] Identities, Settlement[] Settlements, int InsuredSince, bool LocalHukou, int AidPercent, int AidPayer);

    private static readonly Gen<PersonDraft> PersonGen =
        Gen.Select(IdentityGen.Array[0, 3], SettlementGen.Array[0, 8], Gen.Int[2015, 2023], Gen.Bool, Gen.Int[0, 50], Gen.Int[(int)Payer.Huiminbao, (int)Payer.Charity])
            .Select((identities, settlements, since, local, aidPct, aidPayer) => new PersonDraft(identities, settlements, since, local, aidPct, aidPayer));

    private static readonly Gen<RegionYearInput> HouseholdGen =
        Gen.Select(Gen.Int[0, Regions.Length - 1], Gen.Int[0, 2], Gen.Int[0, 999_999], PersonGen.Array[1, 3])
            .Select((regionIndex, category, salt, drafts) =>
            {
                var region = Regions[regionIndex];
                var persons = new List<Person>();
                var settlements = new List<Settlement>();
                var aids = new List<Aid>();
                for (var i = 0; i < drafts.Length; i++)
                {
                    var d = drafts[i];
                    var psn = $"P{salt:D6}{i + 1}";
                    persons.Add(new Person
                    {
                        PsnNo = psn,
                        Region = region,
                        HukouRegion = d.LocalHukou ? region : "330226",
                        InsuredSince = new DateOnly(d.InsuredSince, 1, 1),
                        Identities = d.Identities,
                    });
                    var own = d.Settlements.Select((s, k) => s with { SetlId = $"{psn}-S{k:D2}", PsnNo = psn, SetlTime = s.SetlTime.AddMinutes(k) }).ToList();
                    settlements.AddRange(own);
                    // Aids stay within what the person paid outside the policy scope, so a burden never goes below 0.
                    var aidFen = Money.Sum(own.Select(s => s.FulamtOwnpayAmt)).Fen * d.AidPercent / 100;
                    if (aidFen > 0)
                    {
                        aids.Add(new Aid(psn, (Payer)d.AidPayer, Money.FromFen(aidFen), D(2024, 12, 1), 2024, VoucherNo: $"V{psn}"));
                    }
                }
                return new RegionYearInput
                {
                    Year = 2024,
                    Persons = persons,
                    Households =
                    [
                        new Household
                        {
                            Id = $"H{salt:D6}",
                            Region = region,
                            Category = category switch { 0 => HouseholdCategory.Tekun, 1 => HouseholdCategory.Dibao, _ => HouseholdCategory.Dibian },
                            MemberPsnNos = persons.Select(p => p.PsnNo).ToList(),
                        },
                    ],
                    Settlements = settlements,
                    Aids = aids,
                    Parameters = Parameters,
                };
            });

    [Fact]
    public void Payers_plus_burden_equal_the_bill_to_the_fen() =>
        HouseholdGen.Sample(input =>
        {
            var result = PayerEngine.Compute(input);
            foreach (var p in result.Persons)
            {
                Assert.Equal(p.MedfeeSumamt, Money.Sum(p.ByPayer) + p.BurdenAfterHouseholdTiers);
                Assert.Equal(p.MedfeeSumamt, Money.Sum(p.ByPayer.Take((int)Payer.CapFund)) + p.PersonalBurden);
            }
            foreach (var h in result.Households)
            {
                Assert.Equal(h.MedfeeSumamt, Money.Sum(h.ByPayer) + h.PersonalBurden);
            }
        }, iter: Households);

    [Fact]
    public void No_amount_is_negative() =>
        HouseholdGen.Sample(input =>
        {
            var result = PayerEngine.Compute(input);
            foreach (var p in result.Persons)
            {
                Assert.All(p.ByPayer, m => Assert.False(m.IsNegative));
                Assert.False(p.PersonalBurden.IsNegative);
                Assert.False(p.BurdenAfterHouseholdTiers.IsNegative);
                Assert.All(p.Lines, l => Assert.False(l.Amount.IsNegative || l.Base.IsNegative));
            }
        }, iter: Households);

    [Fact]
    public void No_limit_is_ever_exceeded() =>
        HouseholdGen.Sample(input =>
        {
            var result = PayerEngine.Compute(input);
            foreach (var p in result.Persons)
            {
                var county = p.Person.County;
                var limited = p.Lines.Where(l => l.Payer == Payer.MedicalAssistance && !l.Rule.Contains("特困", StringComparison.Ordinal)).ToList();
                var limitedTotal = Money.Sum(limited.Select(l => l.Amount));
                if (county.StartsWith("3301", StringComparison.Ordinal))
                {
                    Assert.True(limitedTotal <= new Money(150000m), $"{p.PsnNo} medical assistance {limitedTotal}");
                    var outpatient = Money.Sum(limited.Where(l => p.Settlements.First(s => s.Settlement.SetlId == l.SetlId).Settlement.MedClass == MedClass.GeneralOutpatient).Select(l => l.Amount));
                    Assert.True(outpatient <= new Money(20000m), $"{p.PsnNo} general outpatient {outpatient}");
                    Assert.True(p[Payer.SpecialAssistance] <= new Money(100000m));
                }
                if (county.StartsWith("3303", StringComparison.Ordinal))
                {
                    Assert.True(Money.Sum(p.Lines.Where(l => l.Payer == Payer.MedicalAssistance && !l.Rule.Contains("特困", StringComparison.Ordinal)).Select(l => l.Amount)) <= new Money(100000m));
                }
                Assert.True(p[Payer.HighCostSubsidy] <= new Money(100000m));
                Assert.True(p[Payer.WarmFundCity] <= new Money(50000m) && p[Payer.WarmFundTownship] <= new Money(50000m));
            }
            Assert.True(result.Total(Payer.WarmFundCity) <= new Money(30000m));
        }, iter: Households);

    [Fact]
    public void More_cost_never_means_less_assistance() =>
        HouseholdGen.Where(i => i.Settlements.Count > 0).Select(Gen.Long[1, 5_000_000], Gen.Int[0, 100]).Sample((input, extraFen, pick) =>
        {
            var settlements = input.Settlements.ToList();
            var i = pick % settlements.Count;
            var extra = Money.FromFen(extraFen);
            // The same bill, dearer: more cost within the policy scope, left to the person.
            settlements[i] = settlements[i] with { MedfeeSumamt = settlements[i].MedfeeSumamt + extra, InscpScpAmt = settlements[i].InscpScpAmt + extra };
            // For the person whose bill grew. (Across everyone a budget-limited fund, rounded down per
            // person, may hand out a fen less when its shares move: 基金总额用完即止.)
            var psn = settlements[i].PsnNo;
            var before = Assistance(PayerEngine.Compute(input), psn);
            var after = Assistance(PayerEngine.Compute(input with { Settlements = settlements }), psn);
            Assert.True(after >= before, $"assistance to {psn} fell from {before} to {after}");
        }, iter: 2 * Households);

    [Fact]
    public void Shuffling_the_input_order_changes_nothing() =>
        HouseholdGen.Select(Gen.Int).Sample((input, seed) =>
        {
            var random = new Random(seed);
            var shuffled = input with
            {
                Settlements = input.Settlements.OrderBy(_ => random.Next()).ToList(),
                Aids = input.Aids.OrderBy(_ => random.Next()).ToList(),
                Persons = input.Persons.OrderBy(_ => random.Next()).ToList(),
            };
            Assert.Equal(Fingerprint(PayerEngine.Compute(input)), Fingerprint(PayerEngine.Compute(shuffled)));
        }, iter: Households);

    [Fact]
    public void Removing_a_reversed_pair_changes_nothing() =>
        HouseholdGen.Where(i => i.Settlements.Count > 0).Select(Gen.Int[0, 100], Gen.Int[0, 365]).Sample((input, pick, day) =>
        {
            var template = input.Settlements[pick % input.Settlements.Count];
            var original = template with { SetlId = "ZZ-ORIG", SetlTime = new DateTime(2024, 1, 1).AddDays(day) };
            var reversal = Reversal(original, "ZZ-REV");
            var withPair = input with { Settlements = [.. input.Settlements, original, reversal] };
            Assert.Equal(Fingerprint(PayerEngine.Compute(input)), Fingerprint(PayerEngine.Compute(withPair)));
        }, iter: 2 * Households);

    private static Money Assistance(RegionYearResult result, string psn) =>
        Money.Sum(result.Persons.Where(p => p.PsnNo == psn).SelectMany(p => Payers.All.Where(x => x >= Payer.MedicalAssistance).Select(x => p[x])));

    private static string Fingerprint(RegionYearResult result) => string.Join("\n",
        result.Persons.OrderBy(p => p.PsnNo, StringComparer.Ordinal).Select(p => $"{p.PsnNo}:{string.Join(",", p.ByPayer)}:{p.PersonalBurden}:{p.WarningBase}")
            .Concat(result.Households.Select(h => $"{h.Household.Id}:{string.Join(",", h.ByPayer)}:{h.PersonalBurden}"))
            .Concat(result.Warnings.Select(w => $"{w.PsnNo}:{w.Kind}").Order(StringComparer.Ordinal))
            .Concat(result.Indicators.Select(i => $"{i.Id}:{i.Value}")));
}
