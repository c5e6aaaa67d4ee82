using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using Gongji.Engine.Rules;

namespace Gongji.Engine;

/// <summary>One region-year to compute: a registry snapshot, the settlements, the aids and the deployment's parameters.</summary>
public sealed record RegionYearInput
{
    public required int Year { get; init; }
    public IReadOnlyList<Household> Households { get; init; } = [];
    public required IReadOnlyList<Person> Persons { get; init; }

    /// <summary>Settlements of the year, and reversals of any year (a late reversal recomputes its original's year).</summary>
    public IReadOnlyList<Settlement> Settlements { get; init; } = [];

    public IReadOnlyList<Aid> Aids { get; init; } = [];
    public IReadOnlyDictionary<string, decimal> Parameters { get; init; } = new Dictionary<string, decimal>();
}

/// <summary>
/// 梯次减负: computes every payer's share of a region-year. Pure and deterministic: no I/O, no clock.
/// Each person's year is one pass over their settlements sorted by setl_time (ties by setl_id);
/// the annual tiers then follow the payer table's order.
/// </summary>
public static class PayerEngine
{
    private const string SettlementRule = "医保结算";

    public static RegionYearResult Compute(RegionYearInput input, ParameterBook? book = null)
    {
        book ??= ParameterBook.Default;
        foreach (var key in input.Parameters.Keys)
        {
            if (!book.IsSettable(key))
            {
                throw new ArgumentException($"unknown or non-settable parameter '{key}'", nameof(input));
            }
        }

        var year = input.Year;
        var notices = new SortedSet<string>(StringComparer.Ordinal);
        var policies = new Dictionary<string, RegionPolicy>(StringComparer.Ordinal);
        var householdOf = new Dictionary<string, Household>(StringComparer.Ordinal);
        foreach (var household in input.Households)
        {
            foreach (var member in household.MemberPsnNos)
            {
                householdOf[member] = household;
            }
        }
        var householdsById = input.Households.ToDictionary(h => h.Id, StringComparer.Ordinal);
        foreach (var person in input.Persons)
        {
            if (person.HouseholdId is { } hid && !householdOf.ContainsKey(person.PsnNo) && householdsById.TryGetValue(hid, out var h))
            {
                householdOf[person.PsnNo] = h;
            }
        }

        RegionPolicy PolicyFor(string county)
        {
            if (!policies.TryGetValue(county, out var policy))
            {
                policy = RegionPolicy.For(book, county, year, input.Parameters);
                policies[county] = policy;
            }
            return policy;
        }

        // Reversals: the original and the reversal both drop out (rules.md, common).
        var reversed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in input.Settlements)
        {
            if (s.IsReversal && s.InitSetlId is { } original)
            {
                reversed.Add(original);
            }
        }
        var settlementsByPerson = new Dictionary<string, List<Settlement>>(StringComparer.Ordinal);
        foreach (var s in input.Settlements)
        {
            if (s.IsReversal || s.SetlTime.Year != year || reversed.Contains(s.SetlId))
            {
                continue;
            }
            if (!settlementsByPerson.TryGetValue(s.PsnNo, out var list))
            {
                settlementsByPerson[s.PsnNo] = list = [];
            }
            list.Add(s);
        }
        var aidsByPerson = input.Aids.Where(a => a.ExpenseYear == year).GroupBy(a => a.PsnNo, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        var personsByNo = new Dictionary<string, Person>(StringComparer.Ordinal);
        foreach (var person in input.Persons)
        {
            if (!personsByNo.TryAdd(person.PsnNo, person))
            {
                throw new ArgumentException($"person {person.PsnNo} appears twice", nameof(input));
            }
        }
        foreach (var psnNo in settlementsByPerson.Keys.Concat(aidsByPerson.Keys))
        {
            if (!personsByNo.ContainsKey(psnNo))
            {
                throw new ArgumentException($"psn_no {psnNo} has settlements or aids but is not in the registry", nameof(input));
            }
        }

        var works = new List<PersonWork>();
        var allPersons = new List<(Person Person, RegionPolicy Policy, Household? Household)>();
        foreach (var person in input.Persons.OrderBy(p => p.PsnNo, StringComparer.Ordinal))
        {
            householdOf.TryGetValue(person.PsnNo, out var household);
            var effective = household is null ? person : person with { Region = household.Region, HouseholdId = household.Id };
            var policy = PolicyFor(effective.County);
            allPersons.Add((effective, policy, household));
            settlementsByPerson.TryGetValue(person.PsnNo, out var settlements);
            aidsByPerson.TryGetValue(person.PsnNo, out var aids);
            if (settlements is null && aids is null)
            {
                continue;
            }
            var work = new PersonWork(effective, policy, household, settlements ?? [], aids ?? []);
            work.ComputeSettlementTiers();
            works.Add(work);
        }

        ComputeAnnualTiers(works, year, notices);
        var households = ComputeHouseholdTiers(works, input.Households, year);
        foreach (var w in works)
        {
            w.Finish(year);
        }
        var results = works.Select(w => w.Result).ToList();
        var warnings = RaiseWarnings(allPersons, works.ToDictionary(w => w.Person.PsnNo, StringComparer.Ordinal), year, notices);
        var indicators = ComputeIndicators(results, policies.Values, year);

        return new RegionYearResult
        {
            Year = year,
            Persons = results,
            Households = households,
            Warnings = warnings,
            Indicators = indicators,
            Notices = notices.ToList(),
            ParameterVersion = book.Version,
        };
    }

