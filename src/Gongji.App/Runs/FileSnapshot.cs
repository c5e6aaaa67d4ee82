using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Loading;

namespace Gongji.Runs;

/// <summary>
/// Reads a folder of data.md files straight into the engine's input, with the loaders' own row
/// checks and no store (<c>gongji run --from DIR</c>). The registry files go through the loaders'
/// parsers; the settlements, by far the largest, through <see cref="SettlementFileReader"/> into columns.
/// </summary>
public static class FileSnapshot
{
    /// <summary>Seconds the last read spent on the registry files (before the settlements).</summary>
    public static double RegistryReadSeconds { get; private set; }

    private static FileKind DetectKind(string path, TabularFile file)
    {
        FileKind? kind = null;
        foreach (var _ in file.Rows(h => kind = FileKind.Detect(path, h)))
        {
            break;
        }
        return kind ?? throw new InvalidDataException($"{path}: not one of the data.md files");
    }

    private static void ReadRegistryFile(string path, TabularFile file, FileKind kind, LoadContext context,
        System.Collections.Concurrent.ConcurrentDictionary<string, List<object?[]>> rows)
    {
        string[] header = [];
        RowReader? reader = null;
        var list = rows.GetOrAdd(kind.Name, _ => []);
        var read = new List<object?[]>();
        foreach (var (row, cells) in file.Rows(h => header = h))
        {
            reader ??= new RowReader(header, kind.Aliases, file.IsSpreadsheet);
            reader.Next(row, cells);
            var values = kind.Parse(reader, context)!;
            if (reader.Errors.Count > 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: {reader.Errors[0]}" + (reader.Errors.Count > 1 ? $" (and {reader.Errors.Count - 1} more)" : ""));
            }
            read.Add(values);
            switch (kind)
            {
                case PersonsKind:
                    context.KnownPersons.Add((string)values[0]!);
                    if (values[1] is string certno)
                    {
                        context.PsnNoByCertno.TryAdd(certno, (string)values[0]!);
                    }
                    break;
                case IdentityCodesKind:
                    context.IdentityCodes[(string)values[0]!] = new IdentityCodeMapping((string)values[0]!, (string)values[1]!, (int?)values[2], (bool)values[3]!);
                    break;
            }
        }
        lock (list)
        {
            list.AddRange(read);
        }
    }

