using System.Globalization;

namespace Gongji.Cli;

/// <summary>Command-line words: positional arguments, <c>--name value</c> options (repeatable) and flags.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static Options Parse(string[] args, params string[] flagNames)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var name = a[2..];
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    options.Add(name[..eq], name[(eq + 1)..]);
                }
                else if (flagNames.Contains(name))
                {
                    options._flags.Add(name);
                }
                else if (i + 1 < args.Length)
                {
                    options.Add(name, args[++i]);
                }
                else
                {
                    throw new UsageException($"--{name} needs a value");
                }
            }
            else
            {
                options.Positional.Add(a);
            }
        }
        return options;
    }

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
        }
        list.Add(value);
    }

    public bool Flag(string name) => _flags.Contains(name);
    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public int Int(string name, int fallback)
    {
        var v = Get(name);
        if (v is null)
        {
            return fallback;
        }
        return int.TryParse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new UsageException($"--{name} '{v}' is not a whole number");
    }

    /// <summary>A whole number of at least <paramref name="min"/> (a count of people, say).</summary>
    public int Int(string name, int fallback, int min)
    {
        var i = Int(name, fallback);
        return i >= min ? i : throw new UsageException($"--{name} {i} is less than {min}");
    }

    /// <summary><c>--param key=value</c>, repeatable: deployment parameters (cases.md).</summary>
    public Dictionary<string, decimal> Parameters()
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var p in All("param"))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !decimal.TryParse(p[(eq + 1)..], NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
            {
                throw new UsageException($"--param '{p}': write it as name=number, e.g. special_assistance.threshold=20000");
            }
            result[p[..eq]] = value;
        }
        return result;
    }
}

internal sealed class UsageException(string message) : Exception(message);