    private static void ComputeAnnualTiers(List<PersonWork> works, int year, SortedSet<string> notices)
    {
        // 特殊救助 — 杭政办函〔2022〕70号 二（四）, after every aid.
        foreach (var w in works.Where(w => w.Policy.SpecialAssistance))
        {
            var p = w.Policy.Parameters;
            bool Eligible(Identity i) => i.Type is IdentityType.Tekun or IdentityType.Dibao or IdentityType.Dibian || i.IsSevereDisability;
            if (!IdentityRules.HeldInYear(w.Person, year, w.Policy.LookbackMonths, Eligible))
            {
                continue;
            }
            if (p.Optional("special_assistance.threshold") is not { } threshold)
            {
                notices.Add($"{w.Policy.County} {year}: special_assistance.threshold 未设置，特殊救助未计算 (special assistance not computed: threshold unset)");
                continue;
            }
            var tekun = IdentityRules.HeldInYear(w.Person, year, w.Policy.LookbackMonths, i => i.Type == IdentityType.Tekun);
            var ratio = p.Rate(tekun ? "special_assistance.ratio.tekun" : "special_assistance.ratio.other");
            var @base = w.TierBase(Payer.SpecialAssistance, s => IdentityRules.HeldOn(w.Person, s.Day, w.Policy.LookbackMonths, Eligible));
            var amount = SpecialAssistance.Amount(@base, new Money(threshold), ratio, p.Money("special_assistance.annual_limit"));
            w.AddAnnual(Payer.SpecialAssistance, @base, ratio, amount, "特殊救助", SpecialAssistance.Clause,
                $"起付线 {threshold:0.00}，{(tekun ? "特困人员" : "其他医疗救助对象")}，年度限额 {p.Money("special_assistance.annual_limit")}");
        }

        // 高额医疗费补助 — 景政办发〔2021〕29号 二（一）-（三）: inpatient and chronic outpatient only, any identity.
        foreach (var w in works.Where(w => w.Policy.HighCostSubsidy))
        {
            var p = w.Policy.Parameters;
            if (!HighCostSubsidy.IsEligible(w.Person, w.Policy.County, year, (int)p.Required("high_cost_subsidy.insured_years")))
            {
                continue;
            }
            var difficult = IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.IsDifficult);
            var prefix = difficult ? "high_cost_subsidy.difficult" : "high_cost_subsidy.other";
            var @base = w.TierBase(Payer.HighCostSubsidy, s => s.MedClass is MedClass.Inpatient or MedClass.ChronicOutpatient);
            var deductible = p.Money(prefix + ".deductible");
            var ratio = p.Rate(prefix + ".ratio");
            var amount = HighCostSubsidy.Amount(@base, deductible, ratio, p.Money("high_cost_subsidy.annual_max"));
            w.AddAnnual(Payer.HighCostSubsidy, @base, ratio, amount, difficult ? "高额医疗费补助（困难人员）" : "高额医疗费补助（其他因病困难人员）",
                HighCostSubsidy.Clause, $"起付标准 {deductible}，最高 {p.Money("high_cost_subsidy.annual_max")}");
        }

