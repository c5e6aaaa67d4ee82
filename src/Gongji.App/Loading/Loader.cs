using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Gongji.Reference;
using Gongji.Store;

namespace Gongji.Loading;

public sealed record LoadResult(string Path, string Kind, string Encoding, int Rows, WriteCounts? Counts, IReadOnlyList<RowError> Errors, IReadOnlyList<string> Warnings, string? ErrorFile)
{
    public bool Succeeded => Errors.Count == 0 && Counts is not null;
}

/// <summary>
/// Loads the files of data.md. A file loads whole or not at all: every row is checked first, and
/// only a file without a bad row is written, in one transaction (data.md "Loading rules").
/// </summary>
public sealed class Loader(GongjiStore store, TimeProvider clock)
{
    /// <summary>The order that lets a file refer to what an earlier one loaded.</summary>
    private static readonly string[] KindOrder = ["identity_codes", "households", "persons", "identities", "enrolments", "settlements", "aids", "fee_details"];

    public IProgress<(string File, long Rows, long Total)>? Progress { get; init; }

    /// <summary>
    /// For a department's aid-entry account: only aids.csv, and only rows of its own payer (issue #6);
    /// any other row is a row error, so nothing of the file is written.
    /// </summary>
    public string? OnlyPayer { get; init; }

