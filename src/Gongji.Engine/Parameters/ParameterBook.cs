using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Gongji.Engine.Parameters;

/// <summary>One dated value of a parameter, with the clause it comes from.</summary>
public sealed record ParameterValue(
    string Key,
    decimal? Value,
    DateRange Validity,
    string Clause,
    bool Assumed,
    bool Deployment,
    string? Description,
    string? Source);

/// <summary>A policy document of one region: when it is in force and the values it fixes.</summary>
public sealed record PolicyDocument(
    string Region,
    string RegionName,
    string Authority,
    string Document,
    string ResourcePath,
    DateRange InForce,
    string InForceClause,
    IReadOnlyDictionary<string, IReadOnlyList<ParameterValue>> Parameters);

/// <summary>A value of a parameter as it applies to a region and date, with where it came from.</summary>
public sealed record ResolvedParameter(string Key, decimal? Value, string Clause, string Document, bool Assumed, bool Overridden);

/// <summary>
/// All dated parameters, in the region tree Zhejiang → city → county, loaded once from the YAML files
/// shipped inside the engine (architecture.md) into immutable objects.
/// </summary>
public sealed class ParameterBook
{
    private static readonly Lazy<ParameterBook> Shipped = new(LoadShipped);

    public IReadOnlyList<PolicyDocument> Documents { get; }

    /// <summary>A hash of every shipped parameter file, recorded with each run.</summary>
    public string Version { get; }

    public ParameterBook(IReadOnlyList<PolicyDocument> documents, string version)
    {
        Documents = documents;
        Version = version;
    }

    public static ParameterBook Default => Shipped.Value;

    /// <summary>The documents that govern a division, most specific first (Binjiang before Hangzhou).</summary>
    public IReadOnlyList<PolicyDocument> DocumentsFor(string county) =>
        Documents.Where(d => county.StartsWith(d.Region, StringComparison.Ordinal))
                 .OrderByDescending(d => d.Region.Length)
                 .ToList();

    public IEnumerable<string> Keys => Documents.SelectMany(d => d.Parameters.Keys).Distinct(StringComparer.Ordinal);

    /// <summary>Deployment parameters and assumed values: those a deployment or a case may set.</summary>
    public bool IsSettable(string key) =>
        Documents.Any(d => d.Parameters.TryGetValue(key, out var values) && values.Any(v => v.Deployment || v.Assumed));

    private static ParameterBook LoadShipped()
    {
        var assembly = typeof(ParameterBook).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("params/", StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documents = new List<PolicyDocument>();
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var name in names)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n" + text));
            documents.Add(ParseDocument(name, text));
        }
        return new ParameterBook(documents, Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
    }

    internal static PolicyDocument ParseDocument(string path, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        string Text(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s && s.Value is { } value
                ? value
                : throw new InvalidDataException($"{path}: '{key}' is missing");
        string? Optional(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s && !string.IsNullOrEmpty(s.Value) && s.Value != "null" ? s.Value : null;
        DateOnly Date(string value) => DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

        var inForceNode = (YamlMappingNode)root.Children[new YamlScalarNode("in_force")];
        var inForceTo = Optional(inForceNode, "to");
        var inForce = new DateRange(Date(Text(inForceNode, "from")), inForceTo is null ? DateOnly.MaxValue : Date(inForceTo));

        var parameters = new Dictionary<string, IReadOnlyList<ParameterValue>>(StringComparer.Ordinal);
        foreach (var (keyNode, valuesNode) in ((YamlMappingNode)root.Children[new YamlScalarNode("parameters")]).Children)
        {
            var key = ((YamlScalarNode)keyNode).Value!;
            var values = new List<ParameterValue>();
            foreach (var item in ((YamlSequenceNode)valuesNode).Children.Cast<YamlMappingNode>())
            {
                var to = Optional(item, "to");
                var raw = Optional(item, "value");
                values.Add(new ParameterValue(
                    key,
                    raw is null ? null : decimal.Parse(raw, NumberStyles.Number, CultureInfo.InvariantCulture),
                    new DateRange(Date(Text(item, "from")), to is null ? DateOnly.MaxValue : Date(to)),
                    Optional(item, "clause") ?? "",
                    Optional(item, "assumed") == "true",
                    Optional(item, "deployment") == "true",
                    Optional(item, "description"),
                    Optional(item, "source")));
            }
            parameters[key] = values.OrderBy(v => v.Validity.From).ToList();
        }
        return new PolicyDocument(
            Text(root, "region"), Text(root, "region_name"), Text(root, "authority"), Text(root, "document"),
            path, inForce, Optional(inForceNode, "clause") ?? "", parameters);
    }
}

/// <summary>
/// The parameters as they apply to one county and expense year, with a deployment's overrides.
/// Values are taken as in force on the first day of the expense year the documents cover (every
/// change of value in the shipped documents falls on 1 January).
/// </summary>
public sealed class ParameterSnapshot
{
    private readonly Dictionary<string, ResolvedParameter> _values = new(StringComparer.Ordinal);

    public ParameterSnapshot(IReadOnlyList<PolicyDocument> documents, DateOnly asOf, IReadOnlyDictionary<string, decimal> overrides)
    {
        // Least specific first, so a county's own value replaces its city's.
        foreach (var document in documents.Reverse())
        {
            foreach (var (key, values) in document.Parameters)
            {
                var value = values.FirstOrDefault(v => v.Validity.Contains(asOf));
                if (value is not null)
                {
                    _values[key] = new ResolvedParameter(key, value.Value, value.Clause, document.Document, value.Assumed, false);
                }
            }
        }
        foreach (var (key, value) in overrides)
        {
            var clause = _values.TryGetValue(key, out var shipped) ? shipped.Clause : "deployment";
            var doc = shipped?.Document ?? "deployment";
            _values[key] = new ResolvedParameter(key, value, clause, doc, false, true);
        }
    }

    public IEnumerable<ResolvedParameter> All => _values.Values;

    public ResolvedParameter? Find(string key) => _values.GetValueOrDefault(key);

    /// <summary>A value the rule cannot do without: missing is a defect of the parameter files, not zero.</summary>
    public decimal Required(string key) =>
        _values.TryGetValue(key, out var p) && p.Value is { } v
            ? v
            : throw new PolicyNotInForceException($"parameter '{key}' has no value here");

    public decimal? Optional(string key) => _values.TryGetValue(key, out var p) ? p.Value : null;

    public Money Money(string key) => new(Required(key));
    public Rate Rate(string key) => new(Required(key));
    public string Clause(string key) => _values.TryGetValue(key, out var p) ? $"{p.Document} {p.Clause}".Trim() : key;
}

/// <summary>A computation asked for a region or date that no policy covers (Catala: refused, never zero).</summary>
public sealed class PolicyNotInForceException(string message) : Exception(message);
