using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Gongji.Runs;

/// <summary>A one-sheet .xlsx written as a stream (OpenXmlWriter), numbers as numbers, text as inline strings.</summary>
public static class Xlsx
{
    public static void Write(string path, string sheetName, string[] header, IEnumerable<string[]> rows)
    {
        using var document = SpreadsheetDocument.Create(path, SpreadsheetDocumentType.Workbook);
        var workbookPart = document.AddWorkbookPart();
        var sheetPart = workbookPart.AddNewPart<WorksheetPart>();
        using (var writer = OpenXmlWriter.Create(sheetPart))
        {
            writer.WriteStartElement(new Worksheet());
            writer.WriteStartElement(new SheetData());
            WriteRow(writer, header, numeric: false);
            foreach (var row in rows)
            {
                WriteRow(writer, row, numeric: true);
            }
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
        workbookPart.Workbook = new Workbook(new Sheets(new Sheet { Id = workbookPart.GetIdOfPart(sheetPart), SheetId = 1, Name = sheetName.Length > 31 ? sheetName[..31] : sheetName }));
        workbookPart.Workbook.Save();
    }

    private static void WriteRow(OpenXmlWriter writer, string[] cells, bool numeric)
    {
        writer.WriteStartElement(new Row());
        foreach (var value in cells)
        {
            // Codes with leading zeros (psn_no, 01) stay text; amounts and rates become numbers.
            var isNumber = numeric && value.Length > 0 && value.Length < 16 && (value[0] != '0' || value.StartsWith("0.", StringComparison.Ordinal) || value == "0")
                && decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                && value.Contains('.', StringComparison.Ordinal);
            if (isNumber)
            {
                writer.WriteElement(new Cell { DataType = CellValues.Number, CellValue = new CellValue(value) });
            }
            else
            {
                writer.WriteElement(new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(value)) });
            }
        }
        writer.WriteEndElement();
    }
}
