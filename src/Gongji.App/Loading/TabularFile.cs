using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Sylvan.Data.Csv;

namespace Gongji.Loading;

/// <summary>
/// A CSV (RFC 4180) or .xlsx (first sheet) file with a header row, read row by row. CSV text is
/// UTF-8 (with or without BOM) or GB18030, detected, since offices export GBK from Excel (data.md).
/// Row numbers count the header as row 1, as a spreadsheet shows them.
/// </summary>
public sealed class TabularFile
{
    static TabularFile() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public string Path { get; }
    public bool IsSpreadsheet { get; }
    public Encoding? Encoding { get; }

    private TabularFile(string path, bool spreadsheet, Encoding? encoding)
    {
        Path = path;
        IsSpreadsheet = spreadsheet;
        Encoding = encoding;
    }

    public static TabularFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no such file: {path}", path);
        }
        if (path.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
        {
            return new TabularFile(path, true, null);
        }
        return new TabularFile(path, false, DetectEncoding(path));
    }

    /// <summary>GB18030, the encoding of offices' Excel exports (its code page registered here).</summary>
    public static Encoding Gb18030 => Encoding.GetEncoding("GB18030");

    public string EncodingName => IsSpreadsheet ? "xlsx" : Encoding!.CodePage == 65001 ? "UTF-8" : "GB18030";

    /// <summary>UTF-8 when the bytes are valid UTF-8 (a BOM settles it at once), GB18030 otherwise.</summary>
    public static Encoding DetectEncoding(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        var first = true;
        var filled = 0;
        int read;
        while ((read = stream.Read(buffer, filled, buffer.Length - filled)) > 0 || filled > 0)
        {
            if (first && read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
            {
                return new UTF8Encoding(true);
            }
            first = false;
            filled += read;
            // Check up to the last whole character; a character cut by the buffer's end waits for the next read.
            var cut = filled;
            if (read > 0)
            {
                var back = 0;
                while (back < 3 && cut > 0 && (buffer[cut - 1] & 0xC0) == 0x80)
                {
                    cut--;
                    back++;
                }
                if (cut > 0 && buffer[cut - 1] >= 0xC0)
                {
                    cut--;
                }
                else
                {
                    cut += back;
                }
            }
            if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, cut)))
            {
                return Encoding.GetEncoding("GB18030");
            }
            Buffer.BlockCopy(buffer, cut, buffer, 0, filled - cut);
            filled -= cut;
            if (read == 0)
            {
                break;
            }
        }
        return new UTF8Encoding(false);
    }

    /// <summary>The header, then each row with its row number.</summary>
    public IEnumerable<(int Row, string[] Cells)> Rows(Action<string[]> onHeader)
    {
        return IsSpreadsheet ? SpreadsheetRows(onHeader) : CsvRows(onHeader);
    }

    private IEnumerable<(int, string[])> CsvRows(Action<string[]> onHeader)
    {
        using var reader = new StreamReader(Path, Encoding!, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var options = new CsvDataReaderOptions { HasHeaders = true, Delimiter = ',', BufferSize = 1 << 16 };
        using var csv = CsvDataReader.Create(reader, options);
        var header = new string[csv.FieldCount];
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = csv.GetName(i).Trim().TrimStart('\uFEFF');
        }
        onHeader(header);
        var row = 1;
        while (csv.Read())
        {
            row++;
            yield return (row, Cells(csv, header.Length));
        }
    }

    /// <summary>
    /// The data lines of a large CSV cut at line ends into <paramref name="parts"/> byte ranges, each
    /// with the row number of its first line, so the parts can be read in parallel. Null when the file
    /// is small, or has a quote or an empty line (a record could then span lines, and row numbers
    /// would not follow the lines): such a file is read whole.
    /// </summary>
    public IReadOnlyList<(long From, long To, int FirstRow)>? Parts(int parts, long minBytes = 16 << 20)
    {
        if (IsSpreadsheet || parts < 2)
        {
            return null;
        }
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var length = stream.Length; // the file's, also through a symbolic link (FileInfo gives the link's)
        if (length < minBytes)
        {
            return null;
        }
        var buffer = new byte[4 << 20];
        var lineEnds = new List<long>();
        long position = 0;
        var scan = new PlainScan();
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            if (!scan.Feed(span))
            {
                return null;
            }
            for (var at = span.IndexOf((byte)'\n'); at >= 0;)
            {
                lineEnds.Add(position + at);
                var next = span[(at + 1)..].IndexOf((byte)'\n');
                at = next < 0 ? -1 : at + 1 + next;
            }
            position += read;
        }
        if (lineEnds.Count < parts * 2)
        {
            return null;
        }
        if (lineEnds[^1] != length - 1)
        {
            lineEnds.Add(length - 1); // a last line without a line end
        }
        // Line 0 is the header; data lines 1.. are shared out, each part ending at a line end.
        var result = new List<(long, long, int)>();
        var dataLines = lineEnds.Count - 1;
        var firstLine = 1;
        for (var k = 0; k < parts; k++)
        {
            var lastLine = (int)((long)dataLines * (k + 1) / parts);
            if (lastLine < firstLine)
            {
                continue;
            }
            result.Add((lineEnds[firstLine - 1] + 1, Math.Min(lineEnds[lastLine] + 1, length), firstLine + 1));
            firstLine = lastLine + 1;
        }
        return result;
    }

    /// <summary>The rows of one part (<see cref="Parts"/>), <paramref name="width"/> cells each, numbered from its first row.</summary>
    public IEnumerable<(int Row, string[] Cells)> CsvRows(long from, long to, int firstRow, int width)
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        stream.Position = from;
        using var reader = new StreamReader(new RangeStream(stream, to - from), Encoding!, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var options = new CsvDataReaderOptions { HasHeaders = false, Delimiter = ',', BufferSize = 1 << 16 };
        using var csv = CsvDataReader.Create(reader, options);
        var row = firstRow - 1;
        while (csv.Read())
        {
            row++;
            yield return (row, Cells(csv, width));
        }
    }

    /// <summary>Whether the parts of this file can be read as plain bytes (<see cref="PlainLines"/>): UTF-8 CSV.</summary>
    public bool HasPlainLines => !IsSpreadsheet && Encoding!.CodePage == 65001;

    /// <summary>
    /// Each line of one part (<see cref="Parts"/>: no quotes, no empty lines) of a UTF-8 file, as
    /// bytes: its row number, the buffer, where the line starts there and its length without the line end.
    /// </summary>
    public void PlainLines(long from, long to, int firstRow, Action<int, byte[], int, int> line)
    {
        using var lines = new PlainLineReader(this, from, to, firstRow);
        while (lines.Next(out var row, out var start, out var length))
        {
            line(row, lines.Buffer, start, length);
        }
    }

    /// <summary>
    /// The header, then each row put into the reader <paramref name="readerFor"/> makes for the header:
    /// from its bytes when <paramref name="plain"/> (a UTF-8 file <see cref="PlainScan"/> found without
    /// quotes, lone carriage returns or empty lines), else as cells.
    /// </summary>
    public IEnumerable<RowReader> RowsInto(Func<string[], RowReader> readerFor, bool plain)
    {
        RowReader? reader = null;
        if (!plain || !HasPlainLines)
        {
            foreach (var (row, cells) in Rows(h => reader = readerFor(h)))
            {
                reader!.Next(row, cells);
                yield return reader;
            }
            if (reader is null)
            {
                readerFor([]);
            }
            yield break;
        }
        long headerEnd;
        using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            var start = new byte[1 << 16];
            var read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            var end = start.AsSpan(0, read).IndexOf((byte)'\n');
            headerEnd = end < 0 ? stream.Length : end + 1;
            var text = Encoding!.GetString(start, 0, end < 0 ? read : end).TrimEnd('\r').TrimStart('\uFEFF');
            reader = readerFor(text.Length == 0 ? [] : text.Split(',').Select(h => h.Trim()).ToArray());
        }
        using var lines = new PlainLineReader(this, headerEnd, long.MaxValue, 2);
        while (lines.Next(out var row, out var lineStart, out var length))
        {
            reader.Next(row, lines.Buffer, lineStart, length);
            yield return reader;
        }
    }

    /// <summary>The lines of a byte range of a UTF-8 file, one at a time, in a buffer that grows for a long line.</summary>
    private sealed class PlainLineReader : IDisposable
    {
        private readonly FileStream _stream;
        private long _left;
        private int _filled;
        private int _start;
        private int _row;
        private bool _ended;

        public PlainLineReader(TabularFile file, long from, long to, int firstRow)
        {
            if (!file.HasPlainLines)
            {
                throw new InvalidOperationException($"{file.Path}: {file.EncodingName} lines are read as text");
            }
            _stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            _stream.Position = from;
            _left = to - from;
            _row = firstRow;
        }

        /// <summary>Rented: a file read in dozens of parts would otherwise leave a fresh 4 MiB array (zeroed, on the large object heap) per part.</summary>
        public byte[] Buffer { get; private set; } = System.Buffers.ArrayPool<byte>.Shared.Rent(4 << 20);

        public bool Next(out int row, out int start, out int length)
        {
            while (true)
            {
                var next = Buffer.AsSpan(_start, _filled - _start).IndexOf((byte)'\n');
                if (next >= 0 || (_ended && _start < _filled))
                {
                    // A line, or the last one without a line end.
                    var end = next >= 0 ? _start + next : _filled;
                    row = _row++;
                    start = _start;
                    length = end > _start && Buffer[end - 1] == '\r' ? end - _start - 1 : end - _start;
                    _start = next >= 0 ? end + 1 : _filled;
                    return true;
                }
                if (_ended)
                {
                    (row, start, length) = (0, 0, 0);
                    return false;
                }
                // The cut line moves to the front; a line longer than the buffer makes it grow.
                System.Buffer.BlockCopy(Buffer, _start, Buffer, 0, _filled - _start);
                _filled -= _start;
                _start = 0;
                if (_filled == Buffer.Length)
                {
                    var grown = System.Buffers.ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
                    Buffer.AsSpan(0, _filled).CopyTo(grown);
                    System.Buffers.ArrayPool<byte>.Shared.Return(Buffer);
                    Buffer = grown;
                }
                var read = _left > 0 ? _stream.Read(Buffer, _filled, (int)Math.Min(Buffer.Length - _filled, _left)) : 0;
                _left -= read;
                _filled += read;
                _ended = read == 0;
            }
        }

        public void Dispose()
        {
            _stream.Dispose();
            System.Buffers.ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }

    /// <summary>The current record as <paramref name="width"/> cells, missing ones empty.</summary>
    private static string[] Cells(CsvDataReader csv, int width)
    {
        var cells = new string[width];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = i < csv.RowFieldCount ? csv.GetString(i) : "";
        }
        return cells;
    }

    /// <summary>At most <c>length</c> bytes of a stream, from where it stands.</summary>
    private sealed class RangeStream(Stream inner, long length) : Stream
    {
        private long _left = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_left <= 0)
            {
                return 0;
            }
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private IEnumerable<(int, string[])> SpreadsheetRows(Action<string[]> onHeader)
    {
        using var document = SpreadsheetDocument.Open(Path, false);
        var workbook = document.WorkbookPart ?? throw new InvalidDataException($"{Path}: not a workbook");
        var sheet = workbook.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault() ?? throw new InvalidDataException($"{Path}: no sheet");
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(s => s.InnerText).ToArray() ?? [];
        string[]? header = null;
        foreach (var r in part.Worksheet.Descendants<Row>())
        {
            var rowNumber = (int)(r.RowIndex?.Value ?? 0);
            var cells = new Dictionary<int, string>();
            var position = 0;
            foreach (var c in r.Elements<Cell>())
            {
                // A cell without a reference (streamed writers omit it) follows the one before.
                var column = c.CellReference?.Value is { } reference ? ColumnIndex(reference) : position;
                position = column + 1;
                var text = c.DataType?.Value == CellValues.SharedString
                    ? shared[int.Parse(c.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture)]
                    : c.DataType?.Value == CellValues.InlineString ? c.InlineString?.InnerText ?? "" : c.CellValue?.Text ?? "";
                cells[column] = text;
            }
            if (header is null)
            {
                var width = cells.Count == 0 ? 0 : cells.Keys.Max() + 1;
                header = Enumerable.Range(0, width).Select(i => cells.GetValueOrDefault(i, "").Trim()).ToArray();
                onHeader(header);
                continue;
            }
            if (cells.Values.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            yield return (rowNumber, Enumerable.Range(0, header.Length).Select(i => cells.GetValueOrDefault(i, "")).ToArray());
        }
        if (header is null)
        {
            onHeader([]);
        }
    }

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var ch in reference)
        {
            if (!char.IsLetter(ch))
            {
                break;
            }
            index = (index * 26) + (char.ToUpperInvariant(ch) - 'A' + 1);
        }
        return index - 1;
    }
}

