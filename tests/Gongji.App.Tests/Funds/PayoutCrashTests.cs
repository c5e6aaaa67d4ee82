using System.Diagnostics;
using Gongji.Applications;
using Gongji.Funds;
using Gongji.Runs;
using Gongji.Security;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Funds;

/// <summary>
/// A payout batch (<c>gongji payouts</c>, a real process) killed with SIGKILL at random points and run again
/// ends with the same ledger, entry by entry, and the same bank file as a batch never interrupted.
/// </summary>
public sealed class PayoutCrashTests
{
    private static readonly UserScope Preparer = new("prep", "审核人", Roles.Admin, "33", null);
    private static readonly UserScope Publisher = new("pub", "公示人", Roles.Admin, "33", null);

    private static async Task<(string Folder, int Applications)> PrepareAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gongji-crash-" + Guid.NewGuid().ToString("N")[..8]);
        var store = GongjiStore.Sqlite(Path.Combine(folder, "gongji.db"));
        await store.MigrateAsync();
        await DemoData.LoadAsync(store, "331127", 5000, 2024);
        var ledger = new Ledger(store, TimeProvider.System);
        var funds = new FundService(store, TimeProvider.System, ledger);
        var applications = new ApplicationService(store, TimeProvider.System, ledger, new RegionResults(store, TimeProvider.System));
        await funds.CreateAsync("JN", "景宁高额医疗费补助", "331127", "high_cost_subsidy", "jingning_subsidy", "pro_rata", null, noticeDays: 0);
        // Less money than asked for, so the batch's approvals are shared pro rata.
        await ledger.ContributeAsync("JN", 2024, "district_fiscal", 600_000m, new DateOnly(2025, 3, 1), "县财政预算", "test");
        var made = await applications.CreateListAsync("JN", 2024, new DateOnly(2025, 2, 1), Preparer);
        await using (var db = store.CreateDb())
        {
            foreach (var id in await db.Applications.OrderBy(a => a.Id).Select(a => a.Id).ToListAsync())
            {
                Assert.Null((await applications.ActAsync(id, "review", Preparer, null)).Refusal);
                Assert.Null((await applications.ActAsync(id, "publish", Publisher, null)).Refusal);
            }
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return (folder, made);
    }

    private static Process Payouts(string folder, string db)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "gongji"))
        {
            ArgumentList = { "payouts", "JN", "--year", "2024", "--batch", "B1", "--date", "2025-03-20", "--by", "boss", "--db", db, "--out", Path.Combine(folder, "bank-" + Path.GetFileNameWithoutExtension(db)) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        return Process.Start(start)!;
    }

    private static async Task<int> PaymentsAsync(string db)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM payments) + (SELECT COUNT(*) FROM ledger_entries WHERE kind = 'approval')";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> LedgerAsync(string db)
    {
        var store = GongjiStore.Sqlite(db);
        await using var context = store.CreateDb();
        var postings = (await context.LedgerPostings.AsNoTracking().ToListAsync()).ToLookup(p => p.EntryId);
        var entries = await context.LedgerEntries.AsNoTracking().OrderBy(e => e.IdempotencyKey).ToListAsync();
        // Everything but the row ids and the wall-clock time of writing.
        return entries.Select(e => $"{e.IdempotencyKey}|{e.Kind}|{e.ValueDate:yyyy-MM-dd}|{e.FundYear}|{e.Memo}|{e.ApplicationId}|{e.CreatedBy}|{e.Source}|" +
            string.Join(";", postings[e.Id].OrderBy(p => p.Account, StringComparer.Ordinal).Select(p => $"{p.Account}={p.AmountFen}"))).ToList();
    }

    [Fact]
    public async Task A_batch_killed_at_random_points_and_rerun_ends_with_the_same_ledger_as_an_uninterrupted_one()
    {
        var (folder, made) = await PrepareAsync();
        Assert.True(made >= 20, $"only {made} applications");
        var original = Path.Combine(folder, "gongji.db");
        var calm = Path.Combine(folder, "calm.db");
        var killed = Path.Combine(folder, "killed.db");
        File.Copy(original, calm);

        using (var run = Payouts(folder, calm))
        {
            await run.WaitForExitAsync();
            Assert.True(run.ExitCode == 0, await run.StandardError.ReadToEndAsync() + await run.StandardOutput.ReadToEndAsync());
        }
        var total = await PaymentsAsync(calm);
        Assert.Equal(2 * made, total); // an approval and a payment per application

        var random = new Random(Environment.TickCount);
        var interruptedMidway = 0;
        // On a busy machine a whole batch can finish between two looks at its progress; then the kills are
        // tried again on a fresh copy, and every attempt must end with the same ledger.
        for (var attempt = 0; attempt < 5 && interruptedMidway == 0; attempt++)
        {
            File.Copy(original, killed, overwrite: true);
            File.Delete(killed + "-wal");
            File.Delete(killed + "-shm");
            for (var round = 0; round < 4; round++)
            {
                var before = await PaymentsAsync(killed);
                if (before >= total)
                {
                    break;
                }
                // Kill once the batch has done a random number of further steps (round 0: maybe before any).
                // One open read-only connection, asked without sleeping between looks: a look costs tens of
                // microseconds, so a batch of a few hundred milliseconds is seen step by step even on a busy machine.
                // The target lies in the first half of what is left, so the batch is still at work when the kill lands.
                var target = round == 0 ? before : random.Next(before + 1, Math.Max(before + 2, before + ((total - before) / 2) + 1));
                await using var look = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={killed};Mode=ReadOnly;Pooling=False");
                await look.OpenAsync();
                await using var count = look.CreateCommand();
                count.CommandText = "SELECT (SELECT COUNT(*) FROM payments) + (SELECT COUNT(*) FROM ledger_entries WHERE kind = 'approval')";
                using var run = Payouts(folder, killed);
                var watch = Stopwatch.StartNew();
                while (!run.HasExited && Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) < target && watch.Elapsed < TimeSpan.FromSeconds(60))
                {
                    Thread.Yield();
                }
                if (round == 0)
                {
                    await Task.Delay(random.Next(0, 600));
                }
                if (!run.HasExited)
                {
                    run.Kill(); // SIGKILL at once (the host has no children): no finally, no flush
                    await run.WaitForExitAsync();
                }
                var after = await PaymentsAsync(killed);
                interruptedMidway += after > before && after < total ? 1 : 0;
            }
            using (var finish = Payouts(folder, killed))
            {
                await finish.WaitForExitAsync();
                Assert.True(finish.ExitCode == 0, await finish.StandardError.ReadToEndAsync());
            }
            Assert.Equal(await LedgerAsync(calm), await LedgerAsync(killed));
            Assert.Equal(File.ReadAllText(Path.Combine(folder, "bank-calm", "bank-JN-B1.csv")), File.ReadAllText(Path.Combine(folder, "bank-killed", "bank-JN-B1.csv")));
        }
        Assert.True(interruptedMidway > 0, "no kill landed inside the batch in five attempts");
    }
}
