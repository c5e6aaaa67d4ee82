using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Runs;

/// <summary>Reads one region-year of the store into the engine's input (architecture.md: Batch way).</summary>
public static class StoreSnapshot
{
    /// <summary>
    /// The store as it is, or as it was when load batch <paramref name="asOfBatch"/> had just been
    /// written (current rows loaded by then, and the versions they replaced since), so a past run
    /// reads exactly what it read.
    /// </summary>
    public static async Task<(RegionYearInput Input, string Fingerprint, long LastBatchId)> ReadAsync(
        GongjiStore store, string region, int year, IReadOnlyDictionary<string, decimal> parameters, CancellationToken ct = default, long? asOfBatch = null)
    {
        await using var db = store.CreateDb();
        IQueryable<T> AsOf<T>(DbSet<T> set, FileKind kind) where T : class =>
            asOfBatch is { } b ? set.FromSqlRaw(AsOfSql(kind), b).AsNoTracking() : set.AsNoTracking();
        var households = await AsOf(db.Households, new HouseholdsKind()).ToDictionaryAsync(h => h.HouseholdId, StringComparer.Ordinal, ct);
        var personRows = await AsOf(db.Persons, new PersonsKind()).ToListAsync(ct);
        string? RegionOf(PersonRow p) =>
            p.HouseholdId is { } hid && households.TryGetValue(hid, out var h) ? h.RegionCode : p.InsuplcAdmdvs;
        var selected = personRows.Where(p => RegionOf(p) is { } r && r.StartsWith(region, StringComparison.Ordinal)).ToList();
        var selectedIds = selected.Select(p => p.PsnNo).ToHashSet(StringComparer.Ordinal);

        var identities = (await AsOf(db.Identities, new IdentitiesKind()).ToListAsync(ct)).Where(i => selectedIds.Contains(i.PsnNo)).ToLookup(i => i.PsnNo, StringComparer.Ordinal);
        var enrolmentRows = await AsOf(db.Enrolments, new EnrolmentsKind()).ToListAsync(ct);
        var anyEnrolments = enrolmentRows.Count > 0;
        var enrolments = enrolmentRows.Where(e => selectedIds.Contains(e.PsnNo)).ToLookup(e => e.PsnNo, StringComparer.Ordinal);

        var persons = selected.Select(p => new Person
        {
            PsnNo = p.PsnNo,
            HouseholdId = p.HouseholdId is { } hid && households.ContainsKey(hid) ? hid : null,
            Region = RegionOf(p)!,
            Insutype = p.Insutype ?? "390",
            HukouRegion = p.HukouAdmdvs,
            InsuredSince = p.InsuredSince,
            Enrolments = anyEnrolments ? enrolments[p.PsnNo].Select(e => new DateRange(e.Begndate, e.Enddate ?? DateOnly.MaxValue)).ToList() : null,
            Identities = identities[p.PsnNo].Select(ToIdentity).ToList(),
        }).ToList();

        var householdList = persons.Where(p => p.HouseholdId is not null).GroupBy(p => p.HouseholdId!, StringComparer.Ordinal)
            .Select(g =>
            {
                var h = households[g.Key];
                return new Household
                {
                    Id = h.HouseholdId,
                    Region = h.RegionCode,
                    Category = h.Category switch { "tekun" => HouseholdCategory.Tekun, "dibao" => HouseholdCategory.Dibao, "dibian" => HouseholdCategory.Dibian, _ => null },
                    MemberPsnNos = g.Select(p => p.PsnNo).ToList(),
                };
            }).ToList();

        var settlementRows = await AsOf(db.Settlements, new SettlementsKind()).Where(s => s.SetlYear == year || s.RefdSetlFlag).ToListAsync(ct);
        var settlements = settlementRows.Where(s => selectedIds.Contains(s.PsnNo)).Select(ToSettlement).ToList();
        var aids = (await AsOf(db.Aids, new AidsKind()).Where(a => a.ExpenseYear == year).ToListAsync(ct))
            .Where(a => selectedIds.Contains(a.PsnNo))
            .Select(a => new Aid(a.PsnNo, Payers.TryParse(a.Payer, out var payer) ? payer : throw new InvalidDataException($"aid {a.VoucherNo}: unknown payer {a.Payer}"),
                Money.FromFen(a.AmountFen), a.PayDate, a.ExpenseYear, a.SetlId, a.VoucherNo))
            .ToList();

        var lastBatch = asOfBatch ?? await db.LoadBatches.MaxAsync(b => (long?)b.Id, ct) ?? 0;
        var fingerprint = Fingerprint(persons, householdList, settlements, aids);
        var input = new RegionYearInput { Year = year, Persons = persons, Households = householdList, Settlements = settlements, Aids = aids, Parameters = parameters };
        return (input, fingerprint, lastBatch);
    }

