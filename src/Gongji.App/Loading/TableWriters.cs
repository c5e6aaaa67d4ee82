using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
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

    /// <summary>Writes a batch of checked rows, in order.</summary>
    public abstract Task WriteAsync(RowBatch batch, CancellationToken ct);
    public abstract Task<WriteCounts> FinishAsync(CancellationToken ct);

    /// <summary>Stops writing a file that turned out bad, before its transaction is rolled back.</summary>
    public abstract Task AbandonAsync();

    protected string ColumnList => string.Join(", ", Kind.Columns.Select(c => c.Name)) + ", content_hash, batch_id";

    protected string UpdateSet(string target) =>
        string.Join(", ", Kind.Columns.Where(c => !Kind.Key.Contains(c.Name)).Select(c => $"{c.Name} = excluded.{c.Name}"))
        + ", content_hash = excluded.content_hash, batch_id = excluded.batch_id"
        + (Kind.Versioned ? $", version = {target}.version + 1" : "");

    protected string HistoryTable => Kind.HistoryTable ?? throw new InvalidOperationException($"{Kind.Table} keeps no history");
}

/// <summary>
/// SQLite: one transaction, prepared statements reused for every row. Values are bound through
/// SQLite's own C functions on the connection's handle (<see cref="SqliteNative"/>): binding 40
/// parameters through ADO.NET cost more than the insert itself. Values are stored as Microsoft.Data.Sqlite stores them.
/// A row is looked up first (unless the table was empty), then inserted if new or updated if changed:
/// an upsert (ON CONFLICT DO UPDATE), like any statement that can stop half way, makes SQLite copy
/// every page it touches to a statement journal, and a load wrote ten times its own size that way
/// (1.6 M settlements: 4.3 GB). OR FAIL statements that cannot meet a conflict need no such journal,
/// and a failure rolls the whole load back anyway.
/// </summary>
public sealed class SqliteTableWriter : TableWriter
{
    /// <summary>
    /// New rows inserted by one statement: each run of a statement opens the table and its indexes
    /// again, which cost about as much as a row's own insert.
    /// </summary>
    private const int RowsPerInsert = 16;

