using System.Collections.Concurrent;
using System.Data;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Funds;

/// <summary>The accounts of every fund. Debits are positive, credits negative; every entry sums to zero.</summary>
public static class LedgerAccounts
{
    /// <summary>Money the fund holds at the bank.</summary>
    public const string Bank = "bank";

    /// <summary>Approved payouts not yet sent to the bank.</summary>
    public const string Payable = "payable";

    /// <summary>Payouts sent to the bank and not yet confirmed by its return file (payment "unknown").</summary>
    public const string InTransit = "in_transit";

    /// <summary>Money to be recovered from people who obtained it by fraud (弄虚作假).</summary>
    public const string Receivable = "receivable";

    /// <summary>The fund's money available for payouts of an expense year (credit balance).</summary>
    public static string Budget(int year) => "budget:" + year.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static readonly IReadOnlyDictionary<string, string> Sources = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["city_fiscal"] = "市级财政",
        ["district_fiscal"] = "区（县、市）级财政",
        ["donation"] = "社会捐赠",
        ["enterprise"] = "企业捐赠",
        ["recovery"] = "追回资金",
    };

    public static bool IsFiscal(string? source) => source is "city_fiscal" or "district_fiscal";
}

public sealed record Posting(string Account, long Fen);

/// <summary>A refusal of a money operation, in words the clerk can act on (not enough money, wrong state …).</summary>
public sealed class LedgerRefusal(string message) : Exception(message);

