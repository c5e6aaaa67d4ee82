using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Gongji.Applications;
using Gongji.Engine.Model;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Funds;

public sealed record FundSummary(FundRow Fund, long BankFen, long PayableFen, long InTransitFen, long ReceivableFen, IReadOnlyDictionary<int, long> AvailableByYear, IReadOnlyDictionary<string, long> ContributionsBySource);

public sealed record ReportLine(string Item, string Detail, long Fen);

public sealed record FundReport(FundRow Fund, int Year, IReadOnlyList<ReportLine> Lines, IReadOnlyList<string> Checks, bool TiesOut);

/// <summary>Funds: made with their programme, workflow and sharing rule; their balances; the annual report that ties out to the ledger.</summary>
public sealed class FundService(GongjiStore store, TimeProvider clock, Ledger ledger)
{
    public static readonly IReadOnlyDictionary<string, string> SharingNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["pro_rata"] = "按比例分配（用完即止）",
        ["first_come"] = "先到先得（按申请日期，不足部分结转下年）",
    };

    public async Task<FundRow> CreateAsync(string code, string name, string region, string payer, string workflow, string sharing, string? fiscalCap, int noticeDays, CancellationToken ct = default)
    {
        if (!Payers.TryParse(payer, out var p) || !p.IsAnnualTier())
        {
            throw new ArgumentException($"payer '{payer}' is not an annual tier (special_assistance, high_cost_subsidy, high_cost_resolution, warm_fund_city, warm_fund_township, cap_fund)");
        }
        Workflow.Find(workflow);
        if (!SharingNames.ContainsKey(sharing))
        {
            throw new ArgumentException($"sharing '{sharing}' is pro_rata or first_come");
        }
        if (fiscalCap is not null && Fraction(fiscalCap) is null)
        {
            throw new ArgumentException($"fiscal cap '{fiscalCap}' is a fraction such as 1/3");
        }
        if (Reference.Divisions.Zhejiang.Find(region) is null || region.Length < 6)
        {
            throw new ArgumentException($"region '{region}' is not a Zhejiang county or township code");
        }
        await using var db = store.CreateDb();
        if (await db.Funds.AnyAsync(f => f.Code == code, ct))
        {
            throw new ArgumentException($"there is already a fund '{code}'");
        }
        var row = new FundRow { Code = code, Name = name, Region = region, Payer = p.Id(), Workflow = workflow, Sharing = sharing, FiscalCap = fiscalCap, NoticeDays = noticeDays, CreatedAt = clock.GetUtcNow() };
        db.Funds.Add(row);
        await db.SaveChangesAsync(ct);
        return row;
    }

    public async Task<IReadOnlyList<FundSummary>> ListAsync(Func<string, bool> visible, CancellationToken ct = default)
    {
        await using var db = store.CreateDb();
        var funds = (await db.Funds.AsNoTracking().OrderBy(f => f.Code).ToListAsync(ct)).Where(f => visible(f.Region)).ToList();
        var list = new List<FundSummary>();
        foreach (var f in funds)
        {
            list.Add(await SummaryAsync(f, ct));
        }
        return list;
    }

    public async Task<FundSummary> SummaryAsync(FundRow fund, CancellationToken ct = default)
    {
        var balances = await ledger.BalancesAsync(fund.Id, null, ct);
        await using var db = store.CreateDb();
        var contributions = await (from p in db.LedgerPostings
                                   join e in db.LedgerEntries on p.EntryId equals e.Id
                                   where p.FundId == fund.Id && p.Account == LedgerAccounts.Bank && (e.Kind == "contribution" || e.Kind == "reversal" && e.Source != null)
                                   select new { e.Source, p.AmountFen }).ToListAsync(ct);
        return new FundSummary(fund, balances.GetValueOrDefault(LedgerAccounts.Bank), -balances.GetValueOrDefault(LedgerAccounts.Payable),
            -balances.GetValueOrDefault(LedgerAccounts.InTransit), balances.GetValueOrDefault(LedgerAccounts.Receivable),
            balances.Where(b => b.Key.StartsWith("budget:", StringComparison.Ordinal)).ToDictionary(b => int.Parse(b.Key[7..], CultureInfo.InvariantCulture), b => -b.Value),
            contributions.Where(c => c.Source is not null).GroupBy(c => c.Source!).ToDictionary(g => g.Key, g => g.Sum(c => c.AmountFen), StringComparer.Ordinal));
    }

    /// <summary>
    /// 年度基金报告: contributions by source, approvals, payments, recoveries and balances of a year, each
    /// from the ledger, with the checks that tie it out to the fen (and Binjiang's fiscal rules).
    /// </summary>
    public async Task<FundReport> ReportAsync(string fundCode, int year, CancellationToken ct = default)
    {
        var fund = await ledger.FundAsync(fundCode, ct);
        await using var db = store.CreateDb();
        var rows = await (from p in db.LedgerPostings
                          join e in db.LedgerEntries on p.EntryId equals e.Id
                          where p.FundId == fund.Id
                          select new { e.Id, e.Kind, e.Source, e.ValueDate, e.FundYear, p.Account, p.AmountFen }).ToListAsync(ct);
        var start = new DateOnly(year, 1, 1);
        var end = new DateOnly(year, 12, 31);
        long Balance(string account, DateOnly until) => rows.Where(r => r.Account == account && r.ValueDate <= until).Sum(r => r.AmountFen);
        var inYear = rows.Where(r => r.ValueDate >= start && r.ValueDate <= end).ToList();
        var lines = new List<ReportLine>
        {
            new("年初银行存款", string.Create(CultureInfo.InvariantCulture, $"{start:yyyy-MM-dd} 前"), Balance(LedgerAccounts.Bank, start.AddDays(-1))),
        };
        foreach (var source in LedgerAccounts.Sources.Keys.Where(s => s != "recovery"))
        {
            var fen = inYear.Where(r => r.Account == LedgerAccounts.Bank && r.Source == source && r.Kind is "contribution" or "reversal").Sum(r => r.AmountFen);
            lines.Add(new("本年筹资", LedgerAccounts.Sources[source], fen));
        }
        var approved = inYear.Where(r => r.Account == LedgerAccounts.Payable && r.Kind == "approval").Sum(r => -r.AmountFen);
        var paid = inYear.Where(r => r.Account == LedgerAccounts.Bank && r.Kind == "payment_paid").Sum(r => -r.AmountFen);
        var recovered = inYear.Where(r => r.Account == LedgerAccounts.Bank && r.Kind == "recovery_received").Sum(r => r.AmountFen);
        lines.Add(new("本年审批支出", "approval", approved));
        lines.Add(new("本年银行实付", "payment_paid", paid));
        lines.Add(new("本年追回到账", "recovery_received", recovered));
        var bankEnd = Balance(LedgerAccounts.Bank, end);
        lines.Add(new("年末银行存款", string.Create(CultureInfo.InvariantCulture, $"{end:yyyy-MM-dd}"), bankEnd));
        lines.Add(new("年末待支付", "payable", -Balance(LedgerAccounts.Payable, end)));
        lines.Add(new("年末在途（待银行回盘）", "in_transit", -Balance(LedgerAccounts.InTransit, end)));
        lines.Add(new("年末应追回", "receivable", Balance(LedgerAccounts.Receivable, end)));
        lines.Add(new($"{year} 年度可用余额", LedgerAccounts.Budget(year), -Balance(LedgerAccounts.Budget(year), end)));
        var rolled = inYear.Where(r => r.Kind == "rollover" && r.Account == LedgerAccounts.Budget(year + 1)).Sum(r => -r.AmountFen);
        lines.Add(new($"结转 {year + 1} 年度", "rollover", rolled));

        var checks = new List<string>();
        var unbalanced = rows.GroupBy(r => r.Id).Where(g => g.Sum(r => r.AmountFen) != 0).Select(g => g.Key).ToList();
        checks.Add(unbalanced.Count == 0 ? "✓ 每笔分录借贷平衡" : $"✗ 分录 {string.Join(",", unbalanced)} 借贷不平");
        var opening = Balance(LedgerAccounts.Bank, start.AddDays(-1));
        var contributed = lines.Where(l => l.Item == "本年筹资").Sum(l => l.Fen);
        var moved = opening + contributed - paid + recovered;
        checks.Add(moved == bankEnd ? $"✓ 年初 + 筹资 − 实付 + 追回 = 年末银行存款 {ApplicationService.Yuan(bankEnd)} 元" : $"✗ 年初 + 筹资 − 实付 + 追回 = {ApplicationService.Yuan(moved)}，年末银行存款 {ApplicationService.Yuan(bankEnd)}");
        var all = rows.Where(r => r.ValueDate <= end).Sum(r => r.AmountFen);
        checks.Add(all == 0 ? "✓ 全部科目余额合计为 0" : $"✗ 科目余额合计 {all}");
        if (fund.FiscalCap is { } cap && Fraction(cap) is { } fraction)
        {
            var total = rows.Where(r => r.Account == LedgerAccounts.Bank && r.Kind is "contribution" or "reversal" && r.Source != null && r.ValueDate <= end).Sum(r => r.AmountFen);
            var city = rows.Where(r => r.Account == LedgerAccounts.Bank && r.Source == "city_fiscal" && r.ValueDate <= end).Sum(r => r.AmountFen);
            var district = rows.Where(r => r.Account == LedgerAccounts.Bank && r.Source == "district_fiscal" && r.ValueDate <= end).Sum(r => r.AmountFen);
            var fiscal = city + district;
            // 滨政办函〔2024〕1号 三（三）: fiscal money at most a third of the fund; its part of actual payouts shared 1:1.
            checks.Add((Int128)fiscal * fraction.Denominator <= (Int128)total * fraction.Numerator
                ? $"✓ 财政资金 {ApplicationService.Yuan(fiscal)} 元不超过基金总额 {ApplicationService.Yuan(total)} 元的 {cap}"
                : $"✗ 财政资金 {ApplicationService.Yuan(fiscal)} 元超过基金总额 {ApplicationService.Yuan(total)} 元的 {cap}");
            var fiscalPayout = total == 0 ? 0 : (long)((Int128)approved * fiscal / total);
            lines.Add(new("审批支出中的财政部分", "按财政占比", fiscalPayout));
            lines.Add(new("其中市级承担", "1:1", fiscalPayout / 2));
            lines.Add(new("其中区级承担", "1:1", fiscalPayout - fiscalPayout / 2));
            checks.Add(city == district ? $"✓ 市、区财政出资 1:1（各 {ApplicationService.Yuan(city)} 元）" : $"✗ 市级财政 {ApplicationService.Yuan(city)} 元，区级财政 {ApplicationService.Yuan(district)} 元，未按 1:1");
        }
        return new FundReport(fund, year, lines, checks, unbalanced.Count == 0 && all == 0 && moved == bankEnd);
    }

    public static IReadOnlyList<string> WriteReport(FundReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var name = $"fund-report-{report.Fund.Code}-{report.Year}";
        var xlsx = Path.Combine(folder, name + ".xlsx");
        Runs.Xlsx.Write(xlsx, "年度报告", ["项目", "说明", "金额（元）"],
            report.Lines.Select(l => new[] { l.Item, l.Detail, ApplicationService.Yuan(l.Fen) }).Concat(report.Checks.Select(c => new[] { "核对", c, "" })));
        var files = new List<string> { xlsx };
        var html = Path.Combine(folder, name + ".html");
        File.WriteAllText(html, Html(report), Encoding.UTF8);
        files.Add(html);
        if (Pdf(html, Path.Combine(folder, name + ".pdf")) is { } pdf)
        {
            files.Add(pdf);
        }
        return files;
    }

    private static string Html(FundReport report)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(report.Fund.Name)).Append("</title>")
          .Append("<style>body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;margin:40px}h1{font-size:20px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:6px 8px;font-size:13px}td.n{text-align:right}</style>")
          .Append("<h1>").Append(WebUtility.HtmlEncode(report.Fund.Name)).Append(' ').Append(report.Year).Append(" 年度基金报告</h1>")
          .Append("<p>基金代码 ").Append(WebUtility.HtmlEncode(report.Fund.Code)).Append(" · 分配方式 ").Append(WebUtility.HtmlEncode(SharingNames.GetValueOrDefault(report.Fund.Sharing, report.Fund.Sharing))).Append("</p>")
          .Append("<table><tr><th>项目</th><th>说明</th><th>金额（元）</th></tr>");
        foreach (var l in report.Lines)
        {
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(l.Item)).Append("</td><td>").Append(WebUtility.HtmlEncode(l.Detail)).Append("</td><td class=\"n\">").Append(ApplicationService.Yuan(l.Fen)).Append("</td></tr>");
        }
        sb.Append("</table><h2>核对</h2><ul>");
        foreach (var c in report.Checks)
        {
            sb.Append("<li>").Append(WebUtility.HtmlEncode(c)).Append("</li>");
        }
        return sb.Append("</ul></html>").ToString();
    }

    /// <summary>The PDF is the HTML report printed by Debian's Chromium (installed by scripts/setup.sh); without it, no PDF.</summary>
    private static string? Pdf(string html, string pdf)
    {
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            return null;
        }
        var profile = Path.Combine(Path.GetTempPath(), "gongji-chromium-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo(chromium)
        {
            ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--no-pdf-header-footer", $"--print-to-pdf={pdf}", new Uri(Path.GetFullPath(html)).AbsoluteUri },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit(60_000);
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // the browser may still hold its profile for a moment; a temporary folder is left behind
        }
        return File.Exists(pdf) ? pdf : null;
    }

    public static (long Numerator, long Denominator)? Fraction(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var n) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) && d > 0 && n >= 0 && n <= d
            ? (n, d) : null;
    }
}
