using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

/// <summary>
/// An enrolments row checked from its bytes for a run from files must be taken only when the general
/// parser accepts it, and then with its person, dates and key.
/// </summary>
public class EnrolmentsKindPlainTests
{
    private const string Header = "psn_no,insutype,begndate,enddate,subsidized";

    private static LoadContext Context() => new()
    {
        KnownPersons = new HashSet<string>(["P1", "P2", "330108197008101549"], StringComparer.Ordinal),
        PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal) { ["330108197008101549"] = "P1" },
        IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
        KnownCounties = [],
    };

    private static IEnumerable<string> Mutations(string line)
    {
        var cells = line.Split(',');
        yield return line;
        for (var c = 0; c < cells.Length; c++)
        {
            foreach (var odd in SettlementsKindPlainTests.OddValues.Concat(["2023-12-31", "2024-01-01", "9999-12-31", "0001-01-01"]))
            {
                var changed = (string[])cells.Clone();
                changed[c] = odd;
                yield return string.Join(',', changed);
            }
        }
        yield return string.Join(',', cells.Take(2));
        yield return line + ",extra";
    }

    private static int Compare(string headerLine, IEnumerable<string> lines)
    {
        var kind = (EnrolmentsKind)FileKind.Find("enrolments")!;
        var header = headerLine.Split(',');
        var general = new RowReader(header, kind.Aliases, false);
        var plain = new RowReader(header, kind.Aliases, false);
        var columns = new EnrolmentsKind.PlainColumns(plain);
        var taken = 0;
        var row = 1;
        foreach (var line in lines)
        {
            row++;
            var (generalContext, plainContext) = (Context(), Context());
            var buffer = Encoding.UTF8.GetBytes("junk\n" + line + "\nmore");
            general.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            var errorsBefore = general.Errors.Count;
            var v = kind.Parse(general, generalContext)!;
            var refused = general.Errors.Count > errorsBefore;
            plain.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            if (!EnrolmentsKind.TryPlain(plain, columns, plainContext, out var enrolment))
            {
                continue;
            }
            taken++;
            Assert.False(refused, $"taken from its bytes, refused by the general parser: {line}");
            Assert.Equal((v[0], v[2], v[3]), ((object?)enrolment.PsnNo, (object?)enrolment.Begin, (object?)enrolment.End));
            Assert.Same(generalContext.KnownPersons.Single(p => p == enrolment.PsnNo), enrolment.PsnNo); // the registry's own string
            Assert.Equal(Assert.Single(generalContext.SeenKeys), enrolment.Key);
            Assert.Empty(plainContext.SeenKeys); // the caller adds the key
        }
        return taken;
    }

    [Fact]
    public void Every_field_with_every_odd_value_reads_as_the_general_parser_reads_it_or_is_left_to_it()
    {
        var lines = Mutations("P1,390,2024-01-01,2024-12-31,1").Concat(Mutations("P2,310,2023-06-30,,")).ToList();
        var taken = Compare(Header, lines);
        // Five fields: most odd values spoil a row, but many rows were still compared both ways.
        Assert.InRange(taken, lines.Count / 10, lines.Count - 1);
    }

    [Fact]
    public void A_person_named_by_id_number_is_left_to_the_general_parser()
    {
        Assert.Equal(0, Compare("certno,insutype,begndate", ["330108197008101549,390,2024-01-01"]));
        Assert.Equal(1, Compare("psn_no,certno,insutype,begndate", ["P1,330108197008101549,390,2024-01-01"]));
    }

    [Fact]
    public void Every_row_of_the_demo_enrolments_is_taken_from_its_bytes()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var lines = File.ReadAllLines(Path.Combine(folder, "enrolments.csv"));
        var persons = File.ReadLines(Path.Combine(folder, "persons.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        var kind = (EnrolmentsKind)FileKind.Find("enrolments")!;
        var reader = new RowReader(lines[0].Split(','), kind.Aliases, false);
        var columns = new EnrolmentsKind.PlainColumns(reader);
        var context = new LoadContext
        {
            KnownPersons = new HashSet<string>(persons, StringComparer.Ordinal),
            PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
            IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
            KnownCounties = [],
        };
        for (var i = 1; i < lines.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(lines[i]);
            reader.Next(i + 1, bytes, 0, bytes.Length);
            Assert.True(EnrolmentsKind.TryPlain(reader, columns, context, out _), lines[i]);
        }
    }
}
