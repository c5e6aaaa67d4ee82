using System.Globalization;
using System.Text;
using Gongji.Applications;
using Gongji.Loading;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Funds;

public sealed record BatchReport(string Batch, int Sent, long SentFen, int AlreadySent, string File);

public sealed record ReturnReport(int Paid, int Failed, int AlreadySettled, IReadOnlyList<string> Errors);

/// <summary>
/// Payouts to social-security-card accounts (景政办发〔2021〕29号 二（三） "打入社保卡账户"): a batch sends every
/// approved, unpaid amount as one payment each — its key is the application and attempt, so a repeated
/// request or a rerun after a crash sends nothing twice — and writes the bank's file. A payment is
/// "unknown" until the bank's return file says paid (money leaves the bank account) or failed (it goes
/// back to payable, for the next batch). Each payment is its own transaction: a batch killed at any
/// point and run again ends with the same ledger as one never interrupted.
/// </summary>
public sealed class Payments(GongjiStore store, TimeProvider clock, Ledger ledger)
{
    public const string Unknown = "unknown";
    public const string Paid = "paid";
    public const string Failed = "failed";

    public async Task<BatchReport> SendBatchAsync(string fundCode, string batch, DateOnly valueDate, string folder, UserScope who, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        List<long> due;
        await using (var db = store.CreateDb())
        {
            due = await db.Applications.AsNoTracking().Where(a => a.FundId == fund.Id && (a.State == Workflow.Approved || a.State == "partly_paid"))
                .OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(ct);
        }
        int sent = 0, already = 0;
        long sentFen = 0;
        foreach (var id in due)
        {
            var (created, fen) = await SendOneAsync(fund, id, batch, valueDate, who, ct);
            if (created)
            {
                sent++;
                sentFen += fen;
            }
            else
            {
                already++;
            }
        }
        var file = await WriteBankFileAsync(fund, batch, folder, ct);
        return new BatchReport(batch, sent, sentFen, already, file);
    }

    /// <summary>
    /// 审批并支付: approval and the payment instruction in one request. Repeated — by a double click, a
    /// retry, a thousand at once — it approves once and sends one payment.
    /// </summary>
    public async Task<(ApplicationOutcome Approval, bool Sent, long Fen)> ApproveAndPayAsync(ApplicationService applications, long applicationId, UserScope who, string batch, DateOnly valueDate, CancellationToken ct = default)
    {
        var approval = await applications.ApproveAsync(applicationId, who, null, ct);
        if (approval.Refusal is not null || approval.Application is null)
        {
            return (approval, false, 0);
        }
        var fund = await FundOfAsync(applicationId, ct);
        var (sent, fen) = await SendOneAsync(fund, applicationId, batch, valueDate, who, ct);
        return (approval, sent, fen);
    }

    private async Task<FundRow> FundOfAsync(long applicationId, CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var fundId = await db.Applications.Where(a => a.Id == applicationId).Select(a => a.FundId).SingleAsync(ct);
        return await db.Funds.AsNoTracking().SingleAsync(f => f.Id == fundId, ct);
    }

    /// <summary>One payment: the approved amount not yet paid or on its way, unless a payment for it is still unknown.</summary>
    public async Task<(bool Created, long Fen)> SendOneAsync(FundRow fund, long applicationId, string batch, DateOnly valueDate, UserScope who, CancellationToken ct = default) =>
        await ledger.InFundTransactionAsync(fund.Id, async db =>
        {
            var app = await db.Applications.SingleAsync(a => a.Id == applicationId, ct);
            var payments = await db.Payments.Where(p => p.ApplicationId == applicationId).ToListAsync(ct);
            if (payments.Any(p => p.State == Unknown))
            {
                return (false, 0L); // on its way: the bank's return file decides
            }
            var open = (app.GrantedFen ?? 0) - payments.Where(p => p.State == Paid).Sum(p => p.AmountFen);
            if (open <= 0 || app.State is not (Workflow.Approved or "partly_paid"))
            {
                return (false, 0L);
            }
            var attempt = payments.Count + 1;
            var key = $"PAY-{fund.Code}-{applicationId}-{attempt}";
            var (_, created) = await ledger.PostAsync(db, fund, "payment_sent", app.Year, valueDate, $"支付 #{applicationId} 第 {attempt} 次（批次 {batch}）", key,
                [new(LedgerAccounts.Payable, open), new(LedgerAccounts.InTransit, -open)], who.UserName, applicationId: applicationId, ct: ct);
            if (!created)
            {
                return (false, 0L);
            }
            db.Payments.Add(new PaymentRow { PaymentKey = key, Batch = batch, FundId = fund.Id, ApplicationId = applicationId, AmountFen = open, State = Unknown, SentAt = clock.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            return (true, open);
        }, ct);

    /// <summary>
    /// The file for the bank: one line per payment of the batch with the payee's full name and ID number
    /// (the bank finds the social-security card by them). Written from the store, so a rerun writes it whole.
    /// </summary>
    public async Task<string> WriteBankFileAsync(FundRow fund, string batch, string folder, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var rows = await (from p in db.Payments
                          join a in db.Applications on p.ApplicationId equals a.Id
                          where p.Batch == batch && p.FundId == fund.Id
                          orderby p.Id
                          select new { p.PaymentKey, p.AmountFen, a.PsnNo, a.HouseholdId }).ToListAsync(ct);
        var payee = await PayeesAsync(db, rows.Select(r => ((string?)r.PsnNo, (string?)r.HouseholdId)).ToList(), ct);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"bank-{fund.Code}-{batch}.csv");
        var sb = new StringBuilder("payment_key,psn_no,name,certno,amount,fund,memo\n");
        foreach (var r in rows)
        {
            var person = payee(r.PsnNo, r.HouseholdId);
            sb.Append(CultureInfo.InvariantCulture, $"{r.PaymentKey},{person?.PsnNo},{person?.PsnName},{person?.Certno},{r.AmountFen / 100m:0.00},{fund.Code},{fund.Name}\n");
        }
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, sb.ToString(), new UTF8Encoding(true), ct);
        File.Move(temporary, path, overwrite: true); // a reader never sees half a file
        return path;
    }

