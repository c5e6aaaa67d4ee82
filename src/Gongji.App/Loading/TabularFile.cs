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
        var previous = (byte)0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            if (span.Contains((byte)'"') || span.IndexOf("\n\n"u8) >= 0 || span.IndexOf("\n\r\n"u8) >= 0 || (previous == '\n' && span[0] is (byte)'\n' or (byte)'\r'))
            {
                return null;
            }
            for (var at = span.IndexOf((byte)'\n'); at >= 0;)
            {
                lineEnds.Add(position + at);
                var next = span[(at + 1)..].IndexOf((byte)'\n');
                at = next < 0 ? -1 : at + 1 + next;
            }
            previous = span[^1];
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
        if (!HasPlainLines)
        {
            throw new InvalidOperationException($"{Path}: {EncodingName} lines are read as text");
        }
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        stream.Position = from;
        var buffer = new byte[4 << 20];
        var filled = 0;
        var left = to - from;
        var row = firstRow;
        while (true)
        {
            var read = left > 0 ? stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, left)) : 0;
            left -= read;
            filled += read;
            var start = 0;
            for (var next = buffer.AsSpan(0, filled).IndexOf((byte)'\n'); next >= 0; next = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n'))
            {
                var end = start + next;
                var length = end - start;
                line(row++, buffer, start, length > 0 && buffer[end - 1] == '\r' ? length - 1 : length);
                start = end + 1;
            }
            if (read == 0)
            {
                if (start < filled)
                {
                    // The last line, without a line end.
                    var length = filled - start;
                    line(row, buffer, start, buffer[filled - 1] == '\r' ? length - 1 : length);
                }
                return;
            }
            // The cut line moves to the front; a line longer than the buffer makes it grow.
            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
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
