using System.Globalization;
using System.Text;
using Gongji.Engine;
using Gongji.Engine.Model;

namespace Gongji.Runs;

/// <summary>
/// The results of data.md ("Results"), as CSV (UTF-8 with BOM, so Excel opens it) and .xlsx, same
/// names and columns. Amounts have two decimals; no name or ID number appears in them.
/// </summary>
public static class ResultFiles
{
    public static readonly IReadOnlyList<string> Names = ["settlement_payers", "person_totals", "household_totals", "warnings", "indicators"];

    /// <summary>Excel's last row: a table longer than this is written as CSV only.</summary>
    public const int SpreadsheetRowLimit = 1_048_575;

    /// <param name="peoplePerBlock">How many people's settlement lines are formatted as one block (tests make it small).</param>
    public static IReadOnlyList<string> Write(RegionYearResult result, string regionCode, string folder, bool spreadsheets = true, int peoplePerBlock = 4096)
    {
        Directory.CreateDirectory(folder);
        // The tables are written side by side: person_totals and the small ones fill the gaps the
        // settlement lines leave while a window of them goes to the disk (one after another they added ~1 s
        // of one busy core to a city-year).
        var writes = Tables(result, regionCode).Select(table => Task.Run(() => WriteTable(table, folder, result, spreadsheets, peoplePerBlock))).ToArray();
        try
        {
            Task.WaitAll(writes);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return [.. writes.SelectMany(w => w.Result)];
    }

    private static List<string> WriteTable((string Name, string[] Header, IEnumerable<string[]> Rows) table, string folder, RegionYearResult result, bool spreadsheets, int peoplePerBlock)
    {
        var (name, header, rows) = table;
        var written = new List<string>();
        var csv = Path.Combine(folder, name + ".csv");
        // settlement_payers has a line per settlement and payer — tens of millions in a city-year —
        // and person_totals one per person: both are written as bytes straight from the results.
        var count = name switch
        {
            "settlement_payers" => WriteSettlementPayers(csv, header, result, peoplePerBlock),
            "person_totals" => WritePersonTotals(csv, header, result),
            "household_totals" => WriteHouseholdTotals(csv, header, result),
            _ => WriteCsv(csv, header, rows),
        };
        written.Add(csv);
        var xlsx = Path.Combine(folder, name + ".xlsx");
        if (File.Exists(xlsx))
        {
            File.Delete(xlsx); // never leave a spreadsheet of an earlier run beside this run's CSV
        }
        if (spreadsheets && count <= SpreadsheetRowLimit)
        {
            Xlsx.Write(xlsx, name, header, rows);
            written.Add(xlsx);
        }
        return written;
    }

    public static IEnumerable<(string Name, string[] Header, IEnumerable<string[]> Rows)> Tables(RegionYearResult result, string regionCode)
    {
        var payerIds = Payers.All.Select(p => p.Id()).ToArray();
        yield return ("settlement_payers", ["setl_id", "psn_no", "payer", "base", "ratio", "amount", "rule", "clause"],
            result.SettlementLines().Select(l => new[] { l.SetlId!, l.PsnNo, l.Payer.Id(), Amount(l.Base), l.Ratio?.ToString() ?? "", Amount(l.Amount), l.Rule, l.Clause }));
        // data.md: one row per person with a settlement in the year (aids alone make no row).
        yield return ("person_totals", ["psn_no", "household_id", "year", "medfee_sumamt", .. payerIds, "personal_burden", "warning_base"],
            result.Persons.Where(p => p.SettlementCount > 0).Select(p => (string[])[p.PsnNo, p.HouseholdId ?? "", Year(result), Amount(p.MedfeeSumamt), .. p.ByPayer.Select(Amount), Amount(p.PersonalBurden), Amount(p.WarningBase)]));
        yield return ("household_totals", ["household_id", "region_code", "year", "category", "medfee_sumamt", .. payerIds, "personal_burden"],
            result.Households.Select(h => (string[])[h.Household.Id, h.Household.Region, Year(result), h.Category?.ToString().ToLowerInvariant() ?? "", Amount(h.MedfeeSumamt), .. h.ByPayer.Select(Amount), Amount(h.PersonalBurden)]));
        yield return ("warnings", ["psn_no", "kind", "group", "base", "line"],
            result.Warnings.Select(w => new[] { w.PsnNo, w.Kind.Id(), w.Group.Id(), w.Base is { } b ? Amount(b) : "", w.Line is { } l ? Amount(l) : "" }));
        yield return ("indicators", ["region_code", "year", "indicator", "value", "target"],
            result.Indicators.Select(i => new[] { regionCode, Year(result), i.Id, i.Value.ToString("0.0000", CultureInfo.InvariantCulture), i.Target?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "" }));
    }

    /// <summary>
    /// The same lines as <see cref="RegionYearResult.SettlementLines"/>, as UTF-8 bytes without an
    /// object per line. Blocks of people are formatted in parallel and written in their order.
    /// </summary>
    private static long WriteSettlementPayers(string path, string[] header, RegionYearResult result, int peoplePerBlock)
    {
        var perBlock = Math.Max(1, peoplePerBlock);
        using var file = new DirectFile(path);
        using (var head = new Utf8CsvWriter(file, header))
        {
        }
        var blocks = (result.Persons.Count + perBlock - 1) / perBlock;
        var window = Math.Max(2, Environment.ProcessorCount * 2);
        // One buffer per block of a window, two windows kept from window to window (a new one per block
        // would cost gigabytes of fresh memory over a city-year): one window is written out, in order,
        // while the next is formatted.
        var slots = Enumerable.Range(0, 2 * window).Select(_ => new LineBuffer()).ToArray();
        var slotLines = new long[2 * window];
        long lines = 0;
        var writing = Task.CompletedTask;
        for (int first = 0, half = 0; first < blocks; first += window, half = window - half)
        {
            var count = Math.Min(window, blocks - first);
            var (windowFirst, slotFirst) = (first, half);
            Parallel.For(0, count, k =>
            {
                var slot = slots[slotFirst + k];
                slot.Length = 0;
                var from = (windowFirst + k) * perBlock;
                slotLines[slotFirst + k] = SettlementPayerLines(slot, result, from, Math.Min(result.Persons.Count, from + perBlock));
            });
            writing.GetAwaiter().GetResult();
            writing = Task.Run(() =>
            {
                for (var k = 0; k < count; k++)
                {
                    file.Write(slots[slotFirst + k].Bytes, 0, slots[slotFirst + k].Length);
                }
            });
            for (var k = 0; k < count; k++)
            {
                lines += slotLines[slotFirst + k];
            }
        }
        writing.GetAwaiter().GetResult();
        return lines;
    }

    private static long SettlementPayerLines(LineBuffer lines, RegionYearResult result, int fromPerson, int toPerson)
    {
        var table = result.Columns.Table;
        // Rule, ratio and clause of a medical-assistance line depend only on the policy and the identity.
        var maText = new Dictionary<(object Policy, Engine.Rules.Standing Standing), (byte[] Ratio, byte[] Tail)>();
        // Rows after rows share policy and standing: the last texts are kept at hand.
        (object? Policy, Engine.Rules.Standing Standing) lastKey = (null, default);
        (byte[] Ratio, byte[] Tail) lastText = ([], []);
        long count = 0;
        // A row's six fund amounts, read through the columns' inlined accessors in SettlementFunds' order
        // (SettlementTable.Fund's switch, called six times a row, was a tenth of the writing's time).
        Span<long> funds = stackalloc long[SettlementFunds.Length];
        Span<byte> psnBytes = stackalloc byte[256];
        for (var p = fromPerson; p < toPerson; p++)
        {
            var person = result.Persons[p];
            var psnLength = Utf8CsvWriter.Field(person.PsnNo, psnBytes);
            ReadOnlySpan<byte> psn = psnLength >= 0 ? psnBytes[..psnLength] : Utf8CsvWriter.Field(person.PsnNo);
            for (var k = person.RowStart; k < person.RowEnd; k++)
            {
                var row = result.Order[k];
                var id = table.IdBytes(row);
                // A fund's line at its longest: the id, the person, the payer, two amounts and the tail.
                var fundLine = id.Length + psn.Length + LongestFundId + 2 * Utf8Amount.MaxLength + SettlementFundTail.Length + 8;
                (funds[0], funds[1], funds[2], funds[3], funds[4], funds[5]) =
                    (table.Hifp(row), table.Hifmi(row), table.Hifob(row), table.Cvlserv(row), table.Hifes(row), table.Oth(row));
                for (var f = 0; f < funds.Length; f++)
                {
                    var amount = funds[f];
                    if (amount == 0)
                    {
                        continue;
                    }
                    var to = lines.Room(fundLine);
                    var at = Put(to, 0, id);
                    to[at++] = (byte)',';
                    at = Put(to, at, psn);
                    to[at++] = (byte)',';
                    at = Put(to, at, SettlementFundIds[f]);
                    to[at++] = (byte)',';
                    at += Utf8Amount.Write(to[at..], table.Sum(row));
                    to[at++] = (byte)',';
                    to[at++] = (byte)',';
                    at += Utf8Amount.Write(to[at..], amount);
                    at = Put(to, at, SettlementFundTail);
                    to[at++] = (byte)'\r';
                    to[at++] = (byte)'\n';
                    lines.Length += at;
                    count++;
                }
                var standing = result.Columns.Standing[row];
                var ma = result.Columns.MedicalAssistance(row);
                var fromData = person.PolicyKey.MedicalAssistance == MedicalAssistanceSource.FromSettlement;
                if (fromData && ma == 0)
                {
                    continue; // maf_pay 0: no line
                }
                var text = lastText;
                if (!ReferenceEquals(lastKey.Policy, person.PolicyKey) || lastKey.Standing != standing)
                {
                    var key = ((object)person.PolicyKey, standing);
                    if (!maText.TryGetValue(key, out text))
                    {
                        var sample = PayerEngine.MedicalAssistanceLine(result.Columns, row, person.PsnNo, person.PolicyKey, null, null);
                        text = sample is null ? ([], []) : (Utf8CsvWriter.Field(sample.Ratio?.ToString() ?? ""), Utf8CsvWriter.Fields("", sample.Rule, sample.Clause));
                        maText[key] = text;
                    }
                    (lastKey, lastText) = (key, text);
                }
                if (text.Tail.Length == 0)
                {
                    continue; // not assisted on that day
                }
                {
                    var to = lines.Room(id.Length + psn.Length + MedicalAssistanceId.Length + 2 * Utf8Amount.MaxLength + text.Ratio.Length + text.Tail.Length + 8);
                    var at = Put(to, 0, id);
                    to[at++] = (byte)',';
                    at = Put(to, at, psn);
                    at = Put(to, at, MedicalAssistanceId);
                    at += Utf8Amount.Write(to[at..], Math.Max(0, table.Scope(row) - table.Funds(row)));
                    to[at++] = (byte)',';
                    at = Put(to, at, text.Ratio);
                    to[at++] = (byte)',';
                    at += Utf8Amount.Write(to[at..], ma);
                    at = Put(to, at, text.Tail);
                    to[at++] = (byte)'\r';
                    to[at++] = (byte)'\n';
                    lines.Length += at;
                    count++;
                }
            }
        }
        return count;
    }

    private static int Put(Span<byte> to, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[at..]);
        return at + bytes.Length;
    }

