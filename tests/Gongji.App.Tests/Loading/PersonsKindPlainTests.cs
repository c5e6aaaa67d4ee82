using System.Text;
using Gongji.Loading;

namespace Gongji.App.Tests.Loading;

/// <summary>
/// A persons row checked from its bytes for a run from files must be taken only when the general
/// parser accepts it, with nothing to warn of, and then with the values the run keeps of it.
/// </summary>
public class PersonsKindPlainTests
{
    private const string Header = "psn_no,certno,psn_cert_type,psn_name,gend,brdy,insutype,psn_type,insuplc_admdvs,psn_insu_stas,psn_insu_date,household_id,relation,hukou_admdvs,insured_since";

    private const string Good = "P1,330108197008101549,01,肖艳,2,1970-08-10,390,1501,330108,1,1998-01-01,H1,01,330108003019,1998-01-01";

    private static LoadContext Context(IEnumerable<string> counties) => new()
    {
        KnownPersons = new HashSet<string>(StringComparer.Ordinal),
        PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
        IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
        KnownCounties = [.. counties],
    };

    private static IEnumerable<string> Mutations(string line)
    {
        var cells = line.Split(',');
        yield return line;
        for (var c = 0; c < cells.Length; c++)
        {
            foreach (var odd in SettlementsKindPlainTests.OddValues.Concat(["02", "01 ", "110105194912310021", "330100197008101545", "990108197008101540"]))
            {
                var changed = (string[])cells.Clone();
                changed[c] = odd;
                yield return string.Join(',', changed);
            }
        }
        yield return string.Join(',', cells.Take(3)); // a short row
        yield return line + ",extra";
    }

    /// <summary>Each line read both ways with a context of its own; returns how many lines the plain check took.</summary>
    private static int Compare(string headerLine, IEnumerable<string> lines, string[] counties)
    {
        var kind = (PersonsKind)FileKind.Find("persons")!;
        var header = headerLine.Split(',');
        var general = new RowReader(header, kind.Aliases, false);
        var plain = new RowReader(header, kind.Aliases, false);
        var columns = new PersonsKind.PlainColumns(plain);
        var taken = 0;
        var row = 1;
        foreach (var line in lines)
        {
            row++;
            var (generalContext, plainContext) = (Context(counties), Context(counties));
            var buffer = Encoding.UTF8.GetBytes("junk\n" + line + "\nmore");
            general.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            var errorsBefore = general.Errors.Count;
            var v = kind.Parse(general, generalContext)!;
            var refused = general.Errors.Count > errorsBefore;
            plain.Next(row, buffer, 5, Encoding.UTF8.GetByteCount(line));
            if (!PersonsKind.TryPlain(plain, columns, plainContext, out var person))
            {
                continue;
            }
            taken++;
            Assert.False(refused, $"taken from its bytes, refused by the general parser: {line}");
            Assert.Empty(generalContext.Warnings);
            string? Text(ReadOnlySpan<byte> cell) => cell.IsEmpty ? null : Encoding.UTF8.GetString(cell);
            // What FileSnapshot keeps of a person: psn_no, ID number, household, insured place, type, hukou, insured since.
            Assert.Equal(
                (v[0], v[1], v[11], v[8], v[6], v[13], v[14]),
                ((object?)Text(person.PsnNo), (object?)Text(person.Certno), (object?)Text(person.HouseholdId), (object?)Text(person.Insuplc),
                    (object?)Text(person.Insutype), (object?)Text(person.Hukou), (object?)person.InsuredSince));
            Assert.Empty(plainContext.SeenKeys); // the caller adds the key
        }
        return taken;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_field_with_every_odd_value_reads_as_the_general_parser_reads_it_or_is_left_to_it(bool countiesKnown)
    {
        var lines = Mutations(Good).Concat(Mutations(Good.Replace(",01,", ",,", StringComparison.Ordinal))).ToList();
        var taken = Compare(Header, lines, countiesKnown ? ["330108", "330300"] : []);
        Assert.InRange(taken, lines.Count / 5, lines.Count - 1);
    }

    [Fact]
    public void An_unknown_address_a_lower_case_x_and_a_15_digit_number_are_left_to_the_general_parser()
    {
        const string certnoX = "11010519491231002X";
        var lines = new[]
        {
            Good.Replace("330108197008101549", certnoX, StringComparison.Ordinal), // a Beijing address: a warning
            Good.Replace("330108197008101549", certnoX.ToLowerInvariant(), StringComparison.Ordinal),
            Good.Replace("330108197008101549", "330108700810154", StringComparison.Ordinal),
        };
        Assert.Equal(0, Compare(Header, lines, ["330108"]));
        Assert.Equal(1, Compare(Header, lines.Take(1), [])); // no list of counties: nothing to warn of
    }

    [Fact]
    public void Every_row_of_the_demo_persons_is_taken_from_its_bytes()
    {
        var folder = DemoData.Write("330108", 300, 2024);
        var lines = File.ReadAllLines(Path.Combine(folder, "persons.csv"));
        Assert.Equal(lines.Length - 1, Compare(lines[0], lines.Skip(1), [.. Reference.Divisions.Zhejiang.CountyCodes]));
    }
}