/// <summary>
/// Whether the bytes of a CSV, fed in order, can be read line by line as plain cells: no quote (a
/// record could span lines), no carriage return but before a line end, and no empty line (the CSV
/// reader keeps row numbers by records, which then still follow the lines).
/// </summary>
public sealed class PlainScan
{
    // The last two bytes fed, so a line end or an empty line cut between two reads is still seen
    // (a line end before the start: an empty first line counts as empty).
    private readonly byte[] _seam = new byte[4];
    private int _tail = 1;

    public PlainScan() => _seam[0] = (byte)'\n';

    public bool Plain { get; private set; } = true;

    public bool Feed(ReadOnlySpan<byte> bytes)
    {
        if (!Plain || bytes.IsEmpty)
        {
            return Plain;
        }
        var head = Math.Min(2, bytes.Length);
        bytes[..head].CopyTo(_seam.AsSpan(_tail));
        if (!IsPlain(_seam.AsSpan(0, _tail + head), _tail) || !IsPlain(bytes, bytes.Length))
        {
            return Plain = false;
        }
        var keep = Math.Min(2, _tail + bytes.Length);
        if (bytes.Length >= 2)
        {
            bytes[^2..].CopyTo(_seam);
        }
        else
        {
            _seam.AsSpan(_tail + head - keep, keep).CopyTo(_seam);
        }
        _tail = keep;
        return true;
    }

    /// <summary>No quote, empty line or carriage return not before a line end among the bytes; a carriage return in the last (not yet followed) byte is judged by the next read.</summary>
    private static bool IsPlain(ReadOnlySpan<byte> bytes, int judged)
    {
        if (bytes.Contains((byte)'"') || bytes.IndexOf("\n\n"u8) >= 0 || bytes.IndexOf("\n\r\n"u8) >= 0)
        {
            return false;
        }
        for (var at = bytes.IndexOf((byte)'\r'); at >= 0 && at < Math.Min(judged, bytes.Length - 1);)
        {
            if (bytes[at + 1] != '\n')
            {
                return false;
            }
            var next = bytes[(at + 1)..].IndexOf((byte)'\r');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return true;
    }
}