    /// <summary>A block's lines, formatted straight into memory kept from window to window (no copy through a writer's buffer).</summary>
    private sealed class LineBuffer
    {
        public byte[] Bytes { get; private set; } = new byte[1 << 20];

        public int Length { get; set; }

        /// <summary>Room for <paramref name="bytes"/> more after <see cref="Length"/>.</summary>
        public Span<byte> Room(int bytes)
        {
            if (Length + bytes > Bytes.Length)
            {
                var grown = new byte[Math.Max(Bytes.Length * 2, Length + bytes)];
                Bytes.AsSpan(0, Length).CopyTo(grown);
                Bytes = grown;
            }
            return Bytes.AsSpan(Length);
        }
    }

    // The order SettlementPayerLines reads them in: hifp, hifmi, hifob, cvlserv, hifes, oth (SettlementTable.Fund).
    private static readonly Payer[] SettlementFunds = [Payer.Basic, Payer.Critical, Payer.LargeSum, Payer.CivilServant, Payer.Enterprise, Payer.OtherFund];
    private static readonly byte[][] SettlementFundIds = [.. SettlementFunds.Select(f => Utf8CsvWriter.Field(f.Id()))];
    private static readonly int LongestFundId = SettlementFundIds.Max(i => i.Length);
    private static readonly byte[] MedicalAssistanceId = Encoding.UTF8.GetBytes($",{Payer.MedicalAssistance.Id()},");
    private static readonly byte[] SettlementFundTail = Utf8CsvWriter.Fields("", "医保结算", "医保结算数据");