    public static RegionYearInput Read(string folder, string region, int year, IReadOnlyDictionary<string, decimal> parameters, bool explain = false)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"no such folder: {folder}");
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var files = Directory.EnumerateFiles(folder)
            .Where(f => (f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase)) && !f.EndsWith(".errors.csv", StringComparison.OrdinalIgnoreCase))
            .ToList();
        var context = new LoadContext
        {
            KnownPersons = new HashSet<string>(StringComparer.Ordinal),
            PsnNoByCertno = new Dictionary<string, string>(StringComparer.Ordinal),
            IdentityCodes = new Dictionary<string, IdentityCodeMapping>(StringComparer.Ordinal),
            KnownCounties = [],
        };
        var rows = new System.Collections.Concurrent.ConcurrentDictionary<string, List<object?[]>>(StringComparer.Ordinal);
        var settlementFiles = new List<string>();
        var byKind = Loader.OrderForLoading(files).Select(path => (Path: path, File: TabularFile.Open(path))).ToList();
        // The registry first (what later files refer to), then the files that only refer to it, in parallel.
        var first = new[] { "identity_codes", "households", "persons" };
        var later = new List<(string Path, TabularFile File)>();
        foreach (var (path, file) in byKind)
        {
            var kind = DetectKind(path, file);
            if (kind is SettlementsKind && !file.IsSpreadsheet)
            {
                settlementFiles.Add(path);
            }
            else if (kind is FeeDetailsKind)
            {
                continue; // fee details feed the item rankings, not the payers
            }
            else if (first.Contains(kind.Name))
            {
                ReadRegistryFile(path, file, kind, context, rows);
            }
            else
            {
                later.Add((path, file));
            }
        }
        Parallel.ForEach(later, item =>
        {
            var own = new LoadContext
            {
                KnownPersons = context.KnownPersons,
                PsnNoByCertno = context.PsnNoByCertno,
                IdentityCodes = context.IdentityCodes,
                KnownCounties = context.KnownCounties,
            };
            ReadRegistryFile(item.Path, item.File, DetectKind(item.Path, item.File), own, rows);
        });
        List<object?[]> Rows(string kind) => rows.GetValueOrDefault(kind) ?? [];

        // Column positions as the loaders' FileKinds define them.
        var households = Rows("households").ToDictionary(h => (string)h[0]!, StringComparer.Ordinal); // household_id, region_code, category
        string? RegionOf(object?[] p) => p[11] is string hid && households.TryGetValue(hid, out var h) ? (string)h[1]! : (string?)p[8];
        var persons = Rows("persons").Where(p => RegionOf(p) is { } r && r.StartsWith(region, StringComparison.Ordinal)).ToList();
        var ids = persons.Select(p => (string)p[0]!).ToHashSet(StringComparer.Ordinal);
        var identities = Rows("identities").Where(i => ids.Contains((string)i[0]!)).ToLookup(i => (string)i[0]!, StringComparer.Ordinal);
        var anyEnrolments = Rows("enrolments").Count > 0;
        var enrolments = Rows("enrolments").Where(e => ids.Contains((string)e[0]!)).ToLookup(e => (string)e[0]!, StringComparer.Ordinal);

        var personList = persons.Select(p =>
        {
            var psn = (string)p[0]!;
            return new Person
            {
                PsnNo = psn,
                HouseholdId = p[11] is string hid && households.ContainsKey(hid) ? hid : null,
                Region = RegionOf(p)!,
                Insutype = (string?)p[6] ?? "390",
                HukouRegion = (string?)p[13],
                InsuredSince = (DateOnly?)p[14],
                Enrolments = anyEnrolments ? enrolments[psn].Select(e => new DateRange((DateOnly)e[2]!, (DateOnly?)e[3] ?? DateOnly.MaxValue)).ToList() : null,
                Identities = identities[psn].Select(i => new Identity(
                    IdentityTypes.TryParse((string)i[1]!, out var t) ? t : throw new InvalidDataException($"identity of {psn}: unknown type {i[1]}"),
                    new DateRange((DateOnly)i[2]!, (DateOnly?)i[3] ?? DateOnly.MaxValue), (int?)i[4], (bool)i[5]!, (bool)i[6]!)).ToList(),
            };
        }).ToList();
        var householdList = personList.Where(p => p.HouseholdId is not null).GroupBy(p => p.HouseholdId!, StringComparer.Ordinal).Select(g => new Household
        {
            Id = g.Key,
            Region = (string)households[g.Key][1]!,
            Category = households[g.Key][2] switch { "tekun" => HouseholdCategory.Tekun, "dibao" => HouseholdCategory.Dibao, "dibian" => HouseholdCategory.Dibian, _ => null },
            MemberPsnNos = g.Select(p => p.PsnNo).ToList(),
        }).ToList();

        RegistryReadSeconds = watch.Elapsed.TotalSeconds;
        var table = new SettlementTable();
        foreach (var path in settlementFiles)
        {
            var (read, reader) = SettlementFileReader.Read(path, ids, year, othersAreErrors: false);
            if (reader.ErrorCount > 0)
            {
                Loader.WriteErrorFile(path + ".errors.csv", reader.Errors);
                throw new InvalidDataException($"{Path.GetFileName(path)}: {reader.ErrorCount} bad value(s), e.g. {reader.Errors[0]}; all listed in {path}.errors.csv");
            }
            table = settlementFiles.Count == 1 ? read : throw new InvalidDataException("run --from takes one settlements file; load several with gongji load");
        }
        var aids = Rows("aids").Where(a => ids.Contains((string)a[2]!) && (int)a[5]! == year)
            .Select(a => new Aid((string)a[2]!, Payers.TryParse((string)a[0]!, out var p) ? p : throw new InvalidDataException($"aid {a[1]}: unknown payer {a[0]}"),
                Money.FromFen(Convert.ToInt64(a[3], System.Globalization.CultureInfo.InvariantCulture)), (DateOnly)a[4]!, (int)a[5]!, (string?)a[6], (string?)a[1]))
            .ToList();
        return new RegionYearInput { Year = year, Persons = personList, Households = householdList, Table = table, Aids = aids, Parameters = parameters, Explain = explain };
    }
}