    /// <summary>
    /// The bank's return file (payment_key,status,bank_ref,message; status paid or failed): each payment
    /// settled once — paid money leaves the bank account, failed money goes back to payable.
    /// </summary>
    public async Task<ReturnReport> ReconcileAsync(string path, UserScope who, CancellationToken ct = default)
    {
        int paid = 0, failed = 0, already = 0, row = 1;
        var errors = new List<string>();
        foreach (var line in (await File.ReadAllLinesAsync(path, ct)).Skip(1))
        {
            row++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var cells = line.Split(',');
            if (cells.Length < 2 || cells[1].Trim() is not ("paid" or "failed"))
            {
                errors.Add($"row {row}, column status, value '{(cells.Length > 1 ? cells[1] : "")}': paid or failed");
                continue;
            }
            var key = cells[0].Trim();
            await using var read = store.CreateDb();
            var payment = await read.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.PaymentKey == key, ct);
            if (payment is null)
            {
                errors.Add($"row {row}, column payment_key, value '{key}': no such payment");
                continue;
            }
            var fund = await read.Funds.AsNoTracking().SingleAsync(f => f.Id == payment.FundId, ct);
            var ok = cells[1].Trim() == "paid";
            var outcome = await ledger.InFundTransactionAsync(fund.Id, async db =>
            {
                var p = await db.Payments.SingleAsync(x => x.Id == payment.Id, ct);
                if (p.State != Unknown)
                {
                    return 0;
                }
                var app = await db.Applications.SingleAsync(a => a.Id == p.ApplicationId, ct);
                await ledger.PostAsync(db, fund, ok ? "payment_paid" : "payment_failed", app.Year, DateOnly.FromDateTime(clock.GetLocalNow().Date),
                    ok ? $"银行回盘成功 {key}" : $"银行回盘失败 {key}：{(cells.Length > 3 ? cells[3] : "")}", "settle:" + key,
                    ok ? [new(LedgerAccounts.InTransit, p.AmountFen), new(LedgerAccounts.Bank, -p.AmountFen)]
                       : [new(LedgerAccounts.InTransit, p.AmountFen), new(LedgerAccounts.Payable, -p.AmountFen)], who.UserName, applicationId: app.Id, ct: ct);
                p.State = ok ? Paid : Failed;
                p.SettledAt = clock.GetUtcNow();
                p.BankRef = cells.Length > 2 ? cells[2].Trim() : null;
                p.BankMessage = cells.Length > 3 ? cells[3].Trim() : null;
                if (ok)
                {
                    app.PaidFen += p.AmountFen;
                    var to = app.PaidFen >= (app.GrantedFen ?? 0) ? Workflow.Paid : "partly_paid";
                    db.ApplicationSteps.Add(new ApplicationStepRow { ApplicationId = app.Id, At = clock.GetUtcNow(), Actor = who.UserName, Action = "paid", FromState = app.State, ToState = to, AmountFen = p.AmountFen, Note = key });
                    app.State = to;
                    app.StateSince = clock.GetUtcNow();
                }
                await db.SaveChangesAsync(ct);
                return ok ? 1 : 2;
            }, ct);
            paid += outcome == 1 ? 1 : 0;
            failed += outcome == 2 ? 1 : 0;
            already += outcome == 0 ? 1 : 0;
        }
        return new ReturnReport(paid, failed, already, errors);
    }

    /// <summary>
    /// Money obtained by fraud (弄虚作假) is a receivable with its own entries, never an edit: the claim
    /// gives the year's budget nothing until the money is back; the receipt puts it in the bank and the budget.
    /// </summary>
    public async Task<LedgerEntryRow> ClaimRecoveryAsync(long applicationId, decimal yuan, string reason, UserScope who, CancellationToken ct = default)
    {
        var fen = Ledger.Fen(yuan);
        await using var read = store.CreateDb();
        var app = await read.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId, ct) ?? throw new ArgumentException($"there is no application #{applicationId}");
        var fund = await read.Funds.AsNoTracking().SingleAsync(f => f.Id == app.FundId, ct);
        if (fen <= 0 || fen > app.PaidFen)
        {
            throw new LedgerRefusal($"追回金额须大于 0 且不超过已支付的 {ApplicationService.Yuan(app.PaidFen)} 元");
        }
        return await ledger.InFundTransactionAsync(fund.Id, async db => (await ledger.PostAsync(db, fund, "recovery_claim", app.Year, DateOnly.FromDateTime(clock.GetLocalNow().Date),
            $"追回 #{applicationId}：{reason}", $"recovery:{applicationId}:{Guid.NewGuid():N}", [new(LedgerAccounts.Receivable, fen), new("recoveries", -fen)], who.UserName, "recovery", applicationId, ct: ct)).Entry, ct);
    }

    public async Task<LedgerEntryRow> ReceiveRecoveryAsync(long claimEntryId, DateOnly valueDate, UserScope who, CancellationToken ct = default)
    {
        await using var read = store.CreateDb();
        var claim = await read.LedgerEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Id == claimEntryId && e.Kind == "recovery_claim", ct) ?? throw new ArgumentException($"entry #{claimEntryId} is not a recovery claim");
        var fen = await read.LedgerPostings.Where(p => p.EntryId == claimEntryId && p.Account == LedgerAccounts.Receivable).SumAsync(p => p.AmountFen, ct);
        var fund = await read.Funds.AsNoTracking().SingleAsync(f => f.Id == claim.FundId, ct);
        return await ledger.InFundTransactionAsync(fund.Id, async db => (await ledger.PostAsync(db, fund, "recovery_received", claim.FundYear, valueDate,
            $"追回款到账（#{claimEntryId}）", $"recovered:{claimEntryId}",
            [new(LedgerAccounts.Bank, fen), new(LedgerAccounts.Receivable, -fen), new("recoveries", fen), new(LedgerAccounts.Budget(claim.FundYear), -fen)],
            who.UserName, "recovery", claim.ApplicationId, ct: ct)).Entry, ct);
    }

    /// <summary>Who is paid for an application: the person, or for a household's cap the household head.</summary>
    private static async Task<Func<string?, string?, PersonRow?>> PayeesAsync(GongjiDb db, IReadOnlyList<(string? PsnNo, string? HouseholdId)> subjects, CancellationToken ct)
    {
        var ids = subjects.Where(s => s.PsnNo is not null).Select(s => s.PsnNo!).ToList();
        var heads = subjects.Where(s => s.HouseholdId is not null).Select(s => s.HouseholdId!).ToList();
        var headCertnos = await db.Households.AsNoTracking().Where(h => heads.Contains(h.HouseholdId)).ToDictionaryAsync(h => h.HouseholdId, h => h.HeadCertno, ct);
        var certnos = headCertnos.Values.Where(c => c is not null).ToList();
        var people = await db.Persons.AsNoTracking().Where(p => ids.Contains(p.PsnNo) || certnos.Contains(p.Certno)).ToListAsync(ct);
        var byPsn = people.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        return (psnNo, householdId) => psnNo is not null ? byPsn.GetValueOrDefault(psnNo)
            : people.FirstOrDefault(p => p.Certno == headCertnos.GetValueOrDefault(householdId!));
    }

    /// <summary>The public notice (公示): only what may be published — masked name and ID number, township, amount.</summary>
    public static readonly string[] NoticeHeader = ["序号", "姓名", "身份证号", "乡镇(街道)", "金额"];

    /// <param name="township">Township staff publish their own township's list only.</param>
    public async Task<IReadOnlyList<string[]>> NoticeRowsAsync(string fundCode, string? township = null, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        await using var db = store.CreateDb();
        var apps = await db.Applications.AsNoTracking().Where(a => a.FundId == fund.Id && a.State == Workflow.Notice && (township == null || a.Township == township))
            .OrderBy(a => a.Township).ThenBy(a => a.Id).ToListAsync(ct);
        var payee = await PayeesAsync(db, apps.Select(a => (a.PsnNo, a.HouseholdId)).ToList(), ct);
        return apps.Select((a, i) =>
        {
            var person = payee(a.PsnNo, a.HouseholdId);
            return new[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture), CertNumbers.MaskName(person?.PsnName), CertNumbers.Mask(person?.Certno),
                a.Township is null ? "" : Reference.Divisions.Zhejiang.NameOf(a.Township), ApplicationService.Yuan(a.GrantedFen ?? a.ComputedFen),
            };
        }).ToList();
    }
}