    /// <summary>The rows of person_totals as <see cref="Tables"/> gives them, as UTF-8 bytes without a string per cell.</summary>
    private static long WritePersonTotals(string path, string[] header, RegionYearResult result)
    {
        using var csv = new Utf8CsvWriter(path, header);
        var year = Utf8CsvWriter.Field(Year(result));
        long lines = 0;
        foreach (var p in result.Persons)
        {
            if (p.SettlementCount == 0)
            {
                continue;
            }
            csv.PutField(p.PsnNo);
            csv.Put(","u8);
            csv.PutField(p.HouseholdId ?? "");
            csv.Put(","u8);
            csv.Put(year);
            csv.Put(","u8);
            csv.Amounts(p.MedfeeSumamt, p.ByPayer, p.PersonalBurden);
            csv.Put(","u8);
            csv.Fen(p.WarningBase.Fen);
            csv.EndLine();
            lines++;
        }
        return lines;
    }

    private static readonly Dictionary<HouseholdCategory, byte[]> CategoryIds =
        Enum.GetValues<HouseholdCategory>().ToDictionary(c => c, c => Utf8CsvWriter.Field(c.ToString().ToLowerInvariant()));

    /// <summary>The rows of household_totals as <see cref="Tables"/> gives them, as UTF-8 bytes without a string per cell.</summary>
    private static long WriteHouseholdTotals(string path, string[] header, RegionYearResult result)
    {
        using var csv = new Utf8CsvWriter(path, header);
        var year = Utf8CsvWriter.Field(Year(result));
        long lines = 0;
        foreach (var h in result.Households)
        {
            csv.PutField(h.Household.Id);
            csv.Put(","u8);
            csv.PutField(h.Household.Region);
            csv.Put(","u8);
            csv.Put(year);
            csv.Put(","u8);
            csv.Put(h.Category is { } category ? CategoryIds[category] : []);
            csv.Put(","u8);
            csv.Amounts(h.MedfeeSumamt, h.ByPayer, h.PersonalBurden);
            csv.EndLine();
            lines++;
        }
        return lines;
    }

