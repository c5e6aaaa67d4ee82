using System.Diagnostics;
using System.Globalization;
using Gongji.Conformance;
using Gongji.Demo;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Engine.Parameters;
using Gongji.Loading;
using Gongji.Runs;
using Gongji.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gongji.Cli;

/// <summary>The gongji command: a table of contents of what Gongji does from a terminal.</summary>
internal static class Commands
{
    private const string Usage = """
        gongji — 共济 因病致贫返贫防范 (Zhejiang)

          gongji demo [--county 330108,330683,331127] [--persons 2000] [--years 2023,2024] [--seed N] [--out DIR] [--no-serve] [--urls URL]
                build synthetic counties in the data.md formats; without --out they are loaded, run, and the web app
                is served with demo accounts (until Ctrl+C; --no-serve stops after the runs)
          gongji serve [--urls http://127.0.0.1:5080]   the web app and API over the store
          gongji user add NAME --role ROLE --region CODE [--township CODE] [--display "…"]   an account (password printed once)
          gongji hospital-key add "HOSPITAL" --region CODE | revoke gj_xxxxxx   an identity-flag API key (shown once), or its revocation
          gongji load PATH... [--kind KIND] [--no-run]   load data.md files (CSV or .xlsx; UTF-8 or GB18030), whole or not at all;
                then run each county's latest year so new warnings reach the follow-up loop
          gongji run --region CODE --year Y [--param name=value]... [--out DIR]
          gongji run --from DIR --to DIR --region CODE --year Y [--param name=value]... [--formats csv]
          gongji run --reproduce RUN [--out DIR]    compute a kept run again from the store as it was then
                compute every payer's share of a region-year and write the results of data.md
          gongji explain --household ID | --person PSN_NO --year Y [--param name=value]...
                the payer waterfall of a household's (or person's) year, each step with its clause
          gongji params [--assumed] [--region CODE]   dated parameters with their clauses, and the deployment's values
          gongji params set NAME VALUE --region CODE --from-year Y [--to-year Y] --source "…" [--by NAME]
                set a deployment parameter (impoverishment line, special-assistance threshold, fund budgets …)
          gongji runs                              the runs kept in the store
          gongji outreach --region CODE --year Y [--township CODE] [--out DIR]
                政策找人: per township, people likely eligible for help but not receiving it (.xlsx, masked)
          gongji enrolment --region CODE --year Y    资助参保核查: assisted people without (subsidised) cover on days it is due
          gongji funds create CODE --name "…" --region CODE --payer PAYER --workflow WF [--sharing pro_rata|first_come] [--fiscal-cap 1/3] [--notice-days 7]
          gongji funds list | contribute CODE AMOUNT --year Y --source city_fiscal|district_fiscal|donation|enterprise [--date D] [--memo "…"]
          gongji funds rollover CODE --year Y | report CODE --year Y [--out DIR]   (ledger, year-end rollover, annual report .xlsx/.pdf)
          gongji applications open CODE --year Y [--date D]   the bureau's preliminary list: an application per amount the engine gives
          gongji payouts CODE --year Y --batch B [--date D] [--out DIR] [--by NAME]   approve what the notice cleared, send the payments, write the bank file
          gongji bank-return FILE [--by NAME]      reconcile the bank's return file (payment_key,status,bank_ref,message)
          gongji cases PATH...                     run conformance cases (.yaml files or folders)
          gongji bench [--persons 200000] [--load-persons 50000] [--from DIR] [--county 330108] [--year 2024]
                       [--rounds 3] [--no-load] [--no-postgres] [--json FILE]   measure file-to-file (median of the rounds), the engine, one household, loading

        Store: --db PATH (SQLite file), --db postgres://user@host:port/db or "Host=…" (PostgreSQL);
        default GONGJI_DB, else data/gongji.db.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] is "run" or "bench" or "load")
        {
            // Batch work over millions of rows: the heap in 2 MiB pages, and no full blocking collection
            // while a city-year's results are being built (measured: the engine's GC pauses down a third).
            Loading.HugePages.AdviseRuntimeHeap();
            System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        }
        try
        {
            return args[0] switch
            {
                "cases" => RunCases(args[1..]),
                "demo" => await DemoAsync(Options.Parse(args[1..], "no-serve")),
                "load" => await LoadAsync(Options.Parse(args[1..], "no-run")),
                "run" => await RunYearAsync(Options.Parse(args[1..])),
                "explain" => await ExplainAsync(Options.Parse(args[1..])),
                "params" => args.Length > 1 && args[1] == "set"
                    ? await SetParameterAsync(Options.Parse(args[2..]))
                    : await ParamsAsync(Options.Parse(args[1..], "assumed")),
                "runs" => await RunsAsync(Options.Parse(args[1..])),
                "outreach" => await OutreachAsync(Options.Parse(args[1..])),
                "enrolment" => await EnrolmentAsync(Options.Parse(args[1..])),
                "bench" => await BenchAsync(Options.Parse(args[1..], "no-load", "no-postgres")),
                "serve" => await ServeCommandAsync(Options.Parse(args[1..])),
                "funds" => await FundsAsync(Options.Parse(args[1..])),
                "applications" => await ApplicationsAsync(Options.Parse(args[1..])),
                "payouts" => await PayoutsAsync(Options.Parse(args[1..])),
                "bank-return" => await BankReturnAsync(Options.Parse(args[1..])),
                "user" => await UserAsync(Options.Parse(args[1..])),
                "hospital-key" => await HospitalKeyAsync(Options.Parse(args[1..])),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"gongji: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (PolicyNotInForceException e)
        {
            Console.Error.WriteLine($"gongji: 拒绝计算 refused: {e.Message}");
            return 3;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException or Gongji.Funds.LedgerRefusal)
        {
            Console.Error.WriteLine($"gongji: {e.Message}");
            return 1;
        }
    }

    private static async Task<GongjiStore> OpenStoreAsync(Options o)
    {
        var store = GongjiStore.FromSetting(o.Get("db"));
        await store.MigrateAsync();
        return store;
    }

    private static async Task<int> DemoAsync(Options o)
    {
        var years = (o.Get("years") ?? "2023,2024").Split(',').Select(y => int.Parse(y, CultureInfo.InvariantCulture)).ToList();
        var outFolder = o.Get("out");
        // Three counties under three different policies (Binjiang, Shengzhou, Jingning) make the map and the
        // roles worth trying; --out writes one county's files only.
        var counties = (o.Get("county") ?? (outFolder is null ? "330108,330683,331127" : "330108")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var store = outFolder is null ? await OpenStoreAsync(o) : null;
        if (store is not null)
        {
            await Gongji.Demo.DemoFunds.SetParametersAsync(store, TimeProvider.System, counties, years.Max());
        }
        for (var i = 0; i < counties.Length; i++)
        {
            var options = new DemoOptions { County = counties[i], Persons = o.Int("persons", 2000, min: 1), Years = years, Seed = o.Int("seed", 20230101) + i };
            var folder = outFolder is not null
                ? (counties.Length == 1 ? outFolder : Path.Combine(outFolder, options.County))
                : Path.Combine(Environment.GetEnvironmentVariable("GONGJI_DATA") ?? "data", $"demo-{options.County}");
            var code = await DemoCountyAsync(store, options, folder, o);
            if (code != 0)
            {
                return code;
            }
        }
        if (store is null)
        {
            return 0;
        }
        foreach (var fund in await Gongji.Demo.DemoFunds.EnsureAsync(store, TimeProvider.System, counties, years.Max()))
        {
            Console.WriteLine($"基金 fund {fund}");
        }
        if (o.Flag("no-serve"))
        {
            return 0;
        }
        var (accounts, key) = await Gongji.Demo.DemoSite.EnsureAsync(store, TimeProvider.System, counties[0]);
        return await ServeAsync(o, store, accounts, key);
    }

    private static async Task<int> DemoCountyAsync(GongjiStore? store, DemoOptions options, string folder, Options o)
    {
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"生成示范县 demo county {options.County} {Gongji.Reference.Divisions.Zhejiang.FullName(options.County)}: {options.Persons:N0} insured people, years {string.Join(",", options.Years)}, seed {options.Seed}");
        var progress = Console.IsErrorRedirected ? null : new Progress<long>(n => Console.Error.Write($"\r  {n:N0} / {options.Persons:N0} people"));
        var files = new DemoCounty(options).Write(folder, progress);
        ConsoleProgress.Clear();
        var bytes = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
        foreach (var (name, rows) in files.RowsByFile.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {name,-20} {rows,12:N0} rows");
        }
        Console.WriteLine($"  wrote {bytes / 1048576.0:N1} MiB to {folder} in {watch.Elapsed.TotalSeconds:N1} s");
        if (store is null)
        {
            return 0;
        }
        var paths = Loader.OrderForLoading(Directory.EnumerateFiles(folder, "*.csv").Where(f => !f.EndsWith(".errors.csv", StringComparison.Ordinal)));
        var code = await LoadFilesAsync(store, paths, null);
        if (code != 0)
        {
            return code;
        }
        var year = options.Years.Max();
        Console.WriteLine();
        Console.WriteLine($"计算 {options.County} {year} 年度 (gongji run --region {options.County} --year {year}):");
        var report = await new RunService(store, TimeProvider.System).RunAsync(options.County, year, o.Parameters(), Path.Combine("out", $"{options.County}-{year}"));
        PrintRun(report);
        var sample = report.Result.Households.Where(h => h[Payer.CapFund].IsPositive).Select(h => h.Household.Id).FirstOrDefault()
            ?? report.Result.Households.OrderByDescending(h => h.MedfeeSumamt).Select(h => h.Household.Id).FirstOrDefault();
        if (sample is not null)
        {
            Console.WriteLine($"Try: gongji explain --household {sample} --year {year}");
        }
        Console.WriteLine();
        return 0;
    }

    private static async Task<int> ServeAsync(Options o, GongjiStore store, IReadOnlyList<Gongji.Demo.DemoAccount>? demoAccounts = null, string? hospitalKey = null)
    {
        var urls = o.Get("urls") ?? "http://127.0.0.1:5080";
        await using var app = Gongji.Web.GongjiWeb.Build([], builder =>
        {
            builder.WebHost.UseUrls(urls);
            builder.Services.AddSingleton(store);
        });
        await app.StartAsync();
        var address = app.Urls.FirstOrDefault() ?? urls;
        Console.WriteLine();
        Console.WriteLine($"共济 Gongji 已启动 serving {store.Describe()} at {address}/");
        Console.WriteLine($"  API 文档 reference: {address}/api-docs   OpenAPI: {address}/openapi/v1.json");
        if (demoAccounts is { Count: > 0 })
        {
            Console.WriteLine($"  示范账户 demo accounts (password {Gongji.Demo.DemoSite.Password}):");
            foreach (var a in demoAccounts)
            {
                Console.WriteLine($"    {a.UserName,-9} {Gongji.Security.Roles.ChineseName(a.Role),-10} {Gongji.Reference.Divisions.Zhejiang.FullName(a.Township ?? a.Region)}");
            }
        }
        if (hospitalKey is not null)
        {
            Console.WriteLine($"  医院 API Key (identity flag): curl -H \"X-Api-Key: {hospitalKey}\" \"{address}/api/flag?psn_no=…\"");
        }
        Console.WriteLine("  Ctrl+C 停止 (stop)");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<int> ServeCommandAsync(Options o)
    {
        var store = await OpenStoreAsync(o);
        return await ServeAsync(o, store);
    }

    private static async Task<int> UserAsync(Options o)
    {
        if (o.Positional.Count != 2 || o.Positional[0] != "add")
        {
            throw new UsageException("gongji user add NAME --role ROLE --region CODE [--township CODE] [--display \"…\"]");
        }
        var store = await OpenStoreAsync(o);
        var name = o.Positional[1];
        var (account, password) = await new Gongji.Security.Accounts(store, TimeProvider.System, new Gongji.Security.SecurityOptions())
            .CreateAsync(name, o.Get("display") ?? name, o.Required("role"), o.Required("region"), o.Get("township"), null, Environment.UserName);
        Console.WriteLine($"account {account.UserName} ({Gongji.Security.Roles.ChineseName(account.Role)}, {Gongji.Reference.Divisions.Zhejiang.FullName(account.Township ?? account.Region)})");
        Console.WriteLine($"initial password (to be changed at first sign-in): {password}");
        return 0;
    }

    private static async Task<int> HospitalKeyAsync(Options o)
    {
        if (o.Positional.Count == 2 && o.Positional[0] == "revoke")
        {
            var revoked = await new Gongji.Security.HospitalKeys(await OpenStoreAsync(o), TimeProvider.System).RevokeAsync(o.Positional[1]);
            Console.WriteLine(revoked is null ? $"no active key starts {o.Positional[1]}" : $"revoked {revoked.KeyPrefix}… of {revoked.Hospital} ({revoked.Region}); it stops working within a minute");
            return revoked is null ? 1 : 0;
        }
        if (o.Positional.Count != 2 || o.Positional[0] != "add")
        {
            throw new UsageException("gongji hospital-key add \"HOSPITAL NAME\" --region CODE | gongji hospital-key revoke gj_xxxxxx");
        }
        var store = await OpenStoreAsync(o);
        var (row, key) = await new Gongji.Security.HospitalKeys(store, TimeProvider.System).CreateAsync(o.Positional[1], o.Required("region"));
        Console.WriteLine($"API key for {row.Hospital} ({row.Region}), shown once — only its hash is kept:");
        Console.WriteLine(key);
        return 0;
    }

    private static async Task<int> LoadAsync(Options o)
    {
        if (o.Positional.Count == 0)
        {
            throw new UsageException("give one or more files to load");
        }
        var store = await OpenStoreAsync(o);
        var paths = o.Positional.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Where(f => (f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase)) && !f.EndsWith(".errors.csv", StringComparison.OrdinalIgnoreCase)) : [p]);
        var code = await LoadFilesAsync(store, Loader.OrderForLoading(paths), o.Get("kind"));
        if (!o.Flag("no-run"))
        {
            await MonitorAsync(store);
        }
        return code;
    }

    /// <summary>
    /// New data means new warnings (issue #4): after a load every county of the store is run for the latest
    /// year, so the risk pool and the follow-up loop see the new settlements at once (--no-run skips it).
    /// </summary>
    private static async Task MonitorAsync(GongjiStore store)
    {
        var (counties, years) = await new RegionResults(store, TimeProvider.System).CoverageAsync();
        if (years.Count == 0)
        {
            return;
        }
        foreach (var county in counties)
        {
            try
            {
                var report = await new RunService(store, TimeProvider.System).RunAsync(county, years[^1], new Dictionary<string, decimal>(), null);
                Console.WriteLine($"监测 monitoring {county} {years[^1]}: run #{report.RunId}, {report.Result.Warnings.Count} warnings, {report.NewCases} new follow-up case(s)");
            }
            catch (PolicyNotInForceException e)
            {
                Console.WriteLine($"监测 monitoring {county} {years[^1]}: {e.Message}");
            }
        }
    }

    private static async Task<int> LoadFilesAsync(GongjiStore store, IReadOnlyList<string> paths, string? kind)
    {
        var failed = 0;
        var loader = new Loader(store, TimeProvider.System) { Progress = new ConsoleProgress() };
        Console.WriteLine($"载入 loading into {store.Describe()}");
        foreach (var path in paths)
        {
            var watch = Stopwatch.StartNew();
            var result = await loader.LoadAsync(path, kind);
            ConsoleProgress.Clear();
            if (!result.Succeeded)
            {
                failed++;
                Console.WriteLine($"✗ {path} ({result.Kind}, {result.Encoding}): {result.Errors.Count} bad row value(s) — nothing was loaded from this file");
                foreach (var e in result.Errors.Take(50))
                {
                    Console.WriteLine($"    {e}");
                }
                if (result.Errors.Count > 50)
                {
                    Console.WriteLine($"    … {result.Errors.Count - 50} more");
                }
                Console.WriteLine($"    error file: {result.ErrorFile}");
                continue;
            }
            var c = result.Counts!;
            Console.WriteLine($"✓ {Path.GetFileName(path),-22} {result.Kind,-14} {result.Encoding,-8} {result.Rows,10:N0} rows: {c.Inserted:N0} new, {c.Replaced:N0} replaced, {c.Unchanged:N0} unchanged ({watch.Elapsed.TotalSeconds:N1} s)");
            foreach (var w in result.Warnings.Take(5))
            {
                Console.WriteLine($"    warning: {w}");
            }
        }
        var n = await store.CountAsync();
        Console.WriteLine($"store now holds: {n.Households:N0} households, {n.Persons:N0} persons, {n.Identities:N0} identities, " +
            $"{n.Enrolments:N0} enrolments, {n.Settlements:N0} settlements ({n.ReplacedSettlements:N0} replaced versions kept), " +
            $"{n.Aids:N0} aids, {n.FeeDetails:N0} fee details");
        return failed == 0 ? 0 : 1;
    }

    private static async Task<int> RunYearAsync(Options o)
    {
        if (o.Get("reproduce") is { } runText)
        {
            var store = await OpenStoreAsync(o);
            var runId = long.TryParse(runText.TrimStart('#'), CultureInfo.InvariantCulture, out var id) ? id : throw new UsageException($"--reproduce '{runText}' is not a run number");
            var (again, original) = await new RunService(store, TimeProvider.System).ReproduceAsync(runId, o.Get("out"));
            PrintRun(again);
            var sameInputs = again.Fingerprint == original.InputsFingerprint;
            var sameRules = again.Result.ParameterVersion == original.ParameterVersion;
            var sameSummary = System.Text.Json.JsonSerializer.Serialize(RunService.Summary(again.Result)) == original.SummaryJson;
            Console.WriteLine(sameInputs && sameRules && sameSummary
                ? $"run #{runId} reproduced exactly: same inputs ({original.InputsFingerprint}), same parameters ({original.ParameterVersion}), same totals"
                : $"run #{runId} NOT reproduced: inputs {(sameInputs ? "same" : "differ")}, parameters {(sameRules ? "same" : $"differ ({original.ParameterVersion} then, {again.Result.ParameterVersion} now)")}, totals {(sameSummary ? "same" : "differ")}");
            return sameInputs && sameRules && sameSummary ? 0 : 1;
        }
        var region = o.Required("region");
        if (region.Length is < 2 or > 12 || region.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            throw new UsageException($"--region '{region}' is not a division code (2 to 12 digits: 33 Zhejiang, 3301 Hangzhou, 330108 Binjiang)");
        }
        var year = o.Int("year", 0);
        if (year == 0)
        {
            throw new UsageException("--year is required");
        }
        RunReport report;
        if (o.Get("from") is { } from)
        {
            var to = o.Required("to");
            if (File.Exists(to))
            {
                throw new UsageException($"--to {to} is a file: give the folder the results go in");
            }
            var watch = Stopwatch.StartNew();
            report = RunService.RunFromFiles(from, region, year, o.Parameters(), to, spreadsheets: o.Get("formats") is not "csv");
            // One line a bench (and a clerk) reads: the year's settlements, the seconds, the peak memory, then the phases.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"computed {region} {year} from {from}: {report.Result.Columns.Table.Count:N0} settlements in {watch.Elapsed.TotalSeconds:N2} s, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1073741824.0:N2} GiB ({Phases(report.Phases)}; engine: {Phases(report.Result.Timings)})"));
            foreach (var w in report.InputWarnings.Take(5))
            {
                Console.WriteLine($"  warning: {w}");
            }
            if (report.InputWarnings.Count > 5)
            {
                Console.WriteLine($"  … and {report.InputWarnings.Count - 5:N0} more warning(s)");
            }
        }
        else
        {
            var store = await OpenStoreAsync(o);
            report = await new RunService(store, TimeProvider.System).RunAsync(region, year, o.Parameters(), o.Get("out") ?? Path.Combine("out", $"{region}-{year}"));
        }
        PrintRun(report);
        if (report.Result.Persons.Count == 0 && region.Length == 6 && region.EndsWith("00", StringComparison.Ordinal))
        {
            // Regions match by prefix: a city's people carry their county's code, never the city's own 330100.
            Console.WriteLine($"  nobody lives in region {region} itself; for the whole city give its prefix, --region {(region.EndsWith("0000", StringComparison.Ordinal) ? region[..2] : region[..4])}");
        }
        return 0;
    }

    private static void PrintRun(RunReport report)
    {
        var r = report.Result;
        Console.WriteLine($"{(report.RunId is { } id ? $"run #{id}" : "run")} {report.Region} {report.Year}: {r.Persons.Count:N0} people with bills, {r.Households.Count:N0} assisted households; inputs {report.Fingerprint}, parameters {r.ParameterVersion}");
        var total = Money.Sum(r.Persons.Select(p => p.MedfeeSumamt));
        Console.WriteLine($"  {"医疗总费用 total",-34}{Waterfall.Yuan(total),18}");
        foreach (var payer in Payers.All)
        {
            var amount = payer == Payer.CapFund ? Money.Sum(r.Households.Select(h => h[payer])) : r.Total(payer);
            if (!amount.IsZero)
            {
                Console.WriteLine($"  {payer.ChineseName() + " " + payer.Id(),-34}{Waterfall.Yuan(amount),18}");
            }
        }
        Console.WriteLine($"  {"个人负担 personal_burden",-34}{Waterfall.Yuan(Money.Sum(r.Persons.Select(p => p.BurdenAfterHouseholdTiers))),18}");
        Console.WriteLine("  预警 warnings: " + (r.Warnings.Count == 0 ? "none" : string.Join("; ", r.Warnings.GroupBy(w => (w.Kind, w.Group)).OrderBy(g => g.Key).Select(g => $"{g.Key.Kind.ChineseName()}/{g.Key.Group.ChineseName()} {g.Count()}"))));
        if (report.RiskPool is { } pool)
        {
            Console.WriteLine($"  风险潜在对象库 risk pool {report.Year}: {pool.OpenNow} in ({pool.Entered} entered, {pool.Stayed} stayed), {pool.Exited} left");
            Console.WriteLine($"  预警处置 follow-up: {report.NewCases} new case(s) dispatched by rule");
        }
        foreach (var i in r.Indicators)
        {
            Console.WriteLine($"  指标 {i.Id,-30} {i.Value,8:P2}" + (i.Target is { } t ? $"  目标 {t:P0}" : ""));
        }
        foreach (var n in r.Notices)
        {
            Console.WriteLine($"  注意 {n}");
        }
        if (report.Files.Count > 0)
        {
            Console.WriteLine($"  results: {Path.GetDirectoryName(report.Files[0])}/ ({string.Join(", ", report.Files.Select(Path.GetFileName))})");
        }
    }

    private static async Task<int> ExplainAsync(Options o)
    {
        var id = o.Get("household") ?? o.Get("person") ?? throw new UsageException("--household ID or --person PSN_NO is required");
        var year = o.Int("year", 0);
        if (year == 0)
        {
            throw new UsageException("--year is required");
        }
        var store = await OpenStoreAsync(o);
        await using var db = store.CreateDb();
        string? region;
        if (o.Get("household") is not null)
        {
            region = (await db.Households.AsNoTracking().FirstOrDefaultAsync(h => h.HouseholdId == id))?.RegionCode;
        }
        else
        {
            var person = await db.Persons.AsNoTracking().FirstOrDefaultAsync(p => p.PsnNo == id);
            region = person?.HouseholdId is { } hid ? (await db.Households.AsNoTracking().FirstOrDefaultAsync(h => h.HouseholdId == hid))?.RegionCode : person?.InsuplcAdmdvs;
        }
        if (region is null)
        {
            Console.Error.WriteLine($"gongji explain: {id} is not in the store");
            return 1;
        }
        // The whole county is computed: a budget-limited fund shares its money among everyone in it.
        var parameters = await new Gongji.Parameters.DeploymentParameters(store, TimeProvider.System).ForRunAsync(region[..6], year, o.Parameters());
        var (input, _, _) = await StoreSnapshot.ReadAsync(store, region[..6], year, parameters);
        var result = PayerEngine.Compute(input);
        Console.Write(Waterfall.Render(result, id));
        foreach (var n in result.Notices)
        {
            Console.WriteLine($"  注意 {n}");
        }
        return 0;
    }

    private static async Task<int> SetParameterAsync(Options o)
    {
        if (o.Positional.Count != 2 || !decimal.TryParse(o.Positional[1], NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            throw new UsageException("gongji params set NAME VALUE --region CODE --from-year Y --source \"…\"");
        }
        var store = await OpenStoreAsync(o);
        var toYear = o.Get("to-year") is null ? (int?)null : o.Int("to-year", 0);
        var set = await new Gongji.Parameters.DeploymentParameters(store, TimeProvider.System).SetAsync(
            o.Required("region"), o.Positional[0], value, o.Int("from-year", 0) is var y && y > 0 ? y : throw new UsageException("--from-year is required"),
            toYear, o.Required("source"), o.Get("by") ?? Environment.UserName);
        Console.WriteLine($"set {set.Key} = {set.Value} for {set.Region} from {set.YearFrom}{(set.YearTo is { } t ? $" to {t}" : "")} (source: {set.Source}; by {set.SetBy})");
        return 0;
    }

    private static async Task<int> ParamsAsync(Options o)
    {
        Params(o);
        var store = await OpenStoreAsync(o);
        var values = await new Gongji.Parameters.DeploymentParameters(store, TimeProvider.System).ListAsync();
        if (values.Count > 0)
        {
            Console.WriteLine($"deployment values in {store.Describe()}:");
            foreach (var v in values)
            {
                Console.WriteLine($"  {v.Key,-48} {v.Value,10}  {v.Region} {v.YearFrom}–{v.YearTo?.ToString(CultureInfo.InvariantCulture) ?? ""}  source: {v.Source} (set by {v.SetBy} {v.SetAt:yyyy-MM-dd})");
            }
        }
        return 0;
    }

    private static int Params(Options o)
    {
        var assumedOnly = o.Flag("assumed");
        var region = o.Get("region");
        foreach (var doc in ParameterBook.Default.Documents.OrderBy(d => d.Region, StringComparer.Ordinal))
        {
            if (region is not null && !region.StartsWith(doc.Region, StringComparison.Ordinal))
            {
                continue;
            }
            var values = doc.Parameters.SelectMany(kv => kv.Value).Where(v => !assumedOnly || v.Assumed).ToList();
            if (values.Count == 0)
            {
                continue;
            }
            Console.WriteLine($"{doc.Region} {doc.RegionName} — {doc.Document}（{doc.Authority}），施行 {doc.InForce}");
            foreach (var v in values)
            {
                var value = v.Value?.ToString(CultureInfo.InvariantCulture) ?? "(unset)";
                var flags = (v.Assumed ? " [assumed]" : "") + (v.Deployment ? " [deployment]" : "");
                Console.WriteLine($"  {v.Key,-48} {value,10}  {v.Validity,-23} {v.Clause}{flags}");
                if (v.Description is not null)
                {
                    Console.WriteLine($"  {"",-48} {v.Description}" + (v.Source is null ? "" : $"（来源：{v.Source}）"));
                }
            }
        }
        Console.WriteLine($"parameter version {ParameterBook.Default.Version}");
        return 0;
    }

    private static async Task<int> OutreachAsync(Options o)
    {
        var store = await OpenStoreAsync(o);
        var region = o.Required("region");
        var year = o.Int("year", 0) is var y && y > 0 ? y : throw new UsageException("--year is required");
        var entries = await Gongji.Outreach.OutreachList.BuildAsync(store, region, year, o.Parameters());
        var files = Gongji.Outreach.OutreachList.Write(entries, o.Get("out") ?? Path.Combine("out", $"{region}-{year}"), o.Get("township"));
        foreach (var group in entries.GroupBy(e => (e.Township, e.TownshipName)))
        {
            Console.WriteLine($"  {group.Key.TownshipName,-16} {group.Count(),5} 人  " + string.Join("；", group.GroupBy(e => e.Reason.Split('：')[0]).Select(g => $"{g.Key} {g.Count()}")));
        }
        Console.WriteLine($"{entries.Count} people to reach; written to {string.Join(", ", files)} (names and ID numbers masked)");
        return 0;
    }

    private static async Task<int> EnrolmentAsync(Options o)
    {
        var store = await OpenStoreAsync(o);
        var region = o.Required("region");
        var year = o.Int("year", 0) is var y && y > 0 ? y : throw new UsageException("--year is required");
        var gaps = await Gongji.Enrolment.EnrolmentCheck.BuildAsync(store, region, year);
        foreach (var g in gaps.Take(o.Int("limit", 40)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {g.TownshipName,-12} {g.PsnNo} {g.Name,-4} {g.Certno} {g.KindName} {g.From:yyyy-MM-dd}–{g.To:yyyy-MM-dd} ({g.Days} days)"));
        }
        Console.WriteLine($"{gaps.Select(g => g.PsnNo).Distinct().Count()} assisted people with cover missing on due days: " +
            string.Join("; ", gaps.GroupBy(g => g.KindName).Select(k => $"{k.Key} {k.Select(g => g.PsnNo).Distinct().Count()} 人")) + $" ({(gaps.FirstOrDefault()?.Clause ?? "")})");
        return 0;
    }

    private static Gongji.Security.UserScope Operator(Options o) =>
        new(o.Get("by") ?? Environment.UserName, o.Get("by") ?? Environment.UserName, Gongji.Security.Roles.Admin, "33", null);

    private static DateOnly DateOption(Options o, string name) =>
        o.Get(name) is { } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : DateOnly.FromDateTime(DateTime.Now);

    private static async Task<int> FundsAsync(Options o)
    {
        var store = await OpenStoreAsync(o);
        var ledger = new Gongji.Funds.Ledger(store, TimeProvider.System);
        var funds = new Gongji.Funds.FundService(store, TimeProvider.System, ledger);
        var verb = o.Positional.Count > 0 ? o.Positional[0] : "list";
        switch (verb)
        {
            case "create" when o.Positional.Count == 2:
                var made = await funds.CreateAsync(o.Positional[1], o.Required("name"), o.Required("region"), o.Required("payer"), o.Required("workflow"),
                    o.Get("sharing") ?? "pro_rata", o.Get("fiscal-cap"), o.Int("notice-days", 7));
                Console.WriteLine($"fund {made.Code} {made.Name} ({made.Region}, {made.Payer}, {made.Workflow}, {made.Sharing})");
                return 0;
            case "contribute" when o.Positional.Count == 3:
                var entry = await ledger.ContributeAsync(o.Positional[1], o.Int("year", 0) is > 0 and var y ? y : throw new UsageException("--year is required"),
                    o.Required("source"), decimal.Parse(o.Positional[2], CultureInfo.InvariantCulture), DateOption(o, "date"), o.Get("memo") ?? "筹资", Operator(o).UserName);
                Console.WriteLine($"entry #{entry.Id} {entry.Kind} {entry.Memo}");
                return 0;
            case "rollover" when o.Positional.Count == 2:
                var rolled = await ledger.RolloverAsync(o.Positional[1], o.Int("year", 0), Operator(o).UserName);
                Console.WriteLine(rolled is null ? "nothing left to carry over" : $"entry #{rolled.Id} {rolled.Memo}");
                return 0;
            case "report" when o.Positional.Count == 2:
                var report = await funds.ReportAsync(o.Positional[1], o.Int("year", 0));
                foreach (var l in report.Lines)
                {
                    Console.WriteLine($"  {l.Item,-20} {l.Detail,-24} {Gongji.Applications.ApplicationService.Yuan(l.Fen),16}");
                }
                foreach (var c in report.Checks)
                {
                    Console.WriteLine($"  {c}");
                }
                var files = Gongji.Funds.FundService.WriteReport(report, o.Get("out") ?? Path.Combine("out", "funds"));
                Console.WriteLine($"written: {string.Join(", ", files)}");
                return report.TiesOut ? 0 : 1;
            case "list":
                foreach (var f in await funds.ListAsync(_ => true))
                {
                    Console.WriteLine($"{f.Fund.Code,-20} {f.Fund.Name,-16} bank {Gongji.Applications.ApplicationService.Yuan(f.BankFen),14}  payable {Gongji.Applications.ApplicationService.Yuan(f.PayableFen),12}  unknown {Gongji.Applications.ApplicationService.Yuan(f.InTransitFen),12}  " +
                        string.Join(" ", f.AvailableByYear.OrderBy(y => y.Key).Select(y => $"{y.Key}: {Gongji.Applications.ApplicationService.Yuan(y.Value)}")));
                }
                return 0;
            default:
                throw new UsageException("gongji funds create|list|contribute|rollover|report …");
        }
    }

    private static async Task<int> ApplicationsAsync(Options o)
    {
        if (o.Positional.Count != 2 || o.Positional[0] != "open")
        {
            throw new UsageException("gongji applications open FUND --year Y [--date D]");
        }
        var store = await OpenStoreAsync(o);
        var ledger = new Gongji.Funds.Ledger(store, TimeProvider.System);
        var service = new Gongji.Applications.ApplicationService(store, TimeProvider.System, ledger, new RegionResults(store, TimeProvider.System));
        var made = await service.CreateListAsync(o.Positional[1], o.Int("year", 0), DateOption(o, "date"), Operator(o));
        Console.WriteLine($"{made} application(s) on the preliminary list of {o.Positional[1]}");
        return 0;
    }

    private static async Task<int> PayoutsAsync(Options o)
    {
        if (o.Positional.Count != 1)
        {
            throw new UsageException("gongji payouts FUND --year Y --batch B [--date D] [--out DIR] [--by NAME]");
        }
        var store = await OpenStoreAsync(o);
        var ledger = new Gongji.Funds.Ledger(store, TimeProvider.System);
        var who = Operator(o);
        var service = new Gongji.Applications.ApplicationService(store, TimeProvider.System, ledger, new RegionResults(store, TimeProvider.System));
        var (approved, granted, refusal) = await service.ApproveAllAsync(o.Positional[0], o.Int("year", 0), who);
        Console.WriteLine(refusal is null ? $"approved {approved} application(s), {Gongji.Applications.ApplicationService.Yuan(granted)} yuan" : $"approval: {refusal}");
        var batch = await new Gongji.Funds.Payments(store, TimeProvider.System, ledger).SendBatchAsync(o.Positional[0], o.Required("batch"), DateOption(o, "date"), o.Get("out") ?? Path.Combine("out", "payments"), who);
        Console.WriteLine($"batch {batch.Batch}: {batch.Sent} payment(s) sent, {Gongji.Applications.ApplicationService.Yuan(batch.SentFen)} yuan; {batch.AlreadySent} already on their way or paid; bank file {batch.File}");
        return 0;
    }

    private static async Task<int> BankReturnAsync(Options o)
    {
        if (o.Positional.Count != 1)
        {
            throw new UsageException("gongji bank-return FILE [--by NAME]");
        }
        var store = await OpenStoreAsync(o);
        var report = await new Gongji.Funds.Payments(store, TimeProvider.System, new Gongji.Funds.Ledger(store, TimeProvider.System)).ReconcileAsync(o.Positional[0], Operator(o));
        Console.WriteLine($"{report.Paid} paid, {report.Failed} failed (back to payable), {report.AlreadySettled} already settled");
        foreach (var e in report.Errors)
        {
            Console.WriteLine($"  {e}");
        }
        return report.Errors.Count == 0 ? 0 : 1;
    }

    private static async Task<int> RunsAsync(Options o)
    {
        var store = await OpenStoreAsync(o);
        foreach (var r in await new RunService(store, TimeProvider.System).ListAsync())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#{r.Id} {r.Region} {r.Year} at {r.FinishedAt:yyyy-MM-dd HH:mm:ss} inputs {r.InputsFingerprint} parameters {r.ParameterVersion} (through load batch {r.LastBatchId})"));
        }
        return 0;
    }

    private static string Phases(IEnumerable<KeyValuePair<string, double>> phases) =>
        string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:N1} s")));

    /// <summary>
    /// How this very gongji is started again (for the bench's runs from files, each a process of its own as
    /// a clerk's `gongji run` is): its apphost, or dotnet with its assembly; null under another host.
    /// </summary>
    private static string[]? GongjiCommand() => Environment.ProcessPath switch
    {
        { } host when Path.GetFileNameWithoutExtension(host) == "dotnet" => [host, typeof(Commands).Assembly.Location],
        { } exe when System.Reflection.Assembly.GetEntryAssembly() == typeof(Commands).Assembly => [exe],
        _ => null,
    };

    private static async Task<int> BenchAsync(Options o)
    {
        var options = new Gongji.Bench.BenchOptions
        {
            Persons = o.Int("persons", 200_000, min: 1),
            LoadPersons = o.Int("load-persons", 50_000, min: 1),
            County = o.Get("county") ?? "330108",
            Year = o.Int("year", 2024),
            From = o.Get("from"),
            Load = !o.Flag("no-load"),
            Postgres = !o.Flag("no-postgres"),
            FileRounds = o.Int("rounds", 3, min: 1),
            Command = GongjiCommand(),
        };
        var machine = Gongji.Bench.Benchmark.Machine();
        Console.WriteLine($"gongji bench on {machine["cpu"]}, {machine["cores"]} cores, {machine["memory"]}, {machine["runtime"]} ({machine["os"]})");
        var report = await Gongji.Bench.Benchmark.RunAsync(options, Console.WriteLine);
        var json = o.Get("json") ?? Path.Combine("out", "bench.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
        await File.WriteAllTextAsync(json, Gongji.Bench.Benchmark.Json(report));
        Console.WriteLine($"written to {json}");
        return 0;
    }

    private static int RunCases(string[] paths)
    {
        if (paths.Length == 0)
        {
            throw new UsageException("gongji cases: give one or more .yaml files or folders");
        }
        int passed = 0, failed = 0;
        foreach (var file in CaseRunner.FindCaseFiles(paths))
        {
            var outcome = CaseRunner.Run(file);
            if (outcome.Passed)
            {
                passed++;
                continue;
            }
            failed++;
            Console.WriteLine($"FAIL {outcome.Path}: {outcome.Name}");
            foreach (var d in outcome.Differences)
            {
                Console.WriteLine($"  {d}");
            }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}

/// <summary>A progress bar on standard error while a file loads.</summary>
internal sealed class ConsoleProgress : IProgress<(string File, long Rows, long Total)>
{
    public void Report((string File, long Rows, long Total) value)
    {
        if (Console.IsErrorRedirected)
        {
            return; // a log file gets the summary lines, not a bar redrawn in place
        }
        var name = Path.GetFileName(value.File);
        if (value.Total <= 0)
        {
            Console.Error.Write($"\r  checking {name}: {value.Rows:N0} rows   ");
            return;
        }
        var share = Math.Clamp((double)value.Rows / value.Total, 0, 1);
        var filled = (int)(share * 30);
        Console.Error.Write($"\r  writing {name} [{new string('#', filled)}{new string('.', 30 - filled)}] {share,4:P0} {value.Rows:N0}/{value.Total:N0}   ");
    }

    public static void Clear()
    {
        if (!Console.IsErrorRedirected)
        {
            Console.Error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
