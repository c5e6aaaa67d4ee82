using System.Buffers;
using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
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

    /// <summary>Writes one checked row; <paramref name="hash"/> is its <see cref="ContentHash"/>.</summary>
    public abstract Task WriteAsync(object?[] values, string hash, CancellationToken ct);
    public abstract Task<WriteCounts> FinishAsync(CancellationToken ct);

    /// <summary>Stops writing a file that turned out bad, before its transaction is rolled back.</summary>
    public abstract Task AbandonAsync();

    /// <summary>
    /// A fingerprint of a row's values, to tell a changed row from the same row loaded again: SHA-256
    /// of the values' invariant text, each followed by ␟ (null written ␀), first 16 bytes in hex.
    /// The text is formatted straight into UTF-8 bytes, without a string per row.
    /// </summary>
    public static string ContentHash(object?[] values)
    {
        var bytes = t_hashText ??= new ArrayBufferWriter<byte>(1024);
        bytes.ResetWrittenCount();
        foreach (var v in values)
        {
            switch (v)
            {
                case null:
                    bytes.Write("\u2400"u8);
                    break;
                case string text:
                    bytes.Advance(Encoding.UTF8.GetBytes(text, bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
                    break;
                case DateOnly d:
                    Format(bytes, d, "yyyy-MM-dd");
                    break;
                case DateTime t:
                    Format(bytes, t, "yyyy-MM-dd HH:mm:ss");
                    break;
                case bool b:
                    bytes.Write(b ? "1"u8 : "0"u8);
                    break;
                case IUtf8SpanFormattable f:
                    Format(bytes, f, default);
                    break;
                default:
                    var other = v is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : v.ToString() ?? "";
                    bytes.Advance(Encoding.UTF8.GetBytes(other, bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(other.Length))));
                    break;
            }
            bytes.Write("\u241F"u8);
        }
        Span<byte> hash = stackalloc byte[32];
        // One hashing context per thread, reset by each use: a new one per row costs more than the hashing.
        var sha = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(bytes.WrittenSpan);
        sha.GetHashAndReset(hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_hashText;

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private static void Format<T>(ArrayBufferWriter<byte> bytes, T value, ReadOnlySpan<char> format)
        where T : IUtf8SpanFormattable
    {
        for (var size = 64; ; size *= 4)
        {
            if (value.TryFormat(bytes.GetSpan(size), out var written, format, CultureInfo.InvariantCulture))
            {
                bytes.Advance(written);
                return;
            }
        }
    }

    protected string ColumnList => string.Join(", ", Kind.Columns.Select(c => c.Name)) + ", content_hash, batch_id";

    protected string UpdateSet(string target) =>
        string.Join(", ", Kind.Columns.Where(c => !Kind.Key.Contains(c.Name)).Select(c => $"{c.Name} = excluded.{c.Name}"))
        + ", content_hash = excluded.content_hash, batch_id = excluded.batch_id"
        + (Kind.Versioned ? $", version = {target}.version + 1" : "");

    protected string HistoryTable => Kind.HistoryTable ?? throw new InvalidOperationException($"{Kind.Table} keeps no history");
}

/// <summary>
/// SQLite: one transaction, prepared statements reused for every row. Values are bound through
/// SQLite's own API (SQLitePCLRaw, on the connection's handle): binding 40 parameters through
/// ADO.NET cost more than the insert itself. Values are stored as Microsoft.Data.Sqlite stores them.
/// </summary>
public sealed class SqliteTableWriter : TableWriter
{
    private readonly RawStatement _find;
    private readonly RawStatement _upsert;
    private readonly RawStatement? _history;
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
            _wasEmpty = Convert.ToInt64(any.ExecuteScalar(), CultureInfo.InvariantCulture) == 0;
        }
        var keyMatch = string.Join(" AND ", kind.Key.Select((k, i) => $"{k} = ?{i + 1}"));
        _keyIndexes = kind.Key.Select(k => kind.Columns.ToList().FindIndex(c => c.Name == k)).ToArray();
        _find = new RawStatement(connection, $"SELECT content_hash FROM {kind.Table} WHERE {keyMatch}");
        var values = string.Join(", ", kind.Columns.Select((_, i) => $"?{i + 1}")) + $", ?{kind.Columns.Count + 1}, ?{kind.Columns.Count + 2}";
        _upsert = new RawStatement(connection, $"INSERT INTO {kind.Table} ({ColumnList}) VALUES ({values}) ON CONFLICT ({string.Join(", ", kind.Key)}) DO UPDATE SET {UpdateSet(kind.Table)}");
        _upsert.Bind(kind.Columns.Count + 2, batchId);
        if (kind.Mode == ConflictMode.ReplaceKeepHistory)
        {
            _history = new RawStatement(connection, $"INSERT INTO {HistoryTable} SELECT *, ?{kind.Key.Count + 1} FROM {kind.Table} WHERE {keyMatch}");
            _history.Bind(kind.Key.Count + 1, batchId);
        }
    }

    public override Task WriteAsync(object?[] values, string hash, CancellationToken ct)
    {
        string? existing = null;
        if (!_wasEmpty)
        {
            for (var i = 0; i < Kind.Key.Count; i++)
            {
                var value = values[_keyIndexes[i]];
                _find.Bind(i + 1, value);
                _history?.Bind(i + 1, value);
            }
            existing = _find.QueryText();
            if (existing == hash || (existing is not null && Kind.Mode == ConflictMode.KeepFirst))
            {
                _unchanged++;
                return Task.CompletedTask;
            }
            if (existing is not null && _history is not null)
            {
                _history.Execute();
            }
        }
        for (var i = 0; i < values.Length; i++)
        {
            _upsert.Bind(i + 1, values[i]);
        }
        _upsert.Bind(values.Length + 1, hash);
        _upsert.Execute();
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

    /// <summary>A prepared statement on the connection's own handle (so inside its transaction), bound by position.</summary>
    private sealed class RawStatement : IDisposable
    {
        private readonly SQLitePCL.sqlite3 _db;
        private readonly SQLitePCL.sqlite3_stmt _statement;

        public RawStatement(SqliteConnection connection, string sql)
        {
            _db = connection.Handle!;
            Check(SQLitePCL.raw.sqlite3_prepare_v2(_db, sql, out _statement));
        }

        /// <summary>
        /// As Microsoft.Data.Sqlite binds: text, integers, 0/1, dates as yyyy-MM-dd, times as
        /// yyyy-MM-dd HH:mm:ss.FFFFFFF. Text goes as UTF-16, which SQLite converts itself, sparing a
        /// UTF-8 copy per value on our side.
        /// </summary>
        public void Bind(int index, object? value) => Check(value switch
        {
            null => SQLitePCL.raw.sqlite3_bind_null(_statement, index),
            string text => SQLitePCL.raw.sqlite3_bind_text16(_statement, index, text.AsSpan()),
            long number => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, number),
            int number => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, number),
            bool flag => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
            DateOnly date => SQLitePCL.raw.sqlite3_bind_text(_statement, index, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            DateTime time => SQLitePCL.raw.sqlite3_bind_text(_statement, index, time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)),
            _ => throw new InvalidOperationException($"no SQLite binding for a {value.GetType().Name}"),
        });

        public void Execute()
        {
            var rc = SQLitePCL.raw.sqlite3_step(_statement);
            SQLitePCL.raw.sqlite3_reset(_statement);
            if (rc != SQLitePCL.raw.SQLITE_DONE)
            {
                Check(rc);
            }
        }

        public string? QueryText()
        {
            try
            {
                var rc = SQLitePCL.raw.sqlite3_step(_statement);
                if (rc == SQLitePCL.raw.SQLITE_ROW)
                {
                    return SQLitePCL.raw.sqlite3_column_text(_statement, 0).utf8_to_string();
                }
                if (rc != SQLitePCL.raw.SQLITE_DONE)
                {
                    Check(rc);
                }
                return null;
            }
            finally
            {
                SQLitePCL.raw.sqlite3_reset(_statement);
            }
        }

        private void Check(int rc)
        {
            if (rc is not (SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_DONE or SQLitePCL.raw.SQLITE_ROW))
            {
                throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
            }
        }

        public void Dispose() => _statement.Dispose();
    }
}