    /// <summary>A CSV file written as UTF-8 bytes (with BOM, CRLF), amounts formatted from whole fen.</summary>
    private sealed class Utf8CsvWriter : IDisposable
    {
        private readonly Stream _stream;
        private readonly bool _ownsStream;
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _at;

        public Utf8CsvWriter(string path, string[] header)
            : this(new DirectFile(path), header) => _ownsStream = true;

        /// <summary>Writes to <paramref name="stream"/> (left open), starting with the BOM and header when one is given.</summary>
        public Utf8CsvWriter(Stream stream, string[]? header)
        {
            _stream = stream;
            if (header is not null)
            {
                Put(Encoding.UTF8.Preamble);
                Put(Fields(header));
                EndLine();
            }
        }

        public static byte[] Field(string field) => Encoding.UTF8.GetBytes(Loading.Loader.Csv(field));

        /// <summary>
        /// <see cref="Field(string)"/>'s bytes written into <paramref name="to"/>, without an array for them: how
        /// many, or -1 when they do not fit (a million people's psn_no, twice, were 90 MB of garbage).
        /// </summary>
        public static int Field(string field, Span<byte> to)
        {
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                var quoted = Field(field);
                return quoted.AsSpan().TryCopyTo(to) ? quoted.Length : -1;
            }
            return Encoding.UTF8.TryGetBytes(field, to, out var written) ? written : -1;
        }

