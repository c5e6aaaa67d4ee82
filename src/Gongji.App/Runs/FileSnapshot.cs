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

    /// <summary>The file's kind, by its name or its header, and the header.</summary>
    private static (FileKind Kind, string[] Header) DetectKind(string path, TabularFile file)
    {
        string[] header = [];
        foreach (var _ in file.Rows(h => header = h))
        {
            break;
        }
        return (FileKind.Detect(path, header) ?? throw new InvalidDataException($"{path}: not one of the data.md files"), header);
    }

    /// <summary>
    /// Rows sorted out to their people, file order kept within each: counted first, so each person gets
    /// one array of the right size (a million people, a million small lists otherwise).
    /// </summary>
    private static T[]?[] Distribute<T>(List<(string PsnNo, T Value)> rows, PsnNoIndex index, int people)
    {
        var personOf = new int[rows.Count];
        var counts = new int[people];
        var hint = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            personOf[r] = index.Find(rows[r].PsnNo, ref hint);
            if (personOf[r] >= 0)
            {
                counts[personOf[r]]++;
            }
        }
        var of = new T[]?[people];
        var filled = new int[people];
        for (var r = 0; r < rows.Count; r++)
        {
            if (personOf[r] is var p && p >= 0)
            {
                (of[p] ??= new T[counts[p]])[filled[p]++] = rows[r].Value;
            }
        }
        return of;
    }

    /// <summary>What the computation keeps of the registry files: typed, so millions of rows hold no boxed cells.</summary>
    private sealed class Drafts
    {
        public List<(string PsnNo, string? HouseholdId, string? Insuplc, string? Insutype, string? Hukou, DateOnly? InsuredSince)> Persons { get; } = [];
        public Dictionary<string, (string Region, string? Category)> Households { get; } = new(StringComparer.Ordinal);
        public List<(string PsnNo, Identity Identity)> Identities { get; } = [];
        public List<(string PsnNo, DateRange Range)> Enrolments { get; } = [];
        public List<Aid> Aids { get; } = [];

        /// <summary>Room for a part's rows in the list of its kind at once (grown by doubling, a list leaves its smaller copies behind).</summary>
        public void Reserve(FileKind kind, int rows)
        {
            _ = kind switch
            {
                PersonsKind => Persons.EnsureCapacity(rows),
                IdentitiesKind => Identities.EnsureCapacity(rows),
                EnrolmentsKind => Enrolments.EnsureCapacity(rows),
                AidsKind => Aids.EnsureCapacity(rows),
                _ => 0,
            };
        }

        /// <summary>
        /// Whether people must be found by ID number too: only when a later file has a certno column
        /// (a row may then name its person by certno alone). A million numbers are not kept for nothing.
        /// </summary>
        public bool KeepIdNumbers { get; set; } = true;
    }

    /// <summary>
    /// Keeps one row in <paramref name="part"/>'s typed lists (no boxed row per row). Repeated text
    /// (insurance type, division codes) is shared rather than kept once per row, and a person's psn_no is
    /// the registry's own string (<see cref="FileKind"/>'s Person), so millions of rows leave few objects behind.
    /// </summary>
    private static void Keep(FileKind kind, object?[] v, Drafts part, Dictionary<string, string> pool)
    {
        string? Shared(object? text) => text is string t ? pool.TryGetValue(t, out var same) ? same : pool[t] = t : null;
        // Column positions as the loaders' FileKinds define them.
        switch (kind)
        {
            case HouseholdsKind:
                part.Households[(string)v[0]!] = ((string)v[1]!, (string?)v[2]);
                break;
            case PersonsKind:
                part.Persons.Add(((string)v[0]!, (string?)v[11], Shared(v[8]), Shared(v[6]), Shared(v[13]), (DateOnly?)v[14]));
                break;
            case IdentitiesKind:
                part.Identities.Add(((string)v[0]!, new Identity(
                    IdentityTypes.TryParse((string)v[1]!, out var t) ? t : throw new InvalidDataException($"identity of {v[0]}: unknown type {v[1]}"),
                    new DateRange((DateOnly)v[2]!, (DateOnly?)v[3] ?? DateOnly.MaxValue), (int?)v[4], (bool)v[5]!, (bool)v[6]!)));
                break;
            case EnrolmentsKind:
                part.Enrolments.Add(((string)v[0]!, new DateRange((DateOnly)v[2]!, (DateOnly?)v[3] ?? DateOnly.MaxValue)));
                break;
            case AidsKind:
                part.Aids.Add(new Aid((string)v[2]!, Payers.TryParse((string)v[0]!, out var p) ? p : throw new InvalidDataException($"aid {v[1]}: unknown payer {v[0]}"),
                    Money.FromFen(Convert.ToInt64(v[3], System.Globalization.CultureInfo.InvariantCulture)), (DateOnly)v[4]!, (int)v[5]!, (string?)v[6], (string?)v[1]));
                break;
            default:
                break;
        }
    }

    /// <summary>Adds the parts' rows to <paramref name="drafts"/>, in the parts' order, each list grown once.</summary>
    private static void Merge(IReadOnlyList<Drafts> parts, Drafts drafts)
    {
        lock (drafts)
        {
            drafts.Persons.EnsureCapacity(drafts.Persons.Count + parts.Sum(p => p.Persons.Count));
            drafts.Identities.EnsureCapacity(drafts.Identities.Count + parts.Sum(p => p.Identities.Count));
            drafts.Enrolments.EnsureCapacity(drafts.Enrolments.Count + parts.Sum(p => p.Enrolments.Count));
            drafts.Aids.EnsureCapacity(drafts.Aids.Count + parts.Sum(p => p.Aids.Count));
            foreach (var part in parts)
            {
                foreach (var (id, household) in part.Households)
                {
                    drafts.Households[id] = household;
                }
                drafts.Persons.AddRange(part.Persons);
                drafts.Identities.AddRange(part.Identities);
                drafts.Enrolments.AddRange(part.Enrolments);
                drafts.Aids.AddRange(part.Aids);
            }
        }
    }

    private static void ReadRegistryFile(string path, TabularFile file, FileKind kind, LoadContext context, Drafts drafts, IDictionary<string, double>? timings, long partBytes)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string[] header = [];
        // A large file is read in parts, one per core (the identity codes fill the context: never split).
        var parts = kind is IdentityCodesKind ? null : file.Parts(Math.Max(2, Environment.ProcessorCount), partBytes);
        if (parts is null)
        {
            // A file's keys are unique within the file (as gongji load checks them), not across the kinds read before it.
            var own = Fork(context, ownPersons: false, drafts.KeepIdNumbers);
            Merge([ReadRows(path, file.Rows(h => header = h), () => header, file.IsSpreadsheet, kind, own, drafts.KeepIdNumbers)], drafts);
            context.Warnings.AddRange(own.Warnings.Select(w => $"{Path.GetFileName(path)}: {w}"));
        }
        else
        {
            foreach (var _ in file.Rows(h => header = h))
            {
                break; // the header only
            }
            var persons = kind is PersonsKind;
            var results = new (Drafts Read, LoadContext Context, InvalidDataException? Error)[parts.Count];
            // Rows of a part, from where the next begins (the last as its neighbour): the key sets are made that large at once.
            int RowsOf(int k) => k + 1 < parts.Count ? parts[k + 1].FirstRow - parts[k].FirstRow : parts[k].FirstRow - parts[Math.Max(0, k - 1)].FirstRow + 1;
            Parallel.For(0, parts.Count, k =>
            {
                // Persons fill the context with who is known; each part fills its own, joined in file order below.
                var own = Fork(context, ownPersons: persons, drafts.KeepIdNumbers, RowsOf(k));
                var (from, to, firstRow) = parts[k];
                try
                {
                    results[k] = (file.HasPlainLines
                        ? ReadPlainRows(path, file, parts[k], header, kind, own, drafts.KeepIdNumbers, RowsOf(k))
                        : ReadRows(path, file.CsvRows(from, to, firstRow, header.Length), () => header, false, kind, own, drafts.KeepIdNumbers), own, null);
                }
                catch (InvalidDataException e)
                {
                    results[k] = (new Drafts(), own, e);
                }
            });
            if (results.FirstOrDefault(r => r.Error is not null).Error is { } error)
            {
                throw error;
            }
            // A key in two parts is a duplicate neither part saw: the whole file is read again for the exact row.
            // The persons file's parts are joined into who is known, which holds nobody before the first
            // such file: there the join finds it, with no look-ups of their own (a sequential 0.05 s a city).
            var joinFindsTwice = persons && context.KnownPersons.Count == 0;
            var twice = false;
            if (!joinFindsTwice)
            {
                Parallel.For(1, results.Length, (k, loop) =>
                {
                    foreach (var key in results[k].Context.SeenKeys)
                    {
                        for (var j = 0; j < k; j++)
                        {
                            if (results[j].Context.SeenKeys.Contains(key))
                            {
                                twice = true;
                                loop.Stop();
                                return;
                            }
                        }
                    }
                });
            }
            if (persons)
            {
                // Who is known, the ID numbers (when kept) and the rows are joined side by side, each part
                // in file order, each table sized once.
                var count = results.Sum(r => r.Context.KnownPersons.Count);
                Parallel.Invoke(
                    () =>
                    {
                        context.KnownPersons.EnsureCapacity(context.KnownPersons.Count + count);
                        foreach (var result in results)
                        {
                            foreach (var psn in result.Context.KnownPersons)
                            {
                                if (!context.KnownPersons.Add(psn) && joinFindsTwice)
                                {
                                    twice = true;
                                }
                            }
                        }
                    },
                    () =>
                    {
                        if (!drafts.KeepIdNumbers)
                        {
                            return; // the parts shared the (untouched) table: nothing to join
                        }
                        context.PsnNoByCertno.EnsureCapacity(context.PsnNoByCertno.Count + count);
                        foreach (var result in results)
                        {
                            foreach (var (certno, psn) in result.Context.PsnNoByCertno)
                            {
                                context.PsnNoByCertno.TryAdd(certno, psn);
                            }
                        }
                    },
                    () => Merge([.. results.Select(r => r.Read)], drafts));
            }
            if (twice)
            {
                ReadRows(path, file.Rows(h => header = h), () => header, false, kind, Fork(context, ownPersons: persons, drafts.KeepIdNumbers), drafts.KeepIdNumbers);
            }
            foreach (var (_, own, _) in results)
            {
                context.Warnings.AddRange(own.Warnings.Select(w => $"{Path.GetFileName(path)}: {w}"));
            }
            if (!persons)
            {
                Merge([.. results.Select(r => r.Read)], drafts);
            }
        }
        if (timings is not null)
        {
            lock (timings)
            {
                timings["registry: " + kind.Name] = watch.Elapsed.TotalSeconds;
            }
        }
    }

    /// <summary>
    /// A context for one file or part: the known people, ID numbers, codes and counties shared (or, for a
    /// part of the persons file, its own people, joined later), its own seen keys and warnings.
    /// </summary>
    private static LoadContext Fork(LoadContext context, bool ownPersons, bool keepIdNumbers, int rows = 0)
    {
        var seenKeys = new HashSet<string>(rows, StringComparer.Ordinal);
        return new()
        {
            // A part of the persons file: its keys are its people, so one set serves as both.
            KnownPersons = ownPersons ? seenKeys : context.KnownPersons,
            // Its own ID numbers only when they are kept (the shared table is then left untouched).
            PsnNoByCertno = ownPersons && keepIdNumbers ? new Dictionary<string, string>(rows, StringComparer.Ordinal) : context.PsnNoByCertno,
            IdentityCodes = context.IdentityCodes,
            KnownCounties = context.KnownCounties,
            SeenKeys = seenKeys,
        };
    }

    /// <summary>Checks and keeps rows; the first bad row stops the read with its row, column, value and reason.</summary>
    private static Drafts ReadRows(string path, IEnumerable<(int Row, string[] Cells)> rows, Func<string[]> header, bool spreadsheet, FileKind kind, LoadContext context, bool keepIdNumbers)
    {
        RowReader? reader = null;
        var keeper = new RowKeeper(path, kind, context, keepIdNumbers);
        foreach (var (row, cells) in rows)
        {
            reader ??= new RowReader(header(), kind.Aliases, spreadsheet);
            reader.Next(row, cells);
            keeper.Take(reader);
        }
        return keeper.Read;
    }

    /// <summary>The rows of one part of a UTF-8 file, read from their bytes (<see cref="RowReader.Next(int, byte[], int, int)"/>).</summary>
    private static Drafts ReadPlainRows(string path, TabularFile file, (long From, long To, int FirstRow) part, string[] header, FileKind kind, LoadContext context, bool keepIdNumbers, int rows)
    {
        var reader = new RowReader(header, kind.Aliases, false);
        var keeper = new RowKeeper(path, kind, context, keepIdNumbers);
        keeper.Read.Reserve(kind, rows);
        file.PlainLines(part.From, part.To, part.FirstRow, (row, buffer, start, length) =>
        {
            reader.Next(row, buffer, start, length);
            keeper.Take(reader);
        });
        return keeper.Read;
    }

    private sealed class RowKeeper(string path, FileKind kind, LoadContext context, bool keepIdNumbers)
    {
        private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
        private PersonsKind.PlainColumns? _plainPersons;
        private EnrolmentsKind.PlainColumns? _plainEnrolments;

        public Drafts Read { get; } = new();

        public void Take(RowReader reader)
        {
            if (reader.IsPlainLine && kind switch { PersonsKind => TakePlainPerson(reader), EnrolmentsKind => TakePlainEnrolment(reader), _ => false })
            {
                return;
            }
            var values = kind.Parse(reader, context)!;
            if (reader.Errors.Count > 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: {reader.Errors[0]}" + (reader.Errors.Count > 1 ? $" (and {reader.Errors.Count - 1} more)" : ""));
            }
            Keep(kind, values, Read, _pool);
            switch (kind)
            {
                case PersonsKind:
                    context.KnownPersons.Add((string)values[0]!);
                    if (keepIdNumbers && values[1] is string certno)
                    {
                        context.PsnNoByCertno.TryAdd(certno, (string)values[0]!);
                    }
                    break;
                case IdentityCodesKind:
                    context.IdentityCodes[(string)values[0]!] = new IdentityCodeMapping((string)values[0]!, (string)values[1]!, (int?)values[2], (bool)values[3]!);
                    break;
            }
        }

        /// <summary>
        /// A persons row in its common form, checked from its bytes and kept as <see cref="Take"/> keeps it,
        /// without the general parser's boxed row and the strings of the fields a run does not keep (a
        /// million people); false when it is not, and nothing was done.
        /// </summary>
        private bool TakePlainPerson(RowReader reader)
        {
            _plainPersons ??= new PersonsKind.PlainColumns(reader);
            if (!PersonsKind.TryPlain(reader, _plainPersons, context, out var person))
            {
                return false;
            }
            var psn = System.Text.Encoding.ASCII.GetString(person.PsnNo);
            if (!context.SeenKeys.Add(psn))
            {
                return false; // twice in the file: the general parser names the row
            }
            if (!ReferenceEquals(context.KnownPersons, context.SeenKeys))
            {
                context.KnownPersons.Add(psn); // a part of the persons file has one set for both (Fork): added above
            }
            if (keepIdNumbers && !person.Certno.IsEmpty)
            {
                context.PsnNoByCertno.TryAdd(System.Text.Encoding.ASCII.GetString(person.Certno), psn);
            }
            Read.Persons.Add((psn, person.HouseholdId.IsEmpty ? null : System.Text.Encoding.ASCII.GetString(person.HouseholdId),
                Shared(person.Insuplc), Shared(person.Insutype), Shared(person.Hukou), person.InsuredSince));
            return true;
        }

        /// <summary>An enrolments row in its common form, checked from its bytes and kept as <see cref="Take"/> keeps it; false: nothing was done.</summary>
        private bool TakePlainEnrolment(RowReader reader)
        {
            _plainEnrolments ??= new EnrolmentsKind.PlainColumns(reader);
            if (!EnrolmentsKind.TryPlain(reader, _plainEnrolments, context, out var enrolment) || !context.SeenKeys.Add(enrolment.Key))
            {
                return false; // another form, or twice in the file: the general parser reads it and names the row
            }
            Read.Enrolments.Add((enrolment.PsnNo, new DateRange(enrolment.Begin, enrolment.End ?? DateOnly.MaxValue)));
            return true;
        }

        /// <summary>The one string of a short printable ASCII value (a code), from this part's pool.</summary>
        private string? Shared(ReadOnlySpan<byte> ascii)
        {
            if (ascii.IsEmpty)
            {
                return null;
            }
            if (ascii.Length > 64)
            {
                var text = System.Text.Encoding.ASCII.GetString(ascii);
                return _pool.TryGetValue(text, out var known) ? known : _pool[text] = text;
            }
            Span<char> chars = stackalloc char[ascii.Length];
            System.Text.Ascii.ToUtf16(ascii, chars, out _);
            var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(chars, out var same))
            {
                return same;
            }
            var made = new string(chars);
            _pool[made] = made;
            return made;
        }
    }

    /// <param name="timings">When given, receives the seconds spent on the registry files and on the settlements.</param>
    /// <param name="partBytes">Files at least this large are read in parallel parts (tests make it small).</param>
    /// <param name="warnings">When given, receives what the loaders would warn of (file, row and why), in file order.</param>
    /// <param name="settlementsHashed">
    /// When given, the settlements file's block hashes are made by the reads that count its lines, and
    /// given here (null when there is none, or the reading failed first).
    /// </param>
    public static RegionYearInput Read(string folder, string region, int year, IReadOnlyDictionary<string, decimal> parameters, bool explain = false, IDictionary<string, double>? timings = null,
        long partBytes = 4 << 20, List<string>? warnings = null, TaskCompletionSource<FileBlockHashes?>? settlementsHashed = null)
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
            KnownCounties = Reference.Divisions.Zhejiang.CountyCodes, // an ID number's unknown address is a warning, as gongji load gives it
        };
        // Each file opened (its encoding found) and its kind told once; named settlements and fee details
        // are not opened here: the settlements reader checks the encoding itself, and fee details feed the
        // item rankings, not the payers.
        if (files.Count == 0)
        {
            // A folder given by mistake would otherwise give a run of nobody, as if the city had no bills.
            throw new InvalidDataException($"{folder}: no data.md files in it (persons.csv, settlements.csv … as .csv or .xlsx)");
        }
        var settlementFiles = new List<string>();
        var registry = new List<(string Path, TabularFile File, FileKind Kind, string[] Header)>();
        foreach (var path in Loader.OrderForLoading(files))
        {
            var byName = FileKind.Detect(path, []);
            if (byName is FeeDetailsKind)
            {
                continue;
            }
            if (byName is SettlementsKind && !path.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
            {
                settlementFiles.Add(path);
                continue;
            }
            var file = TabularFile.Open(path);
            var (kind, header) = DetectKind(path, file);
            if (kind is SettlementsKind && file.IsSpreadsheet)
            {
                // Its rows would be checked and then dropped, and the run would say nobody had a bill.
                throw new InvalidDataException($"{Path.GetFileName(path)}: run --from reads settlements from CSV only; save the sheet as CSV, or load it with gongji load and run from the store");
            }
            if (kind is SettlementsKind)
            {
                settlementFiles.Add(path);
            }
            else if (kind is not FeeDetailsKind)
            {
                registry.Add((path, file, kind, header));
            }
        }
        if (settlementFiles.Count > 1)
        {
            // Refused before anything is read (the first file was read whole before, then refused).
            throw new InvalidDataException("run --from takes one settlements file; load several with gongji load");
        }
        var drafts = new Drafts
        {
            KeepIdNumbers = registry.Any(r => r.Kind is IdentitiesKind or EnrolmentsKind or AidsKind && new RowReader(r.Header, r.Kind.Aliases, r.File.IsSpreadsheet).Has("certno")),
        };
        // The registry first (what later files refer to), then the files that only refer to it, in parallel.
        var first = new[] { "identity_codes", "households", "persons" };
        foreach (var (path, file, kind, _) in registry.Where(r => first.Contains(r.Kind.Name)))
        {
            ReadRegistryFile(path, file, kind, context, drafts, timings, partBytes);
        }
        // The settlements file's lines are counted beside the rest of the registry, in the moments its cores
        // wait (joining a file's parts, making the people; the persons file before keeps both busy). A
        // failure is the answer when the file is read.
        var measuring = settlementFiles.Count > 0 ? Task.Run(() => SettlementFileReader.Measure(settlementFiles[0], hash: settlementsHashed is not null)) : null;
        _ = measuring?.ContinueWith(t => settlementsHashed?.TrySetResult(t.IsCompletedSuccessfully ? t.Result.BlockHashes : null), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _ = measuring?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var later = registry.Where(r => !first.Contains(r.Kind.Name)).ToList();
        // Each its own context, so no two files add to one list of warnings at once.
        try
        {
            Parallel.ForEach(later, item => ReadRegistryFile(item.Path, item.File, item.Kind, Fork(context, ownPersons: false, drafts.KeepIdNumbers), drafts, timings, partBytes));
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<InvalidDataException>().FirstOrDefault() is { } bad)
        {
            // A bad row of one file is the answer, as it is when the files are read one after another.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(bad);
        }
        var assembly = System.Diagnostics.Stopwatch.StartNew();
        // The memory the settlements will be read into, and its pages, taken while the people are made:
        // steps of that are sequential, so a core is free (see SettlementFileReader.Room).
        var rooming = measuring?.ContinueWith(static t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                t.Result.MakeRoom();
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _ = rooming?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var households = drafts.Households;
        string? RegionOf(string? householdId, string? insuplc) => householdId is { } hid && households.TryGetValue(hid, out var h) ? h.Region : insuplc;
        // The region's people, filtered where they lie (a million rows are not copied for it).
        var persons = drafts.Persons;
        persons.RemoveAll(p => RegionOf(p.HouseholdId, p.Insuplc) is not { } r || !r.StartsWith(region, StringComparison.Ordinal));
        var psnNos = new string[persons.Count];
        for (var i = 0; i < psnNos.Length; i++)
        {
            psnNos[i] = persons[i].PsnNo; // distinct: the persons file's key
        }
        var index = new PsnNoIndex(psnNos);
        // The people's psn_no bytes for the settlements reader, made while the people are (in the file's
        // encoding if it is known by now; the reader makes them again in another).
        var keying = measuring is null ? null : Task.Run(() => new SettlementFileReader.PersonKeys(psnNos,
            measuring.IsCompletedSuccessfully ? measuring.Result.Encoding : System.Text.Encoding.UTF8));
        _ = keying?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        // Identities and enrolments sorted out to their people by one look-up each (file order kept),
        // each usually the person of the row before or the next one.
        var identitiesOf = Distribute(drafts.Identities, index, persons.Count);
        var anyEnrolments = drafts.Enrolments.Count > 0;
        var enrolmentsOf = Distribute(drafts.Enrolments, index, persons.Count);
        var hint = 0;
        var personArray = new Person[persons.Count];
        // A region with nobody in the files is computed empty, as from the store (Partitioner.Create refuses an empty range).
        if (persons.Count > 0)
        {
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, persons.Count, 16384), range =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    var p = persons[i];
                    personArray[i] = new Person
                    {
                        PsnNo = p.PsnNo,
                        HouseholdId = p.HouseholdId is { } hid && households.ContainsKey(hid) ? hid : null,
                        Region = RegionOf(p.HouseholdId, p.Insuplc)!,
                        Insutype = p.Insutype ?? "390",
                        HukouRegion = p.Hukou,
                        InsuredSince = p.InsuredSince,
                        Enrolments = anyEnrolments ? enrolmentsOf[i] ?? [] : null,
                        Identities = identitiesOf[i] ?? [],
                    };
                }
            });
        }
        var personList = personArray.ToList();
        // What was kept of the registry rows is in the people now: let it go before the settlements' columns come.
        drafts.Persons.Clear();
        drafts.Persons.TrimExcess();
        drafts.Identities.Clear();
        drafts.Identities.TrimExcess();
        drafts.Enrolments.Clear();
        drafts.Enrolments.TrimExcess();
        var householdList = personList.Where(p => p.HouseholdId is not null).GroupBy(p => p.HouseholdId!, StringComparer.Ordinal).Select(g => new Household
        {
            Id = g.Key,
            Region = households[g.Key].Region,
            Category = households[g.Key].Category switch { "tekun" => HouseholdCategory.Tekun, "dibao" => HouseholdCategory.Dibao, "dibian" => HouseholdCategory.Dibian, _ => null },
            MemberPsnNos = g.Select(p => p.PsnNo).ToList(),
        }).ToList();

        if (timings is not null)
        {
            timings["registry: people made"] = assembly.Elapsed.TotalSeconds;
            timings["read registry files"] = watch.Elapsed.TotalSeconds;
        }
        watch.Restart();
        var table = new SettlementTable();
        if (measuring is not null)
        {
            var path = settlementFiles[0];
            rooming!.GetAwaiter().GetResult();
            var (read, reader) = SettlementFileReader.Read(measuring.GetAwaiter().GetResult(), psnNos, year, othersAreErrors: false, keys: keying!.GetAwaiter().GetResult());
            if (timings is not null)
            {
                foreach (var (phase, seconds) in reader.Timings)
                {
                    timings["settlements: " + phase] = seconds;
                }
            }
            if (reader.ErrorCount > 0)
            {
                Loader.WriteErrorFile(path + ".errors.csv", reader.Errors);
                throw new InvalidDataException($"{Path.GetFileName(path)}: {reader.ErrorCount} bad value(s), e.g. {reader.Errors[0]}; all listed in {path}.errors.csv");
            }
            table = read;
        }
        warnings?.AddRange(context.Warnings);
        if (settlementFiles.Count == 0)
        {
            warnings?.Add($"{folder}: no settlements file: nobody has a bill in this run");
        }
        var aids = drafts.Aids.Where(a => a.ExpenseYear == year && index.Find(a.PsnNo, ref hint) >= 0).ToList();
        if (timings is not null)
        {
            timings["read settlements"] = watch.Elapsed.TotalSeconds;
        }
        return new RegionYearInput { Year = year, Persons = personList, Households = householdList, Table = table, Aids = aids, Parameters = parameters, Explain = explain };
    }
}