    /// <summary>Orders the given files so that persons come before what names them.</summary>
    public static IReadOnlyList<string> OrderForLoading(IEnumerable<string> paths) =>
        paths.OrderBy(p =>
        {
            var kind = FileKind.All.FirstOrDefault(k => Path.GetFileNameWithoutExtension(p).StartsWith(k.Name, StringComparison.OrdinalIgnoreCase));
            return kind is null ? KindOrder.Length : Array.IndexOf(KindOrder, kind.Name);
        }).ThenBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>
    /// One pass: every row is checked and, while no row has failed, written inside one transaction;
    /// the first bad row stops the writing, the rest are still checked so that every bad row is
    /// listed, and the transaction is rolled back — nothing of the file is kept.
    /// </summary>
    public async Task<LoadResult> LoadAsync(string path, string? kindName = null, CancellationToken ct = default)
    {
        var file = TabularFile.Open(path);
        string[] header = [];
        FileKind? kind = kindName is null ? null : FileKind.Find(kindName) ?? throw new ArgumentException($"unknown file kind '{kindName}' ({string.Join(", ", FileKind.All.Select(k => k.Name))})");
        await using var connection = await store.OpenAsync(ct);
        // The file is fingerprinted while the registry it is checked against is read.
        var fingerprinting = Task.Run(() => FingerprintAsync(path, file.IsSpreadsheet, ct), ct);
        LoadContext context;
        try
        {
            context = await BuildContextAsync(connection, ct);
        }
        catch
        {
            // The store's error is the answer; the file's reading, left to finish, must not fail unobserved.
            _ = fingerprinting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
        var (sha, plain) = await fingerprinting;
        var total = file.IsSpreadsheet ? 0 : EstimateRows(path);
        await using var tx = await connection.BeginTransactionAsync(ct);
        RowReader? reader = null;
        TableWriter? writer = null;
        long batchId = 0;
        var rows = 0;
        var errors = new List<RowError>();
        // A plain UTF-8 file's rows are read from their bytes; any other through the CSV or workbook reader.
        using var rowsOfFile = file.RowsInto(h =>
        {
            header = h;
            var detected = kind ?? FileKind.Detect(path, header);
            return new RowReader(header, detected?.Aliases ?? new Dictionary<string, string>(), file.IsSpreadsheet);
        }, plain).GetEnumerator();
        if (rowsOfFile.MoveNext())
        {
            kind ??= FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: cannot tell which data.md file this is from its name or header ({string.Join(",", header.Take(8))})");
            if (OnlyPayer is not null && kind is not AidsKind)
            {
                throw new UnauthorizedAccessException($"您的角色只能导入其他渠道支付记录 aids（{OnlyPayer}），不能导入 {kind.Name}");
            }
            reader = rowsOfFile.Current;
            CheckHeader(kind, reader, errors);
            batchId = await StartBatchAsync(connection, tx, kind, path, sha, ct);
            writer = TableWriter.Create(store, connection, tx, kind, batchId);
            // Two workers: one reads and checks the rows (and fingerprints them), the other writes
            // what it is handed, in file order. After the first bad row nothing more is handed over.
            // Rows go over in batches of columns, handed back once written to be filled again.
            const int Batches = 8, RowsPerBatch = 1024;
            var checkedRows = Channel.CreateBounded<RowBatch>(new BoundedChannelOptions(Batches) { SingleReader = true, SingleWriter = true });
            var written = Channel.CreateBounded<RowBatch>(new BoundedChannelOptions(Batches) { SingleReader = true, SingleWriter = true });
            for (var b = 0; b < Batches; b++)
            {
                written.Writer.TryWrite(new RowBatch(kind.Columns, RowsPerBatch));
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var (readerOfRows, kindOfRows) = (reader, kind);
            var plainRows = kind.PlainParser(reader);
            var checking = Task.Run(async () =>
            {
                var batch = await written.Reader.ReadAsync(stop.Token);
                try
                {
                    do
                    {
                        // The common form straight from the bytes; any other row, and every bad one, the general way.
                        if (plainRows?.TryParse(readerOfRows, context, batch) != true)
                        {
                            var values = kindOfRows.Parse(readerOfRows, context)!;
                            if (OnlyPayer is not null && values[0] is string payer && !string.Equals(payer, OnlyPayer, StringComparison.OrdinalIgnoreCase))
                            {
                                readerOfRows.Error("payer", payer, $"您的角色只能录入 {OnlyPayer} 的支付记录 (this account enters {OnlyPayer} aids only)");
                            }
                            if (errors.Count == 0 && readerOfRows.Errors.Count == 0)
                            {
                                batch.Add(values);
                            }
                        }
                        rows++;
                        if (batch.IsFull)
                        {
                            if (errors.Count == 0 && readerOfRows.Errors.Count == 0)
                            {
                                await checkedRows.Writer.WriteAsync(batch, stop.Token);
                                batch = await written.Reader.ReadAsync(stop.Token);
                            }
                            batch.Clear();
                        }
                        if (rows % 50_000 == 0)
                        {
                            Progress?.Report((path, rows, Math.Max(total, rows)));
                        }
                    }
                    while (rowsOfFile.MoveNext());
                    if (batch.Count > 0 && errors.Count == 0 && readerOfRows.Errors.Count == 0)
                    {
                        await checkedRows.Writer.WriteAsync(batch, stop.Token);
                    }
                }
                finally
                {
                    checkedRows.Writer.TryComplete();
                }
            }, stop.Token);
            try
            {
                await foreach (var batch in checkedRows.Reader.ReadAllAsync(ct))
                {
                    await writer.WriteAsync(batch, ct);
                    batch.Clear();
                    written.Writer.TryWrite(batch);
                }
            }
            catch
            {
                await stop.CancelAsync(); // the writing failed: the checking stops too
                await Task.WhenAny(checking);
                throw;
            }
            await checking;
            errors.AddRange(reader.Errors);
        }
        else
        {
            kind ??= FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: empty file with no recognisable header");
            batchId = await StartBatchAsync(connection, tx, kind, path, sha, ct);
            writer = TableWriter.Create(store, connection, tx, kind, batchId);
        }
        var errorFile = path + ".errors.csv";
        if (errors.Count > 0)
        {
            await writer!.AbandonAsync();
            await tx.RollbackAsync(ct);
            WriteErrorFile(errorFile, errors);
            return new LoadResult(path, kind!.Name, file.EncodingName, rows, null, errors, context.Warnings, errorFile);
        }
        var counts = await writer!.FinishAsync(ct);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = tx;
            update.CommandText = "UPDATE load_batches SET row_count = @n, inserted = @i, replaced = @r, unchanged = @u WHERE id = @id";
            GongjiStore.AddParameter(update, "@n", rows);
            GongjiStore.AddParameter(update, "@i", counts.Inserted);
            GongjiStore.AddParameter(update, "@r", counts.Replaced);
            GongjiStore.AddParameter(update, "@u", counts.Unchanged);
            GongjiStore.AddParameter(update, "@id", batchId);
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        if (File.Exists(errorFile))
        {
            File.Delete(errorFile); // the file is mended: its old error list no longer applies
        }
        Progress?.Report((path, rows, rows));
        return new LoadResult(path, kind!.Name, file.EncodingName, rows, counts, [], context.Warnings, null);
    }

    /// <summary>Rows of a CSV, roughly, for the progress bar: its size over its first lines' length.</summary>
    private static int EstimateRows(string path)
    {
        using var stream = File.OpenRead(path);
        var sample = new byte[1 << 16];
        var read = stream.Read(sample, 0, sample.Length);
        var lines = sample.AsSpan(0, read).Count((byte)'\n');
        return lines == 0 ? 0 : (int)Math.Min(int.MaxValue, stream.Length * lines / Math.Max(1, read));
    }

    private async Task<long> StartBatchAsync(DbConnection connection, DbTransaction tx, FileKind kind, string path, string sha, CancellationToken ct)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO load_batches (kind, file_name, file_sha256, row_count, inserted, replaced, unchanged, loaded_at) VALUES (@k, @f, @s, 0, 0, 0, 0, @t) RETURNING id";
        GongjiStore.AddParameter(insert, "@k", kind.Name);
        GongjiStore.AddParameter(insert, "@f", Path.GetFileName(path));
        GongjiStore.AddParameter(insert, "@s", sha);
        GongjiStore.AddParameter(insert, "@t", store.Provider == StoreProvider.Sqlite ? clock.GetUtcNow().ToString("O") : clock.GetUtcNow());
        return Convert.ToInt64(await insert.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static void CheckHeader(FileKind kind, RowReader reader, List<RowError> errors)
    {
        foreach (var field in kind.RequiredColumns)
        {
            if (!reader.Has(field) && !(field == "psn_no" && reader.Has("certno")))
            {
                errors.Add(new RowError(1, field, "", $"the header has no column '{field}', which a {kind.Name} file needs"));
            }
        }
    }

    /// <summary>
    /// The registry a file is checked against. Read with plain SQL: it runs before every file, and the
    /// first EF query of a process costs a second of model building.
    /// </summary>
    private static async Task<LoadContext> BuildContextAsync(DbConnection connection, CancellationToken ct)
    {
        var persons = new HashSet<string>(StringComparer.Ordinal);
        var byCertno = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT psn_no, certno FROM persons";
            await using var rows = await query.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var psn = rows.GetString(0);
                persons.Add(psn);
                if (!rows.IsDBNull(1))
                {
                    byCertno.TryAdd(rows.GetString(1), psn);
                }
            }
        }
        var codes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal);
        await using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT raw_code, idet_type, level, illness_induced FROM identity_code_map";
            await using var rows = await query.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var raw = rows.GetString(0);
                codes[raw] = new IdentityCodeMapping(raw, rows.GetString(1), rows.IsDBNull(2) ? null : rows.GetInt32(2), rows.GetBoolean(3));
            }
        }
        return new LoadContext
        {
            KnownPersons = persons,
            PsnNoByCertno = byCertno,
            IdentityCodes = codes,
            KnownCounties = Divisions.Zhejiang.CountyCodes,
        };
    }

    /// <summary>The error file beside an input: row, column, value, reason (UTF-8 with BOM, for Excel).</summary>
    public static void WriteErrorFile(string path, IEnumerable<RowError> errors)
    {
        var sb = new StringBuilder("row,column,value,reason\n");
        foreach (var e in errors.OrderBy(e => e.Row))
        {
            sb.Append(e.Row).Append(',').Append(Csv(e.Column)).Append(',').Append(Csv(e.Value)).Append(',').Append(Csv(e.Reason)).Append('\n');
        }
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(true));
    }

    internal static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>The file's SHA-256 (the batch record), and whether its bytes are plain lines (<see cref="PlainScan"/>), in one read.</summary>
    private static async Task<(string Sha256, bool Plain)> FingerprintAsync(string path, bool spreadsheet, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var scan = new PlainScan();
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            if (!spreadsheet)
            {
                scan.Feed(buffer.AsSpan(0, read));
            }
        }
        return (Convert.ToHexStringLower(sha.GetHashAndReset()), !spreadsheet && scan.Plain);
    }
}