        /// <summary>Writes <paramref name="field"/> as <see cref="Field(string)"/> gives it.</summary>
        public void PutField(string field)
        {
            if (_at + Encoding.UTF8.GetMaxByteCount(field.Length) + 2 > _buffer.Length)
            {
                Flush();
            }
            if (Field(field, _buffer.AsSpan(_at)) is var written and >= 0)
            {
                _at += written;
                return;
            }
            Put(Field(field)); // longer than the buffer
        }

        public static byte[] Fields(params string[] fields) => Encoding.UTF8.GetBytes(string.Join(',', fields.Select(Loading.Loader.Csv)));

        public void Put(ReadOnlySpan<byte> bytes)
        {
            if (_at + bytes.Length > _buffer.Length)
            {
                Flush();
                if (bytes.Length > _buffer.Length)
                {
                    _stream.Write(bytes);
                    return;
                }
            }
            bytes.CopyTo(_buffer.AsSpan(_at));
            _at += bytes.Length;
        }

        public void EndLine() => Put("\r\n"u8);

        /// <summary>Whole fen as yuan with two decimals, as <see cref="Money.ToString"/> writes it.</summary>
        public void Fen(long fen)
        {
            if (_at + Utf8Amount.MaxLength > _buffer.Length)
            {
                Flush();
            }
            _at += Utf8Amount.Write(_buffer.AsSpan(_at), fen);
        }

        /// <summary>The totals' cells: medfee_sumamt, every payer's amount, personal_burden (person_totals and household_totals).</summary>
        public void Amounts(Money medfee, ReadOnlySpan<Money> byPayer, Money burden)
        {
            Fen(medfee.Fen);
            foreach (var amount in byPayer)
            {
                Put(","u8);
                Fen(amount.Fen);
            }
            Put(","u8);
            Fen(burden.Fen);
        }

        private void Flush()
        {
            _stream.Write(_buffer, 0, _at);
            _at = 0;
        }

        public void Dispose()
        {
            Flush();
            if (_ownsStream)
            {
                _stream.Dispose();
            }
        }
    }

    private static string Year(RegionYearResult r) => r.Year.ToString(CultureInfo.InvariantCulture);

    public static string Amount(Money m) => m.ToString();

    /// <summary>Writes the rows and returns how many there were.</summary>
    public static long WriteCsv(string path, string[] header, IEnumerable<string[]> rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(true), 1 << 20);
        WriteLine(writer, header);
        long count = 0;
        foreach (var row in rows)
        {
            WriteLine(writer, row);
            count++;
        }
        return count;
    }

    private static void WriteLine(StreamWriter writer, string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }
            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                writer.Write(Loading.Loader.Csv(cell));
            }
            else
            {
                writer.Write(cell);
            }
        }
        writer.Write("\r\n");
    }
}