    private static string AsOfSql(FileKind kind)
    {
        var columns = string.Join(", ", kind.StoredColumns);
        var current = $"SELECT {columns} FROM {kind.Table} WHERE batch_id <= {{0}}";
        return kind.HistoryTable is null
            ? current
            : $"{current} UNION ALL SELECT {columns} FROM {kind.HistoryTable} WHERE batch_id <= {{0}} AND replaced_by_batch > {{0}}";
    }

    public static Identity ToIdentity(IdentityRow i) =>
        new(IdentityTypes.TryParse(i.IdetType, out var t) ? t : throw new InvalidDataException($"identity of {i.PsnNo}: unknown type {i.IdetType}"),
            new DateRange(i.Begntime, i.Endtime ?? DateOnly.MaxValue), i.Level, i.IllnessInduced, i.GradualExit);

    public static Settlement ToSettlement(SettlementRow s) => new()
    {
        SetlId = s.SetlId,
        PsnNo = s.PsnNo,
        SetlTime = s.SetlTime,
        MedType = s.MedType,
        MedfeeSumamt = Money.FromFen(s.MedfeeSumamtFen),
        FulamtOwnpayAmt = Money.FromFen(s.FulamtOwnpayAmtFen),
        OverlmtSelfpay = Money.FromFen(s.OverlmtSelfpayFen),
        PreselfpayAmt = Money.FromFen(s.PreselfpayAmtFen),
        InscpScpAmt = Money.FromFen(s.InscpScpAmtFen),
        HifpPay = Money.FromFen(s.HifpPayFen),
        HifmiPay = Money.FromFen(s.HifmiPayFen),
        HifobPay = Money.FromFen(s.HifobPayFen),
        CvlservPay = Money.FromFen(s.CvlservPayFen),
        HifesPay = Money.FromFen(s.HifesPayFen),
        MafPay = Money.FromFen(s.MafPayFen),
        OthPay = Money.FromFen(s.OthPayFen),
        IsReversal = s.RefdSetlFlag,
        InitSetlId = s.InitSetlId,
        ReferralCompliant = s.ReferralCompliant,
        Exclusion = MedTypes.TryParseExclusion(s.Exclusion, out var e) ? e : Exclusion.None,
    };

    /// <summary>A fingerprint of everything the computation read, so a rerun can show it saw the same inputs.</summary>
    public static string Fingerprint(IEnumerable<Person> persons, IEnumerable<Household> households, IEnumerable<Settlement> settlements, IEnumerable<Aid> aids)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(string s) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(s + "\n"));
        foreach (var p in persons.OrderBy(p => p.PsnNo, StringComparer.Ordinal))
        {
            Add($"{p.PsnNo}|{p.HouseholdId}|{p.Region}|{p.HukouRegion}|{p.InsuredSince}|{string.Join(';', p.Identities.Select(i => i.ToString()))}|{(p.Enrolments is null ? "*" : string.Join(';', p.Enrolments))}");
        }
        foreach (var h in households.OrderBy(h => h.Id, StringComparer.Ordinal))
        {
            Add($"{h.Id}|{h.Region}|{h.Category}|{string.Join(';', h.MemberPsnNos)}");
        }
        foreach (var s in settlements.OrderBy(s => s.SetlId, StringComparer.Ordinal))
        {
            Add(string.Join('|', s.SetlId, s.PsnNo, s.SetlTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), s.MedType,
                s.MedfeeSumamt, s.FulamtOwnpayAmt, s.OverlmtSelfpay, s.PreselfpayAmt, s.InscpScpAmt, s.HifpPay, s.HifmiPay, s.HifobPay,
                s.CvlservPay, s.HifesPay, s.MafPay, s.OthPay, s.IsReversal, s.InitSetlId, s.ReferralCompliant, s.Exclusion));
        }
        foreach (var a in aids.OrderBy(a => a.Payer).ThenBy(a => a.VoucherNo, StringComparer.Ordinal))
        {
            Add(string.Join('|', a.PsnNo, a.Payer, a.Amount, a.PayDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), a.ExpenseYear, a.SetlId, a.VoucherNo));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