/// <summary>PostgreSQL: binary COPY into a staging table, then set-based upsert in the same transaction.</summary>
public sealed class PostgresTableWriter : TableWriter
{
    private readonly NpgsqlConnection _connection;
    private readonly string _stage;
    private PgBinaryCopy? _importer;

    // Settlements and fee details copied straight into a table that was empty when the load began:
    // none can conflict (their key twice in a file is a row error, and then nothing is kept), so no
    // staging is needed. Other kinds normalise values of their key, so they always go through staging.
    private bool? _direct;
    private long _copied;

    public PostgresTableWriter(NpgsqlConnection connection, FileKind kind, long batchId) : base(kind, batchId)
    {
        _connection = connection;
        _stage = "stage_" + kind.Table;
    }

    private async Task<PgBinaryCopy> ImporterAsync(CancellationToken ct)
    {
        if (_importer is null)
        {
            _direct = false;
            if (Kind is SettlementsKind or FeeDetailsKind)
            {
                await using var any = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Kind.Table})", _connection);
                _direct = !(bool)(await any.ExecuteScalarAsync(ct))!;
            }
            if (_direct == false)
            {
                await using var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {_stage}; CREATE TEMP TABLE {_stage} (LIKE {Kind.Table} INCLUDING DEFAULTS) ON COMMIT DROP", _connection);
                await create.ExecuteNonQueryAsync(ct);
            }
            _importer = new PgBinaryCopy(await _connection.BeginRawBinaryCopyAsync($"COPY {(_direct == true ? Kind.Table : _stage)} ({ColumnList}) FROM STDIN (FORMAT BINARY)", ct));
        }
        return _importer;
    }

    public override async Task WriteAsync(object?[] values, string hash, CancellationToken ct)
    {
        var importer = _importer ?? await ImporterAsync(ct);
        importer.StartRow(values.Length + 2);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v is null)
            {
                importer.WriteNull();
                continue;
            }
            switch (Kind.Columns[i].Type)
            {
                case ColumnType.Text: importer.Write((string)v); break;
                case ColumnType.Date: importer.Write((DateOnly)v); break;
                case ColumnType.Timestamp: importer.Write((DateTime)v); break;
                case ColumnType.Fen: importer.Write(Convert.ToInt64(v, CultureInfo.InvariantCulture)); break;
                case ColumnType.Int: importer.Write(Convert.ToInt32(v, CultureInfo.InvariantCulture)); break;
                case ColumnType.Bool: importer.Write((bool)v); break;
                default: throw new InvalidOperationException();
            }
        }
        importer.Write(hash);
        importer.Write(BatchId);
        _copied++;
    }

    public override async Task AbandonAsync()
    {
        if (_importer is not null)
        {
            await _importer.CancelAsync(); // an uncompleted COPY keeps nothing
            _importer = null;
        }
    }

    public override async Task<WriteCounts> FinishAsync(CancellationToken ct)
    {
        if (_importer is null)
        {
            return new WriteCounts(0, 0, 0);
        }
        await _importer.CompleteAsync();
        if (_direct == true)
        {
            return new WriteCounts(checked((int)_copied), 0, 0);
        }
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

/// <summary>
/// PostgreSQL's binary COPY format (the COPY page of its manual, "Binary Format") written straight
/// into a buffer and sent in large writes: the driver's importer binds each value as a parameter,
/// which cost more than the rest of a load's writing. Types as the tables have them: text, bigint,
/// integer, boolean, date and timestamp (without time zone).
/// </summary>
public sealed class PgBinaryCopy(NpgsqlRawCopyStream stream)
{
    private static readonly long EpochTicks = new DateTime(2000, 1, 1).Ticks;
    private static readonly int EpochDay = new DateOnly(2000, 1, 1).DayNumber;
    private byte[] _buffer = Header();
    private int _used = 19;

    /// <summary>The signature, no flags and no header extension.</summary>
    private static byte[] Header()
    {
        var buffer = new byte[1 << 20];
        ReadOnlySpan<byte> signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];
        signature.CopyTo(buffer);
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(11), 0);
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(15), 0);
        return buffer;
    }

    private Span<byte> Take(int bytes)
    {
        if (_used + bytes > _buffer.Length)
        {
            stream.Write(_buffer, 0, _used); // synchronous: it blocks only while the server takes a full buffer
            _used = 0;
            if (bytes > _buffer.Length)
            {
                _buffer = new byte[bytes];
            }
        }
        var span = _buffer.AsSpan(_used, bytes);
        _used += bytes;
        return span;
    }

    public void StartRow(int fields) => BinaryPrimitives.WriteInt16BigEndian(Take(2), checked((short)fields));

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Take(4), -1);

    public void Write(string text)
    {
        var bytes = Take(4 + Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = Encoding.UTF8.GetBytes(text, bytes[4..]);
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        _used -= bytes.Length - 4 - length; // the room not used goes back
    }

    public void Write(long value)
    {
        var bytes = Take(12);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 8);
        BinaryPrimitives.WriteInt64BigEndian(bytes[4..], value);
    }

    public void Write(int value)
    {
        var bytes = Take(8);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 4);
        BinaryPrimitives.WriteInt32BigEndian(bytes[4..], value);
    }

    public void Write(bool value)
    {
        var bytes = Take(5);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 1);
        bytes[4] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Days since 2000-01-01.</summary>
    public void Write(DateOnly value) => Write(value.DayNumber - EpochDay);

    /// <summary>Microseconds since 2000-01-01 00:00 (a timestamp without time zone: the clock time as given).</summary>
    public void Write(DateTime value)
    {
        var bytes = Take(12);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 8);
        BinaryPrimitives.WriteInt64BigEndian(bytes[4..], (value.Ticks - EpochTicks) / TimeSpan.TicksPerMicrosecond);
    }

    public async Task CompleteAsync()
    {
        BinaryPrimitives.WriteInt16BigEndian(Take(2), -1);
        await stream.WriteAsync(_buffer.AsMemory(0, _used));
        _used = 0;
        await stream.DisposeAsync(); // ends the COPY; the server's error, if any, is thrown here
    }

    public async Task CancelAsync()
    {
        await stream.CancelAsync();
        await stream.DisposeAsync();
    }
}