    private readonly RawStatement _find;
    private readonly RawStatement _insert;
    private readonly RawStatement _insertMany;
    private readonly RawStatement _update;
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
        _insert = Insert(connection, 1, batchId);
        _insertMany = Insert(connection, RowsPerInsert, batchId);
        // Parameters as a one-row insert binds them: the columns, the hash, the batch id.
        var set = kind.Columns.Select((c, i) => (c.Name, Parameter: i + 1)).Where(c => !kind.Key.Contains(c.Name)).Select(c => $"{c.Name} = ?{c.Parameter}")
            .Append($"content_hash = ?{kind.Columns.Count + 1}").Append($"batch_id = ?{kind.Columns.Count + 2}")
            .Concat(kind.Versioned ? ["version = version + 1"] : []);
        var where = string.Join(" AND ", _keyIndexes.Select(i => $"{kind.Columns[i].Name} = ?{i + 1}"));
        _update = new RawStatement(connection, $"UPDATE OR FAIL {kind.Table} SET {string.Join(", ", set)} WHERE {where}");
        _update.Bind(kind.Columns.Count + 2, batchId);
        if (kind.Mode == ConflictMode.ReplaceKeepHistory)
        {
            _history = new RawStatement(connection, $"INSERT INTO {HistoryTable} SELECT *, ?{kind.Key.Count + 1} FROM {kind.Table} WHERE {keyMatch}");
            _history.Bind(kind.Key.Count + 1, batchId);
        }
    }

    /// <summary>The insert of <paramref name="rows"/> rows: row r's values are ?(r·(n+1)+1) … its hash; the batch id comes last, shared.</summary>
    private RawStatement Insert(SqliteConnection connection, int rows, long batchId)
    {
        var perRow = Kind.Columns.Count + 1;
        var batchParameter = (rows * perRow) + 1;
        var values = string.Join(", ", Enumerable.Range(0, rows).Select(r =>
            "(" + string.Join(", ", Enumerable.Range(1, perRow).Select(c => $"?{(r * perRow) + c}")) + $", ?{batchParameter})"));
        var statement = new RawStatement(connection, $"INSERT OR FAIL INTO {Kind.Table} ({ColumnList}) VALUES {values}");
        statement.Bind(batchParameter, batchId);
        return statement;
    }

    public override Task WriteAsync(RowBatch batch, CancellationToken ct)
    {
        Span<int> pending = stackalloc int[RowsPerInsert];
        var count = 0;
        for (var row = 0; row < batch.Count; row++)
        {
            switch (Stored(batch, row))
            {
                case StoredRow.None:
                    _inserted++;
                    pending[count++] = row;
                    if (count == RowsPerInsert)
                    {
                        Write(_insertMany, batch, pending);
                        count = 0;
                    }
                    break;
                case StoredRow.Same:
                case StoredRow.Different when Kind.Mode == ConflictMode.KeepFirst:
                    _unchanged++;
                    break;
                case StoredRow.Different:
                    _replaced++;
                    _history?.Execute(); // the old version, before it is overwritten (keys bound by Stored)
                    Write(_update, batch, [row]);
                    break;
            }
        }
        foreach (var row in pending[..count])
        {
            Write(_insert, batch, [row]);
        }
        return Task.CompletedTask;
    }

    /// <summary>Binds the rows' values and hashes as <see cref="Insert"/> numbers them, and runs the statement.</summary>
    private static void Write(RawStatement statement, RowBatch batch, ReadOnlySpan<int> rows)
    {
        var perRow = batch.ColumnCount + 1;
        for (var r = 0; r < rows.Length; r++)
        {
            for (var c = 0; c < batch.ColumnCount; c++)
            {
                statement.Bind((r * perRow) + c + 1, batch, rows[r], c);
            }
            statement.BindText((r * perRow) + perRow, batch.Hash(rows[r]));
        }
        statement.Execute();
    }

    /// <summary>Whether the store holds the row's key, and with the same content; the key stays bound for the history.</summary>
    private StoredRow Stored(RowBatch batch, int row)
    {
        if (_wasEmpty)
        {
            return StoredRow.None;
        }
        for (var i = 0; i < _keyIndexes.Length; i++)
        {
            _find.Bind(i + 1, batch, row, _keyIndexes[i]);
            _history?.Bind(i + 1, batch, row, _keyIndexes[i]);
        }
        return _find.Query(batch.Hash(row));
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
        _insert.Dispose();
        _insertMany.Dispose();
        _update.Dispose();
        _history?.Dispose();
    }

    private enum StoredRow
    {
        None,
        Same,
        Different,
    }

    /// <summary>
    /// A prepared statement on the connection's own handle (so inside its transaction), bound by
    /// position through SQLite's C functions on the raw handle. Text is bound where it lies (SQLite's
    /// SQLITE_STATIC): the batch's text and fingerprints are pinned, and a date or time is formatted
    /// into this statement's own pinned scratch, one slot per parameter; every value is bound again
    /// before each run, so SQLite never reads a slice after its batch moved on. Through SQLitePCLRaw's
    /// safe handles each value cost a reference count, an interface call and a copy of the text.
    /// </summary>
    private sealed unsafe class RawStatement : IDisposable
    {
        private const int SlotLength = 32;
        private readonly SQLitePCL.sqlite3 _db;
        private readonly SQLitePCL.sqlite3_stmt _statement;
        private readonly nint _handle;
        private readonly byte[] _scratch;

        // Which parameters hold NULL now (a new statement's all do, and a reset keeps them): a NULL
        // bound again over a NULL is skipped, and a settlement leaves a third of its columns empty.
        private readonly bool[] _holdsNull;

        public RawStatement(SqliteConnection connection, string sql)
        {
            _db = connection.Handle!;
            Check(SQLitePCL.raw.sqlite3_prepare_v2(_db, sql, out _statement));
            _handle = _statement.DangerousGetHandle();
            var parameters = SQLitePCL.raw.sqlite3_bind_parameter_count(_statement);
            _scratch = GC.AllocateUninitializedArray<byte>((parameters + 1) * SlotLength, pinned: true);
            _holdsNull = new bool[parameters + 1];
            Array.Fill(_holdsNull, true);
        }

        /// <summary>
        /// As Microsoft.Data.Sqlite binds: text, integers, 0/1, dates as yyyy-MM-dd, times as
        /// yyyy-MM-dd HH:mm:ss.FFFFFFF. Text goes as the UTF-8 it is held in, SQLite's own encoding.
        /// </summary>
        public void Bind(int index, RowBatch batch, int row, int column)
        {
            if (batch.IsNull(row, column))
            {
                if (!_holdsNull[index])
                {
                    Check(SqliteNative.sqlite3_bind_null(_handle, index));
                    _holdsNull[index] = true;
                }
                return;
            }
            var n = batch.Number(row, column);
            var slot = _scratch.AsSpan(index * SlotLength, SlotLength);
            switch (batch.TypeOf(column))
            {
                case ColumnType.Text:
                    BindText(index, batch.Text(row, column));
                    return;
                case ColumnType.Date:
                    BindText(index, slot[..IsoText.WriteDate(slot, DateOnly.FromDayNumber((int)n))]);
                    return;
                case ColumnType.Timestamp:
                    BindText(index, slot[..IsoText.WriteTimestamp(slot, new DateTime(n), fraction: true)]);
                    return;
                default:
                    Bind(index, n);
                    return;
            }
        }

        public void Bind(int index, long value)
        {
            _holdsNull[index] = false;
            Check(SqliteNative.sqlite3_bind_int64(_handle, index, value));
        }

        /// <summary>
        /// Text of pinned memory (a batch's, or this statement's scratch), bound in place. An empty
        /// slice gives no pointer, which SQLite would take for NULL: it binds a shared "" instead.
        /// </summary>
        public void BindText(int index, ReadOnlySpan<byte> pinnedUtf8)
        {
            _holdsNull[index] = false;
            fixed (byte* text = pinnedUtf8)
            {
                Check(SqliteNative.sqlite3_bind_text(_handle, index, text == null ? SqliteNative.Empty : text, pinnedUtf8.Length, SqliteNative.Static));
            }
        }

        public void Execute()
        {
            var rc = SqliteNative.sqlite3_step(_handle);
            SqliteNative.sqlite3_reset(_handle);
            if (rc != SQLitePCL.raw.SQLITE_DONE)
            {
                Check(rc);
            }
        }

        /// <summary>Whether the statement finds a row, and whether its first column is <paramref name="hash"/>.</summary>
        public StoredRow Query(ReadOnlySpan<byte> hash)
        {
            try
            {
                var rc = SqliteNative.sqlite3_step(_handle);
                if (rc == SQLitePCL.raw.SQLITE_ROW)
                {
                    return SQLitePCL.raw.sqlite3_column_blob(_statement, 0).SequenceEqual(hash) ? StoredRow.Same : StoredRow.Different;
                }
                if (rc != SQLitePCL.raw.SQLITE_DONE)
                {
                    Check(rc);
                }
                return StoredRow.None;
            }
            finally
            {
                SqliteNative.sqlite3_reset(_handle);
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

/// <summary>
/// The few SQLite C functions the writer calls per value, on raw handles: the same e_sqlite3 library
/// SQLitePCLRaw loaded (Microsoft.Data.Sqlite's), found by the same name. Binding neither blocks nor
/// calls back, so it skips the runtime's GC transition.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_STATIC: the text stays where it is until the statement runs again or is rebound.</summary>
    public static readonly nint Static = 0;

    /// <summary>A valid pointer for empty text: "" and not NULL.</summary>
    public static readonly byte* Empty = (byte*)NativeMemory.AllocZeroed(1);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_bind_int64(nint statement, int index, long value);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_bind_null(nint statement, int index);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_bind_text(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(Library)]
    public static partial int sqlite3_step(nint statement);

    [LibraryImport(Library)]
    public static partial int sqlite3_reset(nint statement);
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
    private readonly List<(string Drop, string Create)> _dropped = []; // statements, in the order found
    private bool _truncated;

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
            if (Kind is SettlementsKind or FeeDetailsKind && !await AnyRowAsync(ct))
            {
                // Empty now, but a load in another session may yet commit rows: the table is locked first
                // and looked at again, so nothing another session wrote is taken for empty (and truncated).
                await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {Kind.Table} IN ACCESS EXCLUSIVE MODE", _connection))
                {
                    await lockTable.ExecuteNonQueryAsync(ct);
                }
                _direct = !await AnyRowAsync(ct);
            }
            if (_direct == false)
            {
                await using var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {_stage}; CREATE TEMP TABLE {_stage} (LIKE {Kind.Table} INCLUDING DEFAULTS) ON COMMIT DROP", _connection);
                await create.ExecuteNonQueryAsync(ct);
            }
            if (_direct == true)
            {
                // The table's indexes, its key's too, are dropped and built again after the copy, in this
                // transaction: one sorted build costs less than a million index inserts (1.6 M settlements:
                // 5.7-6.0 s against 6.8-7.1 for the other indexes; with the key's too, 5.7-7.5 s against
                // 6.1-8.7 in turn). A setl_id twice in the file is a row error before this; were one there,
                // adding the key back fails and nothing is kept. Until the commit the table is locked, which
                // only holds back readers of a table that had nothing in it.
                await using (var find = new NpgsqlCommand(
                    "SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', @t, c.conname), format('ALTER TABLE %I ADD CONSTRAINT %I ', @t, c.conname) || pg_get_constraintdef(c.oid) " +
                    "FROM pg_constraint c WHERE c.conrelid = to_regclass(@t) AND c.contype IN ('p', 'u') " +
                    // (a key another table's foreign key refers to stays: it could not be dropped)
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid) " +
                    "UNION ALL SELECT format('DROP INDEX %I', i.indexname), i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = @t " +
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", _connection))
                {
                    find.Parameters.AddWithValue("t", Kind.Table);
                    await using var rows = await find.ExecuteReaderAsync(ct);
                    while (await rows.ReadAsync(ct))
                    {
                        _dropped.Add((rows.GetString(0), rows.GetString(1)));
                    }
                }
                foreach (var (drop, _) in _dropped)
                {
                    await using var command = new NpgsqlCommand(drop, _connection);
                    await command.ExecuteNonQueryAsync(ct);
                }
                // The empty table is truncated, so it is new in this transaction, and the rows copied FREEZE:
                // on a server with wal_level minimal neither the rows nor the indexes built after are written
                // to the WAL (the file itself is synced at commit; a failed load leaves the old empty file),
                // and on any server the rows are stored frozen and their pages all-visible, so no vacuum has
                // to come back to rewrite a city's year (PostgreSQL manual, "Populating a Database", and COPY's
                // FREEZE). Frozen rows are seen at once by snapshots older than the commit; the table was empty
                // and locked, so those saw nothing before. A table another's foreign key refers to cannot be
                // truncated and is copied plainly.
                await using (var referenced = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = to_regclass(@t))", _connection))
                {
                    referenced.Parameters.AddWithValue("t", Kind.Table);
                    _truncated = !(bool)(await referenced.ExecuteScalarAsync(ct))!;
                }
                if (_truncated)
                {
                    await using var truncate = new NpgsqlCommand($"TRUNCATE {Kind.Table}", _connection);
                    await truncate.ExecuteNonQueryAsync(ct);
                }
            }
            var freeze = _truncated ? ", FREEZE" : "";
            _importer = new PgBinaryCopy(await _connection.BeginRawBinaryCopyAsync($"COPY {(_direct == true ? Kind.Table : _stage)} ({ColumnList}) FROM STDIN (FORMAT BINARY{freeze})", ct));
        }
        return _importer;
    }

    private async Task<bool> AnyRowAsync(CancellationToken ct)
    {
        await using var any = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Kind.Table})", _connection);
        return (bool)(await any.ExecuteScalarAsync(ct))!;
    }

    public override async Task WriteAsync(RowBatch batch, CancellationToken ct)
    {
        var importer = _importer ?? await ImporterAsync(ct);
        for (var row = 0; row < batch.Count; row++)
        {
            importer.StartRow(batch.ColumnCount + 2);
            for (var c = 0; c < batch.ColumnCount; c++)
            {
                if (batch.IsNull(row, c))
                {
                    importer.WriteNull();
                    continue;
                }
                var n = batch.Number(row, c);
                switch (batch.TypeOf(c))
                {
                    case ColumnType.Text: importer.Write(batch.Text(row, c)); break;
                    case ColumnType.Date: importer.Write(DateOnly.FromDayNumber((int)n)); break;
                    case ColumnType.Timestamp: importer.Write(new DateTime(n)); break;
                    case ColumnType.Fen: importer.Write(n); break;
                    case ColumnType.Int: importer.Write(checked((int)n)); break;
                    case ColumnType.Bool: importer.Write(n != 0); break;
                    default: throw new InvalidOperationException();
                }
            }
            importer.Write(batch.Hash(row));
            importer.Write(BatchId);
            _copied++;
        }
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
            foreach (var (_, definition) in _dropped)
            {
                await using var create = new NpgsqlCommand(definition, _connection); // the key first, then the indexes
                await create.ExecuteNonQueryAsync(ct);
            }
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

    public void Write(ReadOnlySpan<byte> utf8)
    {
        var bytes = Take(4 + utf8.Length);
        BinaryPrimitives.WriteInt32BigEndian(bytes, utf8.Length);
        utf8.CopyTo(bytes[4..]);
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
