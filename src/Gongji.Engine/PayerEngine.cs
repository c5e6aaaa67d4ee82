using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using System.Collections.Concurrent;
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

    /// <summary>The settlements as columns (a fast reader's output); when set, <see cref="Settlements"/> is not read.</summary>
    public SettlementTable? Table { get; init; }

    /// <summary>Keep every settlement's explanation lines (cases, explain); a batch over millions leaves them out.</summary>
    public bool Explain { get; init; } = true;
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
        var timings = new Dictionary<string, double>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string phase)
        {
            timings[phase] = watch.Elapsed.TotalSeconds;
            watch.Restart();
        }
        var notices = new Notices();
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

        // Everyone in psn_no order, with the household's region and the policy of its county.
        // A registry read from a file or the store usually comes in psn_no order already: checked in one pass.
        var sorted = true;
        for (var i = 1; i < input.Persons.Count && sorted; i++)
        {
            sorted = string.CompareOrdinal(input.Persons[i - 1].PsnNo, input.Persons[i].PsnNo) < 0;
        }
        var inOrder = sorted ? input.Persons : [.. input.Persons.OrderBy(p => p.PsnNo, StringComparer.Ordinal)];
        var psnNos = new string[inOrder.Count];
        for (var i = 0; i < psnNos.Length; i++)
        {
            psnNos[i] = inOrder[i].PsnNo;
            if (i > 0 && string.Equals(psnNos[i - 1], psnNos[i], StringComparison.Ordinal))
            {
                throw new ArgumentException($"person {psnNos[i]} appears twice", nameof(input));
            }
        }
        // A person by psn_no: a binary search of the sorted numbers (no table of a million entries to build).
        var index = new PsnNoIndex(psnNos);
        int IndexOf(string psnNo) => index.Find(psnNo);
        // Everyone's household in parallel (each looks only at the registry), then the policy of each county.
        var people = new (Person Person, RegionPolicy Policy, Household? Household)[inOrder.Count];
        InParallel(inOrder.Count, 8192, i =>
        {
            var person = inOrder[i];
            householdOf.TryGetValue(person.PsnNo, out var household);
            var effective = household is null || (person.Region == household.Region && person.HouseholdId == household.Id)
                ? person
                : person with { Region = household.Region, HouseholdId = household.Id };
            people[i] = (effective, null!, household);
        });
        string? lastRegion = null;
        RegionPolicy? lastPolicy = null;
        for (var i = 0; i < people.Length; i++)
        {
            var effective = people[i].Person;
            // People of one region follow each other: the policy of the last one is reused without a look-up.
            if (!ReferenceEquals(effective.Region, lastRegion) && effective.Region != lastRegion)
            {
                var county = effective.County;
                if (!policies.TryGetValue(county, out lastPolicy))
                {
                    policies[county] = lastPolicy = RegionPolicy.For(book, county, year, input.Parameters);
                }
                lastRegion = effective.Region;
            }
            people[i].Policy = lastPolicy!;
        }

        Lap("registry");
        var table = input.Table ?? SettlementTable.From(input.Settlements);
        var rowsByPerson = GroupRows(table, IndexOf, i => psnNos[i], year, people.Length, Lap);
        var aidsByPerson = new List<Aid>?[people.Length];
        foreach (var aid in input.Aids)
        {
            if (aid.ExpenseYear != year)
            {
                continue;
            }
            if (IndexOf(aid.PsnNo) is var i && i < 0)
            {
                throw new ArgumentException($"psn_no {aid.PsnNo} has aids but is not in the registry", nameof(input));
            }
            (aidsByPerson[i] ??= []).Add(aid);
        }

        var classes = table.MedTypes.Select(MedTypes.Classify).ToArray();
        var results = new SettlementColumns(table, classes);
        // Everyone's amounts by payer in one array, a slice each: a million people make one allocation, not a million.
        var slot = new int[people.Length];
        var working = 0;
        for (var i = 0; i < people.Length; i++)
        {
            slot[i] = rowsByPerson.Rows(i).Length > 0 || aidsByPerson[i] is not null ? working++ : -1;
        }
        var amounts = new Money[working * Payers.Count];
        var workOf = new PersonWork?[people.Length];
        InParallel(people.Length, 4096, i =>
        {
            if (slot[i] >= 0)
            {
                var (person, policy, household) = people[i];
                workOf[i] = new PersonWork(person, policy, household, results, rowsByPerson.Range(i), aidsByPerson[i] ?? NoAids, input.Explain,
                    new ArraySegment<Money>(amounts, slot[i] * Payers.Count, Payers.Count));
            }
        });
        var works = new List<PersonWork>(working);
        foreach (var work in workOf)
        {
            if (work is not null)
            {
                works.Add(work);
            }
        }
        Lap("person work");

        // Every person's settlements are independent of everyone else's: one pass each, in parallel.
        InParallel(works.Count, 4096, i => works[i].ComputeSettlementTiers(rowsByPerson.Order));
        Lap("settlement tiers");

        ComputeAnnualTiers(works, year, notices);
        Lap("annual tiers");
        var households = ComputeHouseholdTiers(works, input.Households, psn => IndexOf(psn) is var i && i >= 0 ? people[i].Person : null, year);
        Lap("household tiers");
        InParallel(works.Count, 4096, i => works[i].Finish(year));
        var personResults = works.Select(w => w.Result).ToList();
        Lap("finish");
        var warnings = RaiseWarnings(people, workOf, year, notices);
        Lap("warnings");
        var indicators = ComputeIndicators(personResults, policies.Values, year);
        Lap("indicators");

        return new RegionYearResult
        {
            Year = year,
            Persons = personResults,
            Households = households,
            Warnings = warnings,
            Indicators = indicators,
            Notices = notices.ToList(),
            ParameterVersion = book.Version,
            Columns = results,
            Order = rowsByPerson.Order,
            Timings = timings,
        };
    }

    /// <summary>
    /// The rows of the year, grouped by person (a counting sort) and, within a person, in setl_time
    /// order, ties by setl_id (rules.md). A reversal and the settlement it names both drop out.
    /// </summary>
    private static RowGroups GroupRows(SettlementTable table, Func<string, int> indexOf, Func<int, string> psnNoAt, int year, int personCount, Action<string> lap)
    {
        var personOf = new int[table.PsnNos.Count];
        // A table read for this registry lists its people in the registry's order: then no look-up is needed.
        var sameOrder = personOf.Length == personCount;
        for (var i = 0; i < personOf.Length && sameOrder; i++)
        {
            sameOrder = string.Equals(table.PsnNos[i], psnNoAt(i), StringComparison.Ordinal);
            personOf[i] = i;
        }
        for (var i = 0; i < personOf.Length && !sameOrder; i++)
        {
            personOf[i] = indexOf(table.PsnNos[i]) is var p && p >= 0
                ? p
                : throw new ArgumentException($"psn_no {table.PsnNos[i]} has settlements but is not in the registry");
        }
        lap("group: persons");
        // The columns in locals: read through the table inside the loops, the JIT reloads them at every row.
        var flags = table.Flags;
        var time = table.Time;
        var personOfRow = table.Person;
        var reversed = new HashSet<string>(StringComparer.Ordinal);
        for (var row = 0; row < table.Count; row++)
        {
            if ((flags[row] & SettlementTable.ReversalFlag) != 0 && table.InitSetlId(row) is { } original)
            {
                reversed.Add(original);
            }
        }
        // A reversal names its original by setl_id: compare hashes of the UTF-8 bytes first, the text on a hit.
        var reversedHashes = reversed.Select(id => System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(id))).ToHashSet();
        // A bitmap of the hashes' low bits, about 16 bits per reversal and small enough for the cache,
        // turns most rows away before the set.
        var words = (int)Math.Min(1 << 14, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, reversed.Count / 4)));
        var maybeReversed = new ulong[words];
        foreach (var hash in reversedHashes)
        {
            maybeReversed[(int)(hash >> 6) & (words - 1)] |= 1UL << (int)(hash & 63);
        }
        var from = new DateTime(year, 1, 1).Ticks;
        var to = new DateTime(year + 1, 1, 1).Ticks;
        var counts = new int[personCount + 1];
        var included = new bool[table.Count];
        // Whether a row counts is a question about that row alone: asked in parallel, a block of rows a call.
        InParallelBlocks(table.Count, 1 << 16, (start, end) =>
        {
            for (var row = start; row < end; row++)
            {
                if ((flags[row] & SettlementTable.ReversalFlag) != 0 || time[row] < from || time[row] >= to)
                {
                    continue;
                }
                if (reversed.Count > 0)
                {
                    var hash = System.IO.Hashing.XxHash3.HashToUInt64(table.IdBytes(row));
                    if ((maybeReversed[(int)(hash >> 6) & (words - 1)] & (1UL << (int)(hash & 63))) != 0 && reversedHashes.Contains(hash) && reversed.Contains(table.SetlId(row)))
                    {
                        continue;
                    }
                }
                included[row] = true;
            }
        });
        for (var row = 0; row < included.Length; row++)
        {
            if (included[row])
            {
                counts[personOf[personOfRow[row]] + 1]++;
            }
        }
        lap("group: count");
        for (var i = 1; i < counts.Length; i++)
        {
            counts[i] += counts[i - 1];
        }
        var order = new int[counts[^1]];
        var next = (int[])counts.Clone();
        for (var row = 0; row < included.Length; row++)
        {
            if (included[row])
            {
                order[next[personOf[personOfRow[row]]]++] = row;
            }
        }
        lap("group: place");
        // Within a person: by setl_time (a primitive sort on the ticks), then runs of equal times by setl_id.
        var byId = Comparer<int>.Create(table.CompareIds);
        InParallel(personCount, 8192, p =>
        {
            var start = counts[p];
            var length = counts[p + 1] - start;
            if (length < 2)
            {
                return;
            }
            var rented = System.Buffers.ArrayPool<long>.Shared.Rent(length);
            var keys = rented.AsSpan(0, length);
            for (var i = 0; i < length; i++)
            {
                keys[i] = time[order[start + i]];
            }
            keys.Sort(order.AsSpan(start, length));
            for (var i = 0; i < length - 1;)
            {
                var j = i + 1;
                while (j < length && keys[j] == keys[i])
                {
                    j++;
                }
                if (j - i > 1)
                {
                    Array.Sort(order, start + i, j - i, byId);
                }
                i = j;
            }
            System.Buffers.ArrayPool<long>.Shared.Return(rented);
        });
        lap("group: sort");
        return new RowGroups(order, counts);
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 in chunks across the cores.</summary>
    private static void InParallel(int count, int chunk, Action<int> body) =>
        InParallelBlocks(count, chunk, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                body(i);
            }
        });

    /// <summary>Runs <paramref name="body"/> over blocks [start, end) of 0..count-1 across the cores: one call a block, for loops cheap enough per item that a call each would show.</summary>
    private static void InParallelBlocks(int count, int chunk, Action<int, int> body)
    {
        if (count <= chunk)
        {
            body(0, count);
            return;
        }
        Parallel.ForEach(Partitioner.Create(0, count, chunk), range => body(range.Item1, range.Item2));
    }

    private sealed class RowGroups(int[] order, int[] starts)
    {
        public int[] Order { get; } = order;
        public (int Start, int End) Range(int person) => (starts[person], starts[person + 1]);
        public ReadOnlySpan<int> Rows(int person) => Order.AsSpan(starts[person], starts[person + 1] - starts[person]);
    }

    private static void ComputeAnnualTiers(List<PersonWork> works, int year, Notices notices)
    {
        // A person's annual tiers before the warm funds look at that person alone: in parallel.
        InParallel(works.Count, 2048, i =>
        {
            var w = works[i];
            if (w.Policy.SpecialAssistance)
            {
                SpecialAssistanceTier(w, year, notices);
            }
            if (w.Policy.HighCostSubsidy)
            {
                HighCostSubsidyTier(w, year);
            }
            if (w.Policy.HighCostResolution)
            {
                HighCostResolutionTier(w, year);
            }
        });

        // 暖心无忧基金 — 嵊州方案 附件3: the city fund, then each township's on what is left; budget-limited.
        WarmFundStage(works, year, notices, Payer.WarmFundCity, "warm_fund_city", WarmFund.CityClause, w => w.Policy.County);
        WarmFundStage(works, year, notices, Payer.WarmFundTownship, "warm_fund_township", WarmFund.TownshipClause, w => w.Township);
    }

    // 特殊救助 — 杭政办函〔2022〕70号 二（四）, after every aid.
    private static void SpecialAssistanceTier(PersonWork w, int year, Notices notices)
    {
        var p = w.Policy.Parameters;
        var Eligible = IdentityRules.AssistanceEligible;
        if (!IdentityRules.HeldInYear(w.Person, year, w.Policy.LookbackMonths, Eligible))
        {
            return;
        }
        if (p.Optional("special_assistance.threshold") is not { } threshold)
        {
            if (notices.First(w.Policy.County, "special_assistance.threshold"))
            {
                notices.Add($"{w.Policy.County} {year}: special_assistance.threshold 未设置，特殊救助未计算 (special assistance not computed: threshold unset)");
            }
            return;
        }
        var tekun = IdentityRules.HeldInYear(w.Person, year, w.Policy.LookbackMonths, IdentityRules.Tekun);
        var ratio = p.Rate(tekun ? "special_assistance.ratio.tekun" : "special_assistance.ratio.other");
        var @base = w.TierBaseWhileHeld(Payer.SpecialAssistance, w.Policy.LookbackMonths, Eligible);
        var amount = SpecialAssistance.Amount(@base, new Money(threshold), ratio, p.Money("special_assistance.annual_limit"));
        w.AddAnnual(Payer.SpecialAssistance, @base, ratio, amount, "特殊救助", SpecialAssistance.Clause,
            $"起付线 {threshold:0.00}，{(tekun ? "特困人员" : "其他医疗救助对象")}，年度限额 {p.Money("special_assistance.annual_limit")}");
    }

    // 高额医疗费补助 — 景政办发〔2021〕29号 二（一）-（三）: inpatient and chronic outpatient only, any identity.
    private static void HighCostSubsidyTier(PersonWork w, int year)
    {
        var p = w.Policy.Parameters;
        if (!HighCostSubsidy.IsEligible(w.Person, w.Policy.County, year, (int)p.Required("high_cost_subsidy.insured_years")))
        {
            return;
        }
        var difficult = IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.Difficult);
        var prefix = difficult ? "high_cost_subsidy.difficult" : "high_cost_subsidy.other";
        var @base = w.TierBase(Payer.HighCostSubsidy, row => w.Class(row) is MedClass.Inpatient or MedClass.ChronicOutpatient);
        var deductible = p.Money(prefix + ".deductible");
        var ratio = p.Rate(prefix + ".ratio");
        var amount = HighCostSubsidy.Amount(@base, deductible, ratio, p.Money("high_cost_subsidy.annual_max"));
        w.AddAnnual(Payer.HighCostSubsidy, @base, ratio, amount, difficult ? "高额医疗费补助（困难人员）" : "高额医疗费补助（其他因病困难人员）",
            HighCostSubsidy.Clause, $"起付标准 {deductible}，最高 {p.Money("high_cost_subsidy.annual_max")}");
    }

    // 多渠道化解 — 温政办〔2021〕78号 三（三）11, for 困难群众.
    private static void HighCostResolutionTier(PersonWork w, int year)
    {
        if (!IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.Difficult))
        {
            return;
        }
        var line = w.Policy.Parameters.Money("high_cost_resolution.line");
        var @base = w.TierBaseWhileHeld(Payer.HighCostResolution, 0, IdentityRules.Difficult);
        w.AddAnnual(Payer.HighCostResolution, @base, null, HighCostResolution.Amount(@base, line), "高额医疗费用多渠道化解",
            HighCostResolution.Clause, $"化解至 {line} 以下");
    }

    private static void WarmFundStage(List<PersonWork> works, int year, Notices notices, Payer payer, string prefix, string clause, Func<PersonWork, string?> fundOf)
    {
        var groups = works.Where(w => w.Policy.WarmFunds && IdentityRules.HeldInYear(w.Person, year, 0, IdentityRules.Difficult))
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
            var bases = members.Select(w => w.TierBaseWhileHeld(payer, 0, IdentityRules.Difficult)).ToList();
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

    private static readonly List<Aid> NoAids = [];

    private interface IRowTest
    {
        bool Includes(int row);
    }

    private readonly struct RowsWhere(Func<int, bool> test) : IRowTest
    {
        public bool Includes(int row) => test(row);
    }

    private readonly struct RowsWhileHeld(PersonWork work, int lookbackMonths, Func<Identity, bool> kind) : IRowTest
    {
        public bool Includes(int row) => IdentityRules.HeldOn(work.Person, work.Day(row), lookbackMonths, kind);
    }

    private static List<HouseholdYearResult> ComputeHouseholdTiers(List<PersonWork> works, IReadOnlyList<Household> households, Func<string, Person?> personOf, int year)
    {
        // The works come in psn_no order, so each household's members do too. A household is one object
        // of the input (its id unique there): grouped by reference, without hashing the id text.
        var byHousehold = new Dictionary<Household, List<PersonWork>>(ReferenceEqualityComparer.Instance);
        foreach (var w in works)
        {
            if (w.Household is { } h)
            {
                if (!byHousehold.TryGetValue(h, out var members))
                {
                    byHousehold[h] = members = [];
                }
                members.Add(w);
            }
        }
        // Each household's tiers look at its own members only: in parallel, kept in household_id order.
        var billed = households.Where(byHousehold.ContainsKey).ToArray();
        if (!IsOrdinallySorted(billed))
        {
            Array.Sort(billed, (a, b) => string.CompareOrdinal(a.Id, b.Id));
        }
        var results = new HouseholdYearResult[billed.Length];
        InParallel(billed.Length, 1024, i => results[i] = HouseholdYear(billed[i], byHousehold[billed[i]], personOf, year));
        return [.. results];
    }

    private static bool IsOrdinallySorted(Household[] households)
    {
        for (var i = 1; i < households.Length; i++)
        {
            if (string.CompareOrdinal(households[i - 1].Id, households[i].Id) > 0)
            {
                return false;
            }
        }
        return true;
    }

    private static HouseholdYearResult HouseholdYear(Household household, List<PersonWork> members, Func<string, Person?> personOf, int year)
    {
        var policy = members[0].Policy;
        var lookback = policy.LookbackMonths;
        // Category and tekun count look at every member, billed this year or not (滨政办函〔2024〕1号 二（三）);
        // a billed member is at hand among the works, only the others are searched for in the registry.
        List<Person>? allMembers = null;
        List<Person> AllMembers() => allMembers ??= FindAllMembers();
        List<Person> FindAllMembers()
        {
            var all = new List<Person>(household.MemberPsnNos.Count);
            foreach (var psnNo in household.MemberPsnNos)
            {
                Person? member = null;
                foreach (var m in members)
                {
                    if (string.Equals(m.Person.PsnNo, psnNo, StringComparison.Ordinal))
                    {
                        member = m.Person;
                        break;
                    }
                }
                if ((member ?? personOf(psnNo)) is { } found)
                {
                    all.Add(found);
                }
            }
            return all;
        }
        var category = household.Category ?? AllMembers().Select(m => IdentityRules.MostFavourableCategory(m, year, lookback)).Where(c => c is not null).Min();
        var byPayer = new Money[Payers.Count];
        var lines = new List<PayerLine>();
        var capAmount = Money.Zero;
        if (policy.HouseholdCap && category is { } cat)
        {
            var p = policy.Parameters;
            var tekunMembers = cat == HouseholdCategory.Tekun ? AllMembers().Count(m => IdentityRules.HeldInYear(m, year, lookback, IdentityRules.Tekun)) : 0;
            var threshold = HouseholdCap.Threshold(cat, tekunMembers, p.Money("cap.threshold.tekun_per_person"), p.Money("cap.threshold.dibao_household"), p.Money("cap.threshold.dibian_household"));
            // Only settlements made while the member held tekun, dibao or dibian count (look-back included).
            var @base = Money.Zero;
            foreach (var m in members)
            {
                @base += m.TierBaseWhileHeld(Payer.CapFund, lookback, IdentityRules.Difficult);
            }
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
        return result;
    }

    /// <summary>
    /// A household amount shared among members in proportion to their burden before it, rounded
    /// half up, the member last in psn_no order taking what is left (rules.md, common).
    /// </summary>
    private static void ShareAmongMembers(List<PersonWork> members, Money amount)
    {
        var totalBurden = Money.Zero;
        foreach (var m in members)
        {
            totalBurden += m.PersonalBurdenBeforeHousehold.AtLeastZero();
        }
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

    private static List<Warning> RaiseWarnings((Person Person, RegionPolicy Policy, Household? Household)[] persons, PersonWork?[] workOf, int year, Notices notices)
    {
        // Each person's warnings depend on that person alone: in parallel, kept in psn_no order.
        var raised = new List<Warning>?[persons.Length];
        InParallel(persons.Length, 4096, i => raised[i] = WarningsOf(persons[i].Person, persons[i].Policy, workOf[i], year, notices));
        var warnings = new List<Warning>();
        foreach (var list in raised)
        {
            if (list is not null)
            {
                warnings.AddRange(list);
            }
        }
        return warnings;
    }

    private static List<Warning>? WarningsOf(Person person, RegionPolicy policy, PersonWork? work, int year, Notices notices)
    {
        List<Warning>? warnings = null;
        var group = Monitoring.Group(person, year);
        var assisted = IdentityRules.IsAssisted(person, year);
        var warningBase = work?.Result.WarningBase ?? Money.Zero;
        if (assisted)
        {
            var line = policy.RelapseLine ?? policy.Parameters.Money("warning.relapse_line"); // missing: refused as a defect of the parameters
            if (warningBase.IsPositive && warningBase >= line)
            {
                (warnings ??= []).Add(new Warning(person.PsnNo, WarningKind.Relapse, group, warningBase, line, Monitoring.RelapseClause));
            }
            if (Monitoring.EnrollmentGapDays(person, year) > 0)
            {
                (warnings ??= []).Add(new Warning(person.PsnNo, WarningKind.EnrollmentGap, group, null, null, Monitoring.EnrollmentClause));
            }
        }
        else if (policy.ImpoverishmentLine is { } line)
        {
            if (warningBase.IsPositive && warningBase >= line)
            {
                (warnings ??= []).Add(new Warning(person.PsnNo, WarningKind.Impoverishment, MonitoringGroup.Potential, warningBase, line, Monitoring.ImpoverishmentClause));
            }
        }
        else if (work is not null)
        {
            if (notices.First(policy.County, "warning.impoverishment_line"))
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

    /// <summary>The medical-assistance line of one settlement, for the explanation and settlement_payers.csv.</summary>
    public static PayerLine? MedicalAssistanceLine(SettlementColumns columns, int row, string psnNo, RegionPolicy policy, Money? limitUsed, Money? limitLeft)
    {
        var table = columns.Table;
        var amount = Money.FromFen(columns.MedicalAssistance(row));
        var standing = columns.Standing[row];
        var part = Money.FromFen(Math.Max(0, table.Scope(row) - table.Funds(row)));
        if (policy.MedicalAssistance == MedicalAssistanceSource.FromSettlement)
        {
            return amount.IsZero ? null : new PayerLine(table.SetlId(row), psnNo, Payer.MedicalAssistance, part, null, amount,
                "医疗救助（医保结算 maf_pay）", $"{policy.DocumentNames}：医疗救助按上级规定结算");
        }
        if (standing == Standing.None)
        {
            return null;
        }
        var a = policy.Assistance!;
        var st = new AssistanceStanding(standing, standing switch
        {
            Standing.Tekun => a.Tekun,
            Standing.Dibao or Standing.DibaoIllnessInduced => a.Dibao,
            Standing.DisabledLevel1 or Standing.DisabledLevel2 => a.DisabledSevere,
            _ => a.Dibian,
        }, standing == Standing.Tekun);
        var clause = policy.MedicalAssistance == MedicalAssistanceSource.Hangzhou ? MedicalAssistance.HangzhouClause : MedicalAssistance.WenzhouClause;
        return new PayerLine(table.SetlId(row), psnNo, Payer.MedicalAssistance, part, st.Ratio, amount, $"医疗救助（{st.Label}）", clause, limitUsed, limitLeft,
            st.Unlimited ? "不设年度限额" : (columns.ClassOf(row) == MedClass.GeneralOutpatient ? "普通门诊限额内" : null));
    }

    private static readonly Payer[] Funds = [Payer.Basic, Payer.Critical, Payer.LargeSum, Payer.CivilServant, Payer.Enterprise, Payer.OtherFund];

    /// <summary>The insurance funds' lines of one settlement, as the data reports them.</summary>
    internal static IEnumerable<PayerLine> FundLines(SettlementTable table, int row, string psnNo)
    {
        foreach (var fund in Funds)
        {
            var amount = table.Fund(row, fund);
            if (amount != 0)
            {
                yield return new PayerLine(table.SetlId(row), psnNo, fund, Money.FromFen(table.Sum(row)), null, Money.FromFen(amount), SettlementRule, "医保结算数据");
            }
        }
    }

    /// <summary>The notices of a run, in order; given from parallel loops, each text made once per county.</summary>
    private sealed class Notices
    {
        private readonly SortedSet<string> _texts = new(StringComparer.Ordinal);
        private ConcurrentDictionary<(string County, string Key), byte>? _given;

        /// <summary>True the first time a county's notice of this key is asked for; a look-up without a lock after that.</summary>
        public bool First(string county, string key)
        {
            // Made at the first question: one household's recompute usually asks none.
            var given = _given ?? Interlocked.CompareExchange(ref _given, new(), null) ?? _given;
            return !given.ContainsKey((county, key)) && given.TryAdd((county, key), 0);
        }

        public void Add(string text)
        {
            lock (_texts)
            {
                _texts.Add(text);
            }
        }

        public List<string> ToList() => [.. _texts];
    }

    /// <summary>The working state of one person's year.</summary>
    private sealed class PersonWork
    {
        private readonly SettlementColumns _columns;
        private readonly int _start;
        private readonly int _end;
        private readonly List<Aid> _aids;
        private readonly bool _explain;
        private List<PayerLine>? _lines;

        private List<PayerLine> Lines => _lines ??= [];
        private int[] _order = [];

        public PersonWork(Person person, RegionPolicy policy, Household? household, SettlementColumns columns, (int Start, int End) rows, List<Aid> aids, bool explain,
            ArraySegment<Money> byPayer)
        {
            ByPayer = byPayer;
            Person = person;
            Policy = policy;
            Household = household;
            _columns = columns;
            (_start, _end) = rows;
            _aids = aids;
            _explain = explain;
            Result = new PersonYearResult(person, household?.Id, ByPayer) { Policy = policy, RowStart = _start, RowEnd = _end };
        }

        public Person Person { get; }
        public RegionPolicy Policy { get; }
        public Household? Household { get; }
        public string? Township => Household?.Township ?? (Person.Region.Length >= 9 ? Person.Region[..9] : null);
        // A field, not a property: writing a payer goes to the shared array, not to a copy of the slice.
        public ArraySegment<Money> ByPayer;
        public PersonYearResult Result { get; }
        public Money PersonalBurdenBeforeHousehold { get; private set; }

        public DateOnly Day(int row) => DateOnly.FromDayNumber((int)(_columns.Table.Time[row] / TimeSpan.TicksPerDay));
        public MedClass Class(int row) => _columns.ClassOf(row);

        public void ComputeSettlementTiers(int[] order)
        {
            _order = order;
            var table = _columns.Table;
            var a = Policy.Assistance;
            var limits = a is null || Person.Identities.Count == 0 ? null : new AssistanceLimits(a.AnnualLimit, a.GeneralOutpatientLimit);
            long total = 0, scope = 0, warningBase = 0, hifp = 0, hifmi = 0, hifob = 0, cvlserv = 0, hifes = 0, oth = 0, assistanceTotal = 0;
            var settlements = _explain ? new List<SettlementResult>(_end - _start) : null;
            for (var k = _start; k < _end; k++)
            {
                var row = order[k];
                var day = Day(row);
                var enters = (table.Flags[row] & SettlementTable.ExcludedFlag) == 0 && Policy.InForce.Contains(day);
                _columns.EntersTiers[row] = enters;
                long assistance = 0;
                Money? used = null, left = null;
                if (Policy.MedicalAssistance == MedicalAssistanceSource.FromSettlement)
                {
                    assistance = table.Maf(row); // always kept: what the data says was paid (rules.md)
                }
                else if (enters && limits is not null)
                {
                    var standing = Policy.MedicalAssistance == MedicalAssistanceSource.Hangzhou
                        ? MedicalAssistance.HangzhouStanding(Person, day, Policy.LookbackMonths, a!)
                        : MedicalAssistance.WenzhouStanding(Person, day, a!);
                    if (standing is { } st)
                    {
                        var medClass = Class(row);
                        var part = Money.FromFen(Math.Max(0, table.Scope(row) - table.Funds(row)));
                        var amount = MedicalAssistance.Assist(part, medClass, st, limits!);
                        assistance = amount.Fen;
                        _columns.Standing[row] = st.Standing;
                        if (!st.Unlimited)
                        {
                            used = amount;
                            left = limits!.Available(medClass);
                        }
                    }
                }
                _columns.SetMedicalAssistance(row, assistance);
                var funds = table.Funds(row);
                hifp += table.Hifp(row);
                hifmi += table.Hifmi(row);
                hifob += table.Hifob(row);
                cvlserv += table.Cvlserv(row);
                hifes += table.Hifes(row);
                oth += table.Oth(row);
                assistanceTotal += assistance;
                total += table.Sum(row);
                scope += table.Scope(row);
                var burdenAfter = table.Sum(row) - funds - assistance;
                warningBase += burdenAfter;
                if (_explain)
                {
                    Lines.AddRange(FundLines(table, row, Person.PsnNo));
                    if (MedicalAssistanceLine(_columns, row, Person.PsnNo, Policy, used, left) is { } line)
                    {
                        Lines.Add(line);
                    }
                    settlements!.Add(new SettlementResult(table.Get(row), Money.FromFen(assistance), Money.FromFen(burdenAfter), enters));
                }
            }
            ByPayer[(int)Payer.Basic] = Money.FromFen(hifp);
            ByPayer[(int)Payer.Critical] = Money.FromFen(hifmi);
            ByPayer[(int)Payer.LargeSum] = Money.FromFen(hifob);
            ByPayer[(int)Payer.CivilServant] = Money.FromFen(cvlserv);
            ByPayer[(int)Payer.Enterprise] = Money.FromFen(hifes);
            ByPayer[(int)Payer.OtherFund] = Money.FromFen(oth);
            ByPayer[(int)Payer.MedicalAssistance] = Money.FromFen(assistanceTotal);
            foreach (var aid in _aids)
            {
                ByPayer[(int)aid.Payer] += aid.Amount;
                Lines.Add(new PayerLine(aid.SetlId, Person.PsnNo, aid.Payer, Money.Zero, null, aid.Amount, $"{aid.Payer.ChineseName()}支付", "部门报送",
                    Note: aid.VoucherNo is null ? null : $"凭证 {aid.VoucherNo}"));
            }
            Result.MedfeeSumamt = Money.FromFen(total);
            Result.PolicyScopeAmount = Money.FromFen(scope);
            Result.WarningBase = Money.FromFen(warningBase);
            Result.Settlements = settlements ?? (IReadOnlyList<SettlementResult>)[];
            UpdateBurden();
        }

        /// <summary>
        /// The base of an annual tier: the burden left after the per-settlement tiers of the settlements
        /// in its base, less the aids (unless an aid names a settlement outside the base) and every
        /// earlier annual tier; never below 0 (rules.md, common).
        /// </summary>
        public Money TierBase(Payer tier, Func<int, bool> inBase) => TierBase(tier, new RowsWhere(inBase));

        /// <summary>The base of the settlements made while an identity of <paramref name="kind"/> was held (a look-back window counts as held).</summary>
        public Money TierBaseWhileHeld(Payer tier, int lookbackMonths, Func<Identity, bool> kind) => TierBase(tier, new RowsWhileHeld(this, lookbackMonths, kind));

        // Generic over a struct test so the loop calls it directly: a million people make no closures.
        private Money TierBase<TRows>(Payer tier, TRows inBase)
            where TRows : struct, IRowTest
        {
            var table = _columns.Table;
            long sum = 0;
            HashSet<string>? inBaseIds = null;
            var aidsNameSettlements = _aids.Exists(a => a.SetlId is not null);
            for (var k = _start; k < _end; k++)
            {
                var row = _order[k];
                if (_columns.EntersTiers[row] && inBase.Includes(row))
                {
                    sum += table.Sum(row) - table.Funds(row) - _columns.MedicalAssistance(row);
                    if (aidsNameSettlements)
                    {
                        (inBaseIds ??= new HashSet<string>(StringComparer.Ordinal)).Add(table.SetlId(row));
                    }
                }
            }
            var result = Money.FromFen(sum);
            foreach (var aid in _aids)
            {
                if (aid.Payer < tier && (aid.SetlId is null || (inBaseIds?.Contains(aid.SetlId) ?? false)))
                {
                    result -= aid.Amount;
                }
            }
            for (var payer = Payer.SpecialAssistance; payer < tier; payer++)
            {
                result -= ByPayer[(int)payer];
            }
            return result.AtLeastZero();
        }

        public void AddAnnual(Payer payer, Money @base, Rate? ratio, Money amount, string rule, string clause, string? note)
        {
            ByPayer[(int)payer] += amount;
            Lines.Add(new PayerLine(null, Person.PsnNo, payer, @base, ratio, amount, rule, clause, Note: note));
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
            Result.Difficult = IdentityRules.HeldInYear(Person, year, Policy.LookbackMonths, IdentityRules.Difficult);
            Result.Group = Monitoring.Group(Person, year);
            Result.Lines = (IReadOnlyList<PayerLine>?)_lines ?? [];
        }
    }
}

/// <summary>What the engine computed per settlement, as columns beside the <see cref="SettlementTable"/>.</summary>
public sealed class SettlementColumns
{
    private readonly MedClass[] _classes;

    // In 32 bits of fen like the settlement's own amounts (it is at most the settlement's policy-scope part
    // or maf_pay); a larger amount is marked with int.MinValue and kept aside.
    private const int KeptAside = int.MinValue;
    private readonly int[] _medicalAssistance;
    private readonly Dictionary<int, long> _largeMedicalAssistance = [];

    internal SettlementColumns(SettlementTable table, MedClass[] classes)
    {
        Table = table;
        _classes = classes;
        _medicalAssistance = new int[table.Count];
        Standing = new Standing[table.Count];
        EntersTiers = new bool[table.Count];
    }

    public SettlementTable Table { get; }

    /// <summary>Medical assistance of a row, in fen (computed, or maf_pay where the region does not compute it).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long MedicalAssistance(int row) => _medicalAssistance[row] is var fen && fen != KeptAside ? fen : LargeMedicalAssistance(row);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private long LargeMedicalAssistance(int row) => _largeMedicalAssistance[row];

    /// <summary>Sets a row's medical assistance; the rows of different people are set in parallel.</summary>
    internal void SetMedicalAssistance(int row, long fen)
    {
        if (fen == (int)fen && fen != KeptAside)
        {
            _medicalAssistance[row] = (int)fen;
            return;
        }
        lock (_largeMedicalAssistance)
        {
            _largeMedicalAssistance[row] = fen;
        }
        _medicalAssistance[row] = KeptAside;
    }

    public Standing[] Standing { get; }

    /// <summary>Referral-compliant, not excluded, and within the policy's dates.</summary>
    public bool[] EntersTiers { get; }

    public MedClass ClassOf(int row) => _classes[Table.MedType[row]];
}
