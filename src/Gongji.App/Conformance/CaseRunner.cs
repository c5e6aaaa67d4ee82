using System.Globalization;
using Gongji.Engine;
using Gongji.Engine.Model;
using Gongji.Engine.Parameters;

namespace Gongji.Conformance;

public sealed record CaseOutcome(string Path, string Name, bool Passed, IReadOnlyList<string> Differences);

/// <summary>
/// <c>gongji cases PATH...</c> (cases.md): runs every case, reports every differing value
/// (expected, actual) of a failing case, and never skips or crashes on a broken file.
/// </summary>
public static class CaseRunner
{
    public static IReadOnlyList<string> FindCaseFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path); // a missing file is reported as a failing case, not skipped
            }
        }
        return files;
    }

    public static CaseOutcome Run(string path, ParameterBook? book = null)
    {
        ConformanceCase @case;
        try
        {
            @case = CaseFile.Read(path);
        }
        catch (CaseFormatException e)
        {
            return new CaseOutcome(path, Path.GetFileName(path), false, [$"broken case file: {e.Message}"]);
        }
        return Run(@case, book);
    }

    public static CaseOutcome Run(ConformanceCase @case, ParameterBook? book = null)
    {
        RegionYearResult result;
        try
        {
            result = PayerEngine.Compute(@case.Input, book);
        }
        catch (Exception e) when (e is PolicyNotInForceException or ArgumentException)
        {
            return @case.Expect.Error
                ? new CaseOutcome(@case.Path, @case.Name, true, [])
                : new CaseOutcome(@case.Path, @case.Name, false, [$"refused: {e.Message}"]);
        }
        if (@case.Expect.Error)
        {
            return new CaseOutcome(@case.Path, @case.Name, false, ["error: expected a refusal, actual: computed"]);
        }
        return new CaseOutcome(@case.Path, @case.Name, Compare(@case, result) is var diffs && diffs.Count == 0, diffs);
    }

    private static List<string> Compare(ConformanceCase @case, RegionYearResult result)
    {
        var diffs = new List<string>();
        var settlements = result.Persons.SelectMany(p => p.Settlements).ToDictionary(s => s.Settlement.SetlId, StringComparer.Ordinal);
        var lines = result.Persons.SelectMany(p => p.Lines).Where(l => l.SetlId is not null).ToLookup(l => (l.SetlId!, l.Payer));
        foreach (var (id, fields) in @case.Expect.Settlements)
        {
            settlements.TryGetValue(id, out var s);
            foreach (var (field, expected) in fields)
            {
                decimal? actual = field switch
                {
                    _ when s is null => 0m,
                    "personal_burden" or "warning_base" => s.BurdenAfterSettlementTiers.Yuan,
                    "medfee_sumamt" => s.Settlement.MedfeeSumamt.Yuan,
                    _ when Payers.TryParse(field, out var payer) => payer == Payer.MedicalAssistance ? s.MedicalAssistance.Yuan
                        : payer.IsInsuranceFund() ? s.Settlement.Fund(payer).Yuan
                        : lines[(id, payer)].Sum(l => l.Amount.Yuan),
                    _ => null,
                };
                Check(diffs, $"settlements.{id}.{field}", expected, actual);
            }
        }
        var persons = result.Persons.ToDictionary(p => p.PsnNo, StringComparer.Ordinal);
        foreach (var (id, fields) in @case.Expect.Persons)
        {
            persons.TryGetValue(id, out var p);
            foreach (var (field, expected) in fields)
            {
                decimal? actual = field switch
                {
                    "personal_burden" => p?.PersonalBurden.Yuan ?? 0m,
                    "warning_base" => p?.WarningBase.Yuan ?? 0m,
                    "medfee_sumamt" => p?.MedfeeSumamt.Yuan ?? 0m,
                    _ when Payers.TryParse(field, out var payer) => p?[payer].Yuan ?? 0m,
                    _ => null,
                };
                Check(diffs, $"persons.{id}.{field}", expected, actual);
            }
        }
        var households = result.Households.ToDictionary(h => h.Household.Id, StringComparer.Ordinal);
        foreach (var (id, fields) in @case.Expect.Households)
        {
            households.TryGetValue(id, out var h);
            foreach (var (field, expected) in fields)
            {
                decimal? actual = field switch
                {
                    "personal_burden" => h?.PersonalBurden.Yuan ?? 0m,
                    "medfee_sumamt" => h?.MedfeeSumamt.Yuan ?? 0m,
                    _ when Payers.TryParse(field, out var payer) => h?[payer].Yuan ?? 0m,
                    _ => null,
                };
                Check(diffs, $"households.{id}.{field}", expected, actual);
            }
        }
        if (@case.Expect.Warnings is { } expectedWarnings)
        {
            foreach (var (_, kind, _) in expectedWarnings)
            {
                if (!WarningNames.TryParseKind(kind, out _))
                {
                    diffs.Add($"warnings: unknown kind '{kind}' (relapse | impoverishment | enrollment_gap)");
                }
            }
            var expected = expectedWarnings.Select(w => $"{w.PsnNo}:{w.Kind}").ToHashSet(StringComparer.Ordinal);
            var actual = result.Warnings.Select(w => $"{w.PsnNo}:{w.Kind.Id()}").ToHashSet(StringComparer.Ordinal);
            if (!expected.SetEquals(actual))
            {
                diffs.Add($"warnings: expected [{string.Join(", ", expected.Order(StringComparer.Ordinal))}], actual [{string.Join(", ", actual.Order(StringComparer.Ordinal))}]");
            }
            foreach (var (psn, kind, group) in expectedWarnings.Where(w => w.Group is not null))
            {
                var found = result.Warnings.FirstOrDefault(w => w.PsnNo == psn && w.Kind.Id() == kind);
                if (found is not null && found.Group.Id() != group && found.Group.ChineseName() != group)
                {
                    diffs.Add($"warnings.{psn}.{kind}.group: expected {group}, actual {found.Group.Id()}");
                }
            }
        }
        foreach (var (id, expected) in @case.Expect.Indicators)
        {
            var actual = result.Indicators.FirstOrDefault(i => i.Id == id);
            if (actual is null)
            {
                diffs.Add($"indicators.{id}: expected {expected:0.0000}, actual none (unknown indicator or no cost)");
            }
            else if (decimal.Round(actual.Value, 4) != decimal.Round(expected, 4, MidpointRounding.AwayFromZero))
            {
                diffs.Add($"indicators.{id}: expected {expected:0.0000}, actual {actual.Value:0.0000}");
            }
        }
        return diffs;
    }

    private static void Check(List<string> diffs, string what, decimal expected, decimal? actual)
    {
        if (actual is null)
        {
            diffs.Add($"{what}: unknown field");
        }
        else if (Math.Abs(expected - actual.Value) >= 0.005m)
        {
            diffs.Add($"{what}: expected {expected.ToString("0.00", CultureInfo.InvariantCulture)}, actual {actual.Value.ToString("0.00", CultureInfo.InvariantCulture)}");
        }
    }
}
