using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Gongji.Store;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Gongji.Loading;

public sealed record WriteCounts(int Inserted, int Replaced, int Unchanged);

/// <summary>
/// Writes the rows of one file inside the caller's transaction. A row whose key is new is inserted;
/// one whose content changed replaces the stored row (settlements keep the old version in
/// settlement_history); an identical one changes nothing.
/// </summary>
public abstract class TableWriter
{
    protected TableWriter(FileKind kind, long batchId)
    {
        Kind = kind;
        BatchId = batchId;
    }

    protected FileKind Kind { get; }
    protected long BatchId { get; }

    public static TableWriter Create(GongjiStore store, DbConnection connection, DbTransaction tx, FileKind kind, long batchId) =>
        store.Provider == StoreProvider.Sqlite
            ? new SqliteTableWriter((SqliteConnection)connection, (SqliteTransaction)tx, kind, batchId)
            : new PostgresTableWriter((NpgsqlConnection)connection, kind, batchId);

    public abstract Task WriteAsync(object?[] values, CancellationToken ct);
    public abstract Task<WriteCounts> FinishAsync(CancellationToken ct);

    /// <summary>Stops writing a file that turned out bad, before its transaction is rolled back.</summary>
    public abstract Task AbandonAsync();

    /// <summary>A fingerprint of a row's values, to tell a changed row from the same row loaded again.</summary>
    public static string ContentHash(object?[] values)
    {
        var sb = new StringBuilder(256);
        foreach (var v in values)
        {
            sb.Append(v switch
            {
                null => "\u2400",
                DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                bool b => b ? "1" : "0",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => v.ToString(),
            }).Append('\u241F');
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    protected string ColumnList => string.Join(", ", Kind.Columns.Select(c => c.Name)) + ", content_hash, batch_id";

    protected string UpdateSet(string target) =>
        string.Join(", ", Kind.Columns.Where(c => !Kind.Key.Contains(c.Name)).Select(c => $"{c.Name} = excluded.{c.Name}"))
        + ", content_hash = excluded.content_hash, batch_id = excluded.batch_id"
        + (Kind.Versioned ? $", version = {target}.version + 1" : "");

    protected string HistoryTable => Kind.HistoryTable ?? throw new InvalidOperationException($"{Kind.Table} keeps no history");
}

/// <summary>SQLite: one transaction, prepared statements reused for every row.</summary>
public sealed class SqliteTableWriter : TableWriter
{
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand? _history;
    private readonly int[] _keyIndexes;

    // A table empty when the load began can hold none of the file's keys (a file with a key twice is
    // refused row by row), so no row needs looking up first: the first load of a table goes faster.
    private readonly bool _wasEmpty;
    private int _inserted, _replaced, _unchanged;

    public SqliteTableWriter(SqliteConnection connection, SqliteTransaction tx, FileKind kind, long batchId) : base(kind, batchId)
    {
        using (var any = connection.CreateCommand())
        {
            any.Transaction = tx;
            any.CommandText = $"SELECT EXISTS (SELECT 1 FROM {kind.Table})";
            _wasEmpty = Convert.ToInt64(any.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0;
        }

        var keyMatch = string.Join(" AND ", kind.Key.Select((k, i) => $"{k} = @k{i}"));
        _keyIndexes = kind.Key.Select(k => kind.Columns.ToList().FindIndex(c => c.Name == k)).ToArray();
        _find = connection.CreateCommand();
        _find.Transaction = tx;
        _find.CommandText = $"SELECT content_hash FROM {kind.Table} WHERE {keyMatch}";
        for (var i = 0; i < kind.Key.Count; i++)
        {
            _find.Parameters.Add(new SqliteParameter($"@k{i}", null));
        }
        _upsert = connection.CreateCommand();
        _upsert.Transaction = tx;
        var values = string.Join(", ", kind.Columns.Select((_, i) => $"@p{i}")) + ", @hash, @batch";
        _upsert.CommandText = $"INSERT INTO {kind.Table} ({ColumnList}) VALUES ({values}) ON CONFLICT ({string.Join(", ", kind.Key)}) DO UPDATE SET {UpdateSet(kind.Table)}";
        for (var i = 0; i < kind.Columns.Count; i++)
        {
            _upsert.Parameters.Add(new SqliteParameter($"@p{i}", null));
        }
        _upsert.Parameters.Add(new SqliteParameter("@hash", null));
        _upsert.Parameters.Add(new SqliteParameter("@batch", batchId));
        if (kind.Mode == ConflictMode.ReplaceKeepHistory)
        {
            _history = connection.CreateCommand();
            _history.Transaction = tx;
            _history.CommandText = $"INSERT INTO {HistoryTable} SELECT *, @batch FROM {kind.Table} WHERE {keyMatch}";
            for (var i = 0; i < kind.Key.Count; i++)
            {
                _history.Parameters.Add(new SqliteParameter($"@k{i}", null));
            }
            _history.Parameters.Add(new SqliteParameter("@batch", batchId));
            _history.Prepare();
        }
        _find.Prepare();
        _upsert.Prepare();
    }

    // Microsoft.Data.Sqlite's async calls run synchronously anyway; calling the synchronous ones saves a task per row.
    public override Task WriteAsync(object?[] values, CancellationToken ct)
    {
        var hash = ContentHash(values);
        string? existing = null;
        if (!_wasEmpty)
        {
            for (var i = 0; i < Kind.Key.Count; i++)
            {
                var value = values[_keyIndexes[i]];
                _find.Parameters[i].Value = value ?? DBNull.Value;
                if (_history is not null)
                {
                    _history.Parameters[i].Value = value ?? DBNull.Value;
                }
            }
            existing = (string?)_find.ExecuteScalar();
            if (existing == hash || (existing is not null && Kind.Mode == ConflictMode.KeepFirst))
            {
                _unchanged++;
                return Task.CompletedTask;
            }
            if (existing is not null && _history is not null)
            {
                _history.ExecuteNonQuery();
            }
        }
        for (var i = 0; i < values.Length; i++)
        {
            _upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        _upsert.Parameters[values.Length].Value = hash;
        _upsert.ExecuteNonQuery();
        if (existing is null)
        {
            _inserted++;
        }
        else
        {
            _replaced++;
        }
        return Task.CompletedTask;
    }

    public override Task<WriteCounts> FinishAsync(CancellationToken ct)
    {
        Dispose();
        return Task.FromResult(new WriteCounts(_inserted, _replaced, _unchanged));
    }

    public override Task AbandonAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    private void Dispose()
    {
        _find.Dispose();
        _upsert.Dispose();
        _history?.Dispose();
    }
}

/// <summary>PostgreSQL: binary COPY into a staging table, then set-based upsert in the same transaction.</summary>
public sealed class PostgresTableWriter : TableWriter
{
    private readonly NpgsqlConnection _connection;
    private readonly string _stage;
    private NpgsqlBinaryImporter? _importer;

    public PostgresTableWriter(NpgsqlConnection connection, FileKind kind, long batchId) : base(kind, batchId)
    {
        _connection = connection;
        _stage = "stage_" + kind.Table;
    }

    private async Task<NpgsqlBinaryImporter> ImporterAsync(CancellationToken ct)
    {
        if (_importer is null)
        {
            await using (var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {_stage}; CREATE TEMP TABLE {_stage} (LIKE {Kind.Table} INCLUDING DEFAULTS) ON COMMIT DROP", _connection))
            {
                await create.ExecuteNonQueryAsync(ct);
            }
            _importer = await _connection.BeginBinaryImportAsync($"COPY {_stage} ({ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
        }
        return _importer;
    }

    public override async Task WriteAsync(object?[] values, CancellationToken ct)
    {
        var importer = await ImporterAsync(ct);
        await importer.StartRowAsync(ct);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v is null)
            {
                await importer.WriteNullAsync(ct);
                continue;
            }
            switch (Kind.Columns[i].Type)
            {
                case ColumnType.Text: await importer.WriteAsync((string)v, NpgsqlDbType.Text, ct); break;
                case ColumnType.Date: await importer.WriteAsync((DateOnly)v, NpgsqlDbType.Date, ct); break;
                case ColumnType.Timestamp: await importer.WriteAsync(DateTime.SpecifyKind((DateTime)v, DateTimeKind.Unspecified), NpgsqlDbType.Timestamp, ct); break;
                case ColumnType.Fen: await importer.WriteAsync(Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType.Bigint, ct); break;
                case ColumnType.Int: await importer.WriteAsync(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType.Integer, ct); break;
                case ColumnType.Bool: await importer.WriteAsync((bool)v, NpgsqlDbType.Boolean, ct); break;
                default: throw new InvalidOperationException();
            }
        }
        await importer.WriteAsync(ContentHash(values), NpgsqlDbType.Text, ct);
        await importer.WriteAsync(BatchId, NpgsqlDbType.Bigint, ct);
    }

    public override async Task AbandonAsync()
    {
        if (_importer is not null)
        {
            await _importer.DisposeAsync(); // an uncompleted COPY is cancelled
            _importer = null;
        }
    }

    public override async Task<WriteCounts> FinishAsync(CancellationToken ct)
    {
        if (_importer is null)
        {
            return new WriteCounts(0, 0, 0);
        }
        await _importer.CompleteAsync(ct);
        await _importer.DisposeAsync();
        var join = string.Join(" AND ", Kind.Key.Select(k => $"t.{k} = s.{k}"));
        int inserted, replaced, unchanged;
        await using (var count = new NpgsqlCommand(
            $"SELECT count(*) FILTER (WHERE t.{Kind.Key[0]} IS NULL), count(*) FILTER (WHERE t.{Kind.Key[0]} IS NOT NULL AND t.content_hash <> s.content_hash), " +
            $"count(*) FILTER (WHERE t.content_hash = s.content_hash) FROM {_stage} s LEFT JOIN {Kind.Table} t ON {join}", _connection))
        await using (var reader = await count.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            inserted = (int)reader.GetInt64(0);
            replaced = (int)reader.GetInt64(1);
            unchanged = (int)reader.GetInt64(2);
        }
        if (Kind.Mode == ConflictMode.KeepFirst)
        {
            unchanged += replaced;
            replaced = 0;
        }
        if (Kind.Mode == ConflictMode.ReplaceKeepHistory && replaced > 0)
        {
            await using var history = new NpgsqlCommand(
                $"INSERT INTO {HistoryTable} SELECT t.*, @batch FROM {Kind.Table} t JOIN {_stage} s ON {join} WHERE t.content_hash <> s.content_hash", _connection);
            history.Parameters.AddWithValue("batch", BatchId);
            await history.ExecuteNonQueryAsync(ct);
        }
        var onConflict = Kind.Mode == ConflictMode.KeepFirst
            ? "DO NOTHING"
            : $"DO UPDATE SET {UpdateSet(Kind.Table)} WHERE {Kind.Table}.content_hash <> excluded.content_hash";
        await using (var upsert = new NpgsqlCommand(
            $"INSERT INTO {Kind.Table} ({ColumnList}) SELECT {ColumnList} FROM {_stage} ON CONFLICT ({string.Join(", ", Kind.Key)}) {onConflict}", _connection))
        {
            await upsert.ExecuteNonQueryAsync(ct);
        }
        return new WriteCounts(inserted, replaced, unchanged);
    }
}
