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
            var cells = new string[header.Length];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = i < csv.RowFieldCount ? csv.GetString(i) : "";
            }
            yield return (row, cells);
        }
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