        // 多渠道化解 — 温政办〔2021〕78号 三（三）11, for 困难群众.
        foreach (var w in works.Where(w => w.Policy.HighCostResolution))
        {
            if (!IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.IsDifficult))
            {
                continue;
            }
            var line = w.Policy.Parameters.Money("high_cost_resolution.line");
            var @base = w.TierBase(Payer.HighCostResolution, s => IdentityRules.HeldOn(w.Person, s.Day, 0, IdentityRules.IsDifficult));
            w.AddAnnual(Payer.HighCostResolution, @base, null, HighCostResolution.Amount(@base, line), "高额医疗费用多渠道化解",
                HighCostResolution.Clause, $"化解至 {line} 以下");
        }

        // 暖心无忧基金 — 嵊州方案 附件3: the city fund, then each township's on what is left; budget-limited.
        WarmFundStage(works, year, notices, Payer.WarmFundCity, "warm_fund_city", WarmFund.CityClause, w => w.Policy.County);
        WarmFundStage(works, year, notices, Payer.WarmFundTownship, "warm_fund_township", WarmFund.TownshipClause, w => w.Township);
    }

    private static void WarmFundStage(List<PersonWork> works, int year, SortedSet<string> notices, Payer payer, string prefix, string clause, Func<PersonWork, string?> fundOf)
    {
        var groups = works.Where(w => w.Policy.WarmFunds && IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.IsDifficult))
            .GroupBy(w => (w.Policy.County, Fund: fundOf(w)));
        foreach (var group in groups)
        {
            if (group.Key.Fund is null)
            {
                continue; // 乡镇基金: a household whose region has no township code gets none.
            }
            var p = group.First().Policy.Parameters;
            var budget = p.Optional(prefix + ".budget");
            var threshold = p.Optional(prefix + ".threshold");
            var ratio = p.Optional(prefix + ".ratio");
            var max = p.Optional(prefix + ".max_per_person");
            if (budget is null || threshold is null || ratio is null || max is null)
            {
                notices.Add($"{group.Key.County} {year}: {prefix} 参数未设置，暖心无忧基金未计算 (not computed: budget, threshold, ratio and max_per_person are set by the joint meeting)");
                continue;
            }
            var members = group.OrderBy(w => w.Person.PsnNo, StringComparer.Ordinal).ToList();
            var bases = members.Select(w => w.TierBase(payer, s => IdentityRules.HeldOn(w.Person, s.Day, 0, IdentityRules.IsDifficult))).ToList();
            var rate = new Rate(ratio.Value);
            var proposals = bases.Select(b => WarmFund.Proposal(b, new Money(threshold.Value), rate, new Money(max.Value))).ToList();
            var paid = WarmFund.WithinBudget(proposals, new Money(budget.Value));
            var scaled = Money.Sum(proposals) > new Money(budget.Value);
            for (var i = 0; i < members.Count; i++)
            {
                var note = $"起付线 {threshold.Value:0.00}，每人最高 {max.Value:0.00}，提议 {proposals[i]}" +
                    (scaled ? $"；提议合计 {Money.Sum(proposals)} 超过资金 {budget.Value:0.00}，按比例缩减并舍去分以下" : "");
                members[i].AddAnnual(payer, bases[i], rate, paid[i], payer == Payer.WarmFundCity ? "暖心无忧基金（市级）" : $"暖心无忧基金（{group.Key.Fund}）", clause, note);
            }
        }
    }

    private static List<HouseholdYearResult> ComputeHouseholdTiers(List<PersonWork> works, IReadOnlyList<Household> households, int year)
    {
        var byHousehold = works.Where(w => w.Household is not null).GroupBy(w => w.Household!.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(w => w.Person.PsnNo, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var results = new List<HouseholdYearResult>();
        foreach (var household in households.OrderBy(h => h.Id, StringComparer.Ordinal))
        {
            if (!byHousehold.TryGetValue(household.Id, out var members))
            {
                continue;
            }
            var policy = members[0].Policy;
            var lookback = policy.LookbackMonths;
            var category = household.Category ?? members.Select(m => IdentityRules.MostFavourableCategory(m.Person, year, lookback)).Where(c => c is not null).Min();
            var byPayer = new Money[Payers.Count];
            var lines = new List<PayerLine>();
            var capAmount = Money.Zero;
            if (policy.HouseholdCap && category is { } cat)
            {
                var p = policy.Parameters;
                var tekunMembers = members.Count(m => IdentityRules.HeldInYear(m.Person, year, lookback, i => i.Type == IdentityType.Tekun));
                var threshold = HouseholdCap.Threshold(cat, tekunMembers, p.Money("cap.threshold.tekun_per_person"), p.Money("cap.threshold.dibao_household"), p.Money("cap.threshold.dibian_household"));
                // Only settlements made while the member held tekun, dibao or dibian count (look-back included).
                var @base = Money.Sum(members.Select(m => m.TierBase(Payer.CapFund, s => IdentityRules.HeldOn(m.Person, s.Day, lookback, IdentityRules.IsDifficult))));
                var ratio = p.Rate("cap.ratio");
                capAmount = HouseholdCap.Amount(@base, threshold, ratio);
                lines.Add(new PayerLine(null, household.Id, Payer.CapFund, @base, ratio, capAmount, "暖心基金封顶兜底", HouseholdCap.Clause,
                    Note: $"{CategoryName(cat)}封顶线 {threshold}" + (cat == HouseholdCategory.Tekun ? $"（{Math.Max(1, tekunMembers)} 名特困人员）" : "")));
                ShareAmongMembers(members, capAmount);
            }
            var result = new HouseholdYearResult(household, category, byPayer) { Lines = lines };
            var burden = Money.Zero;
            var total = Money.Zero;
            foreach (var m in members)
            {
                total += m.Result.MedfeeSumamt;
                for (var i = 0; i < Payers.Count; i++)
                {
                    byPayer[i] += i == (int)Payer.CapFund ? Money.Zero : m.ByPayer[i];
                }
                burden += m.PersonalBurdenBeforeHousehold;
            }
            byPayer[(int)Payer.CapFund] = capAmount;
            result.MedfeeSumamt = total;
            result.PersonalBurden = burden - capAmount;
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// A household amount shared among members in proportion to their burden before it, rounded
    /// half up, the member last in psn_no order taking what is left (rules.md, common).
    /// </summary>
    private static void ShareAmongMembers(List<PersonWork> members, Money amount)
    {
        var totalBurden = Money.Sum(members.Select(m => m.PersonalBurdenBeforeHousehold.AtLeastZero()));
        var left = amount;
        for (var i = 0; i < members.Count; i++)
        {
            Money share;
            if (i == members.Count - 1)
            {
                share = left;
            }
            else
            {
                share = totalBurden.IsPositive
                    ? Money.RoundHalfUp(amount.Yuan * members[i].PersonalBurdenBeforeHousehold.AtLeastZero().Yuan / totalBurden.Yuan)
                    : Money.Zero;
            }
            members[i].ByPayer[(int)Payer.CapFund] = share;
            left -= share;
        }
    }

    private static string CategoryName(HouseholdCategory category) => category switch
    {
        HouseholdCategory.Tekun => "特困",
        HouseholdCategory.Dibao => "低保家庭",
        _ => "低边家庭",
    };

    private static List<Warning> RaiseWarnings(List<(Person Person, RegionPolicy Policy, Household? Household)> persons, Dictionary<string, PersonWork> works, int year, SortedSet<string> notices)
    {
        var warnings = new List<Warning>();
        foreach (var (person, policy, _) in persons)
        {
            works.TryGetValue(person.PsnNo, out var work);
            var group = Monitoring.Group(person, year);
            var assisted = IdentityRules.IsAssisted(person, year);
            var warningBase = work?.Result.WarningBase ?? Money.Zero;
            if (assisted)
            {
                var line = policy.Parameters.Money("warning.relapse_line");
                if (warningBase.IsPositive && warningBase >= line)
                {
                    warnings.Add(new Warning(person.PsnNo, WarningKind.Relapse, group, warningBase, line, Monitoring.RelapseClause));
                }
                if (Monitoring.EnrollmentGapDays(person, year) > 0)
                {
                    warnings.Add(new Warning(person.PsnNo, WarningKind.EnrollmentGap, group, null, null, Monitoring.EnrollmentClause));
                }
            }
            else if (policy.Parameters.Optional("warning.impoverishment_line") is { } line)
            {
                if (warningBase.IsPositive && warningBase >= new Money(line))
                {
                    warnings.Add(new Warning(person.PsnNo, WarningKind.Impoverishment, MonitoringGroup.Potential, warningBase, new Money(line), Monitoring.ImpoverishmentClause));
                }
            }
            else if (work is not null)
            {
                notices.Add($"{policy.County} {year}: warning.impoverishment_line 未知且未设置，因病致贫预警未检查 (impoverishment check skipped: line unknown)");
            }
        }
        return warnings;
    }

    private static List<IndicatorValue> ComputeIndicators(List<PersonYearResult> results, IEnumerable<RegionPolicy> policies, int year)
    {
        var assisted = results.Where(r => r.Assisted).ToList();
        var policyList = policies.ToList();
        if (policyList.Count == 0)
        {
            return [];
        }
        // One set of indicators for the run; targets and the high-cost line from the first region's documents.
        var main = policyList.OrderBy(p => p.County, StringComparer.Ordinal).First();
        var line = main.Parameters.Money("high_cost.line");
        return Indicators.Compute(assisted, line)
            .Select(i => new IndicatorValue(i.Id, i.Value, main.Parameters.Optional("target." + i.Id), i.Clause))
            .ToList();
    }

    /// <summary>The working state of one person's year.</summary>
    private sealed class PersonWork
    {
        private readonly List<Settlement> _settlements;
        private readonly List<Aid> _aids;
        private readonly List<PayerLine> _lines = [];
        private SettlementResult[] _results = [];

        public PersonWork(Person person, RegionPolicy policy, Household? household, List<Settlement> settlements, List<Aid> aids)
        {
            Person = person;
            Policy = policy;
            Household = household;
            _settlements = settlements;
            _aids = aids;
            // rules.md: settlements in setl_time order, ties broken by setl_id (ordinal).
            _settlements.Sort(static (a, b) =>
            {
                var c = a.SetlTime.CompareTo(b.SetlTime);
                return c != 0 ? c : string.CompareOrdinal(a.SetlId, b.SetlId);
            });
            Result = new PersonYearResult(person, household?.Id, ByPayer);
        }

        public Person Person { get; }
        public RegionPolicy Policy { get; }
        public Household? Household { get; }
        public string? Township => Household?.Township ?? (Person.Region.Length >= 9 ? Person.Region[..9] : null);
        public Money[] ByPayer { get; } = new Money[Payers.Count];
        public PersonYearResult Result { get; }
        public Money PersonalBurdenBeforeHousehold { get; private set; }

        public void ComputeSettlementTiers()
        {
            var p = Policy.Parameters;
            AssistanceLimits? limits = Policy.MedicalAssistance switch
            {
                MedicalAssistanceSource.Hangzhou => new AssistanceLimits(p.Money("medical_assistance.annual_limit"), p.Money("medical_assistance.general_outpatient_limit")),
                MedicalAssistanceSource.Wenzhou => new AssistanceLimits(p.Money("medical_assistance.annual_limit"), null),
                _ => null,
            };
            _results = new SettlementResult[_settlements.Count];
            var total = Money.Zero;
            var scope = Money.Zero;
            var warningBase = Money.Zero;
            for (var i = 0; i < _settlements.Count; i++)
            {
                var s = _settlements[i];
                var entersTiers = s.EntersComputedTiers && Policy.InForce.Contains(s.Day);
                foreach (var fund in (ReadOnlySpan<Payer>)[Payer.Basic, Payer.Critical, Payer.LargeSum, Payer.CivilServant, Payer.Enterprise, Payer.OtherFund])
                {
                    var amount = s.Fund(fund);
                    if (!amount.IsZero)
                    {
                        ByPayer[(int)fund] += amount;
                        _lines.Add(new PayerLine(s.SetlId, Person.PsnNo, fund, s.MedfeeSumamt, null, amount, SettlementRule, "医保结算数据"));
                    }
                }
                var assistance = Money.Zero;
                switch (Policy.MedicalAssistance)
                {
                    case MedicalAssistanceSource.FromSettlement:
                        assistance = s.MafPay;
                        if (!assistance.IsZero)
                        {
                            _lines.Add(new PayerLine(s.SetlId, Person.PsnNo, Payer.MedicalAssistance, s.PolicyScopePersonalPart, null, assistance,
                                "医疗救助（医保结算 maf_pay）", $"{Policy.DocumentNames}：医疗救助按上级规定结算"));
                        }
                        break;
                    case MedicalAssistanceSource.Hangzhou or MedicalAssistanceSource.Wenzhou when entersTiers:
                        var standing = Policy.MedicalAssistance == MedicalAssistanceSource.Hangzhou
                            ? MedicalAssistance.HangzhouStanding(Person, s.Day, Policy.LookbackMonths, Policy)
                            : MedicalAssistance.WenzhouStanding(Person, s.Day, Policy);
                        if (standing is { } st)
                        {
                            var (amount, used, left) = MedicalAssistance.Assist(s, st, limits!);
                            assistance = amount;
                            var clause = Policy.MedicalAssistance == MedicalAssistanceSource.Hangzhou ? MedicalAssistance.HangzhouClause : MedicalAssistance.WenzhouClause;
                            _lines.Add(new PayerLine(s.SetlId, Person.PsnNo, Payer.MedicalAssistance, s.PolicyScopePersonalPart, st.Ratio, amount,
                                $"医疗救助（{st.Label}）", clause, used, left,
                                st.Unlimited ? "不设年度限额" : (s.MedClass == MedClass.GeneralOutpatient ? "普通门诊限额内" : null)));
                        }
                        break;
                    default:
                        break;
                }
                ByPayer[(int)Payer.MedicalAssistance] += assistance;
                var burdenAfter = s.MedfeeSumamt - s.InsuranceFunds - assistance;
                _results[i] = new SettlementResult(s, assistance, burdenAfter, entersTiers);
                total += s.MedfeeSumamt;
                scope += s.InscpScpAmt;
                warningBase += burdenAfter;
            }
            foreach (var aid in _aids)
            {
                ByPayer[(int)aid.Payer] += aid.Amount;
                _lines.Add(new PayerLine(aid.SetlId, Person.PsnNo, aid.Payer, Money.Zero, null, aid.Amount, $"{aid.Payer.ChineseName()}支付", "部门报送",
                    Note: aid.VoucherNo is null ? null : $"凭证 {aid.VoucherNo}"));
            }
            Result.MedfeeSumamt = total;
            Result.PolicyScopeAmount = scope;
            Result.WarningBase = warningBase;
            Result.Settlements = _results;
            UpdateBurden();
        }

        /// <summary>
        /// The base of an annual tier: the burden left after the per-settlement tiers of the settlements
        /// in its base, less the aids (unless an aid names a settlement outside the base) and every
        /// earlier annual tier; never below 0 (rules.md, common).
        /// </summary>
        public Money TierBase(Payer tier, Func<Settlement, bool> inBase)
        {
            var sum = Money.Zero;
            HashSet<string>? inBaseIds = null;
            foreach (var r in _results)
            {
                if (r.EntersComputedTiers && inBase(r.Settlement))
                {
                    sum += r.BurdenAfterSettlementTiers;
                    (inBaseIds ??= new HashSet<string>(StringComparer.Ordinal)).Add(r.Settlement.SetlId);
                }
            }
            foreach (var aid in _aids)
            {
                if (aid.Payer < tier && (aid.SetlId is null || (inBaseIds?.Contains(aid.SetlId) ?? false)))
                {
                    sum -= aid.Amount;
                }
            }
            for (var payer = Payer.SpecialAssistance; payer < tier; payer++)
            {
                sum -= ByPayer[(int)payer];
            }
            return sum.AtLeastZero();
        }

        public void AddAnnual(Payer payer, Money @base, Rate? ratio, Money amount, string rule, string clause, string? note)
        {
            ByPayer[(int)payer] += amount;
            _lines.Add(new PayerLine(null, Person.PsnNo, payer, @base, ratio, amount, rule, clause, Note: note));
            UpdateBurden();
        }

        private void UpdateBurden()
        {
            var paid = Money.Zero;
            for (var i = 0; i < (int)Payer.CapFund; i++)
            {
                paid += ByPayer[i];
            }
            PersonalBurdenBeforeHousehold = Result.MedfeeSumamt - paid;
        }

        public void Finish(int year)
        {
            UpdateBurden();
            Result.PersonalBurden = PersonalBurdenBeforeHousehold;
            var beforeAnnual = Result.MedfeeSumamt;
            for (var payer = Payer.Basic; payer < Payer.SpecialAssistance; payer++)
            {
                beforeAnnual -= ByPayer[(int)payer];
            }
            Result.BurdenBeforeAnnualTiers = beforeAnnual;
            Result.Assisted = IdentityRules.IsAssisted(Person, year);
            Result.Difficult = IdentityRules.HeldInYear(Person, year, Policy.LookbackMonths, IdentityRules.IsDifficult);
            Result.Group = Monitoring.Group(Person, year);
            Result.Lines = _lines;
        }
    }
}