/// <summary>
/// The fund ledger: money moves only in immutable, balanced entries (migration 0006 refuses updates and
/// deletes); a correction is a reversing entry. Every entry has an idempotency key, so a request repeated
/// or a batch rerun posts nothing twice. Operations on one fund are serialised (SQLite: one writer per
/// store file in this process; PostgreSQL: an advisory lock per fund) so that a balance checked is the
/// balance spent.
/// </summary>
public sealed class Ledger(GongjiStore store, TimeProvider clock)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteWriters = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/> in one transaction holding the fund's lock.</summary>
    public async Task<T> InFundTransactionAsync<T>(long fundId, Func<GongjiDb, Task<T>> work, CancellationToken ct = default)
    {
        SemaphoreSlim? gate = null;
        if (store.Provider == StoreProvider.Sqlite)
        {
            gate = SqliteWriters.GetOrAdd(store.ConnectionString, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(ct);
        }
        try
        {
            await using var db = store.CreateDb();
            await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            if (store.Provider == StoreProvider.Postgres)
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(4711, {0})", [(int)fundId], ct);
            }
            var result = await work(db);
            await tx.CommitAsync(ct);
            return result;
        }
        finally
        {
            gate?.Release();
        }
    }

    /// <summary>
    /// Posts a balanced entry inside the caller's fund transaction; with a key already posted, returns that
    /// entry and posts nothing.
    /// </summary>
    public async Task<(LedgerEntryRow Entry, bool Created)> PostAsync(GongjiDb db, FundRow fund, string kind, int fundYear, DateOnly valueDate, string memo,
        string idempotencyKey, IReadOnlyList<Posting> postings, string by, string? source = null, long? applicationId = null, long? reverses = null, CancellationToken ct = default)
    {
        var existing = await db.LedgerEntries.AsNoTracking().SingleOrDefaultAsync(e => e.IdempotencyKey == idempotencyKey, ct);
        if (existing is not null)
        {
            return (existing, false);
        }
        if (postings.Count < 2 || postings.Sum(p => p.Fen) != 0 || postings.Any(p => p.Fen == 0))
        {
            throw new InvalidOperationException($"entry '{idempotencyKey}' is not balanced: {string.Join(", ", postings.Select(p => $"{p.Account} {p.Fen}"))}");
        }
        var entry = new LedgerEntryRow
        {
            FundId = fund.Id, At = clock.GetUtcNow(), ValueDate = valueDate, FundYear = fundYear, Kind = kind, Source = source, Memo = memo,
            IdempotencyKey = idempotencyKey, ReversesId = reverses, ApplicationId = applicationId, CreatedBy = by,
        };
        db.LedgerEntries.Add(entry);
        await db.SaveChangesAsync(ct);
        foreach (var p in postings)
        {
            db.LedgerPostings.Add(new LedgerPostingRow { EntryId = entry.Id, FundId = fund.Id, Account = p.Account, AmountFen = p.Fen });
        }
        await db.SaveChangesAsync(ct);
        return (entry, true);
    }

    public async Task<FundRow> FundAsync(string code, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        return await db.Funds.AsNoTracking().SingleOrDefaultAsync(f => f.Code == code, ct)
            ?? throw new ArgumentException($"there is no fund '{code}'");
    }

    /// <summary>A contribution (市财政, 区财政, 捐赠 …) into a year's budget: the bank gains, the year's budget grows.</summary>
    public async Task<LedgerEntryRow> ContributeAsync(string fundCode, int year, string source, decimal yuan, DateOnly valueDate, string memo, string by, string? key = null, CancellationToken ct = default)
    {
        if (!LedgerAccounts.Sources.ContainsKey(source) || source == "recovery")
        {
            throw new ArgumentException($"source '{source}' is not one of city_fiscal, district_fiscal, donation, enterprise");
        }
        var fen = Fen(yuan);
        if (fen <= 0)
        {
            throw new ArgumentException($"a contribution is a positive amount (got {yuan})");
        }
        var fund = await FundAsync(fundCode, ct);
        return await InFundTransactionAsync(fund.Id, async db => (await PostAsync(db, fund, "contribution", year, valueDate, memo,
            key ?? $"contribution:{fund.Code}:{Guid.NewGuid():N}", [new(LedgerAccounts.Bank, fen), new(LedgerAccounts.Budget(year), -fen)], by, source, ct: ct)).Entry, ct);
    }

    /// <summary>A correction: an entry with every posting of the original negated. The original stays.</summary>
    public async Task<LedgerEntryRow> ReverseAsync(long entryId, string reason, string by, CancellationToken ct = default)
    {
        await using var read = store.CreateDb();
        var original = await read.LedgerEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Id == entryId, ct) ?? throw new ArgumentException($"there is no entry #{entryId}");
        var fund = await read.Funds.AsNoTracking().SingleAsync(f => f.Id == original.FundId, ct);
        var postings = await read.LedgerPostings.AsNoTracking().Where(p => p.EntryId == entryId).ToListAsync(ct);
        return await InFundTransactionAsync(fund.Id, async db =>
        {
            if (await db.LedgerEntries.AnyAsync(e => e.ReversesId == entryId, ct))
            {
                throw new LedgerRefusal($"entry #{entryId} has already been reversed");
            }
            var negated = postings.Select(p => new Posting(p.Account, -p.AmountFen)).ToList();
            // Reversing a contribution must not take back money already promised to payouts.
            foreach (var budget in negated.Where(p => p.Account.StartsWith("budget:", StringComparison.Ordinal) && p.Fen > 0))
            {
                var left = -await BalanceAsync(db, fund.Id, budget.Account, ct);
                if (left < budget.Fen)
                {
                    throw new LedgerRefusal($"不能冲销：{budget.Account} 仅余 {left / 100m:0.00} 元，少于要冲销的 {budget.Fen / 100m:0.00} 元");
                }
            }
            return (await PostAsync(db, fund, "reversal", original.FundYear, DateOnly.FromDateTime(clock.GetLocalNow().Date), $"冲销 #{entryId}：{reason}",
                $"reversal:{entryId}", negated, by, original.Source, original.ApplicationId, entryId, ct)).Entry;
        }, ct);
    }

    /// <summary>
    /// 年末结转 (嵊州方案 附件3): the unspent budget of <paramref name="year"/> becomes the next year's. Posted
    /// once per fund and year whatever the number of requests.
    /// </summary>
    public async Task<LedgerEntryRow?> RolloverAsync(string fundCode, int year, string by, CancellationToken ct = default)
    {
        var fund = await FundAsync(fundCode, ct);
        return await InFundTransactionAsync(fund.Id, async db =>
        {
            var left = -await BalanceAsync(db, fund.Id, LedgerAccounts.Budget(year), ct);
            if (left <= 0)
            {
                return null;
            }
            return (await PostAsync(db, fund, "rollover", year + 1, new DateOnly(year, 12, 31), $"{year} 年度结余结转 {year + 1} 年度",
                $"rollover:{fund.Code}:{year}", [new(LedgerAccounts.Budget(year), left), new(LedgerAccounts.Budget(year + 1), -left)], by, ct: ct)).Entry;
        }, ct);
    }

    public static async Task<long> BalanceAsync(GongjiDb db, long fundId, string account, CancellationToken ct = default) =>
        await db.LedgerPostings.Where(p => p.FundId == fundId && p.Account == account).SumAsync(p => (long?)p.AmountFen, ct) ?? 0;

    /// <summary>Every account's balance on a date (entries valued on or before it), debit positive.</summary>
    public async Task<IReadOnlyDictionary<string, long>> BalancesAsync(long fundId, DateOnly? asOf = null, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var query = from p in db.LedgerPostings
                    join e in db.LedgerEntries on p.EntryId equals e.Id
                    where p.FundId == fundId
                    select new { p.Account, p.AmountFen, e.ValueDate };
        if (asOf is { } day)
        {
            query = query.Where(x => x.ValueDate <= day);
        }
        var rows = await query.ToListAsync(ct);
        return rows.GroupBy(r => r.Account, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.AmountFen), StringComparer.Ordinal);
    }

    public static long Fen(decimal yuan) =>
        decimal.Round(yuan, 2) == yuan ? (long)(yuan * 100m) : throw new ArgumentException($"{yuan} has more than two decimals (fen)");
}
