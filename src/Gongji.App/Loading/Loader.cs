using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gongji.Reference;
using Gongji.Store;
using Microsoft.EntityFrameworkCore;

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

    /// <summary>Orders the given files so that persons come before what names them.</summary>
    public static IReadOnlyList<string> OrderForLoading(IEnumerable<string> paths) =>
        paths.OrderBy(p =>
        {
            var kind = FileKind.All.FirstOrDefault(k => Path.GetFileNameWithoutExtension(p).StartsWith(k.Name, StringComparison.OrdinalIgnoreCase));
            return kind is null ? KindOrder.Length : Array.IndexOf(KindOrder, kind.Name);
        }).ThenBy(p => p, StringComparer.Ordinal).ToList();

    public async Task<LoadResult> LoadAsync(string path, string? kindName = null, CancellationToken ct = default)
    {
        var file = TabularFile.Open(path);
        string[] header = [];
        FileKind? kind = kindName is null ? null : FileKind.Find(kindName) ?? throw new ArgumentException($"unknown file kind '{kindName}' ({string.Join(", ", FileKind.All.Select(k => k.Name))})");
        var context = await BuildContextAsync(ct);
        RowReader? reader = null;
        var rows = 0;
        var errors = new List<RowError>();
        foreach (var (row, cells) in file.Rows(h => header = h))
        {
            if (reader is null)
            {
                kind ??= FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: cannot tell which data.md file this is from its name or header ({string.Join(",", header.Take(8))})");
                reader = new RowReader(header, kind.Aliases, file.IsSpreadsheet);
                CheckHeader(kind, reader, errors);
            }
            reader.Next(row, cells);
            kind!.Parse(reader, context);
            rows++;
            if (rows % 50_000 == 0)
            {
                Progress?.Report((path, rows, 0));
            }
        }
        if (reader is null)
        {
            kind ??= FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: empty file with no recognisable header");
        }
        else
        {
            errors.AddRange(reader.Errors);
        }
        var errorFile = path + ".errors.csv";
        if (errors.Count > 0)
        {
            await WriteErrorFileAsync(errorFile, errors, ct);
            return new LoadResult(path, kind!.Name, file.EncodingName, rows, null, errors, context.Warnings, errorFile);
        }
        if (File.Exists(errorFile))
        {
            File.Delete(errorFile); // the file is mended: its old error list no longer applies
        }
        var counts = await WriteAsync(file, kind!, path, rows, ct);
        return new LoadResult(path, kind!.Name, file.EncodingName, rows, counts, [], context.Warnings, null);
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

    private async Task<WriteCounts> WriteAsync(TabularFile file, FileKind kind, string path, int total, CancellationToken ct)
    {
        var sha = await Sha256Async(path, ct);
        await using var connection = await store.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long batchId;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO load_batches (kind, file_name, file_sha256, row_count, inserted, replaced, unchanged, loaded_at) VALUES (@k, @f, @s, @r, 0, 0, 0, @t) RETURNING id";
            GongjiStore.AddParameter(insert, "@k", kind.Name);
            GongjiStore.AddParameter(insert, "@f", Path.GetFileName(path));
            GongjiStore.AddParameter(insert, "@s", sha);
            GongjiStore.AddParameter(insert, "@r", total);
            GongjiStore.AddParameter(insert, "@t", store.Provider == StoreProvider.Sqlite ? clock.GetUtcNow().ToString("O") : clock.GetUtcNow());
            batchId = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        var writer = TableWriter.Create(store, connection, tx, kind, batchId);
        var context = await BuildContextAsync(ct);
        string[] header = [];
        RowReader? reader = null;
        long written = 0;
        foreach (var (row, cells) in file.Rows(h => header = h))
        {
            reader ??= new RowReader(header, kind.Aliases, file.IsSpreadsheet);
            reader.Next(row, cells);
            var values = kind.Parse(reader, context)!;
            await writer.WriteAsync(values, ct);
            if (++written % 50_000 == 0)
            {
                Progress?.Report((path, written, total));
            }
        }
        var counts = await writer.FinishAsync(ct);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = tx;
            update.CommandText = "UPDATE load_batches SET inserted = @i, replaced = @r, unchanged = @u WHERE id = @id";
            GongjiStore.AddParameter(update, "@i", counts.Inserted);
            GongjiStore.AddParameter(update, "@r", counts.Replaced);
            GongjiStore.AddParameter(update, "@u", counts.Unchanged);
            GongjiStore.AddParameter(update, "@id", batchId);
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        Progress?.Report((path, total, total));
        return counts;
    }

    private async Task<LoadContext> BuildContextAsync(CancellationToken ct)
    {
        await using var db = store.CreateDb();
        var persons = new HashSet<string>(StringComparer.Ordinal);
        var byCertno = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var p in db.Persons.AsNoTracking().Select(p => new { p.PsnNo, p.Certno }).AsAsyncEnumerable().WithCancellation(ct))
        {
            persons.Add(p.PsnNo);
            if (p.Certno is not null)
            {
                byCertno.TryAdd(p.Certno, p.PsnNo);
            }
        }
        var codes = await db.IdentityCodeMap.AsNoTracking().ToDictionaryAsync(c => c.RawCode, c => new IdentityCodeMapping(c.RawCode, c.IdetType, c.Level, c.IllnessInduced), StringComparer.Ordinal, ct);
        return new LoadContext
        {
            KnownPersons = persons,
            PsnNoByCertno = byCertno,
            IdentityCodes = codes,
            KnownCounties = Divisions.Zhejiang.CountyCodes,
        };
    }

    private static Task WriteErrorFileAsync(string path, List<RowError> errors, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        WriteErrorFile(path, errors);
        return Task.CompletedTask;
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

    private static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
