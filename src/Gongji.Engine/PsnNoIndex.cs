namespace Gongji.Engine;

/// <summary>
/// Where each psn_no stands in a list of distinct ones. A registry usually comes in psn_no order:
/// then a binary search of the list answers, with no table of a million entries to build; otherwise a table.
/// </summary>
public sealed class PsnNoIndex
{
    private readonly IReadOnlyList<string> _psnNos;
    private readonly string[]? _sorted;
    private readonly Dictionary<string, int>? _table;

    public PsnNoIndex(IReadOnlyList<string> psnNos)
    {
        _psnNos = psnNos;
        var sorted = true;
        for (var i = 1; i < psnNos.Count && sorted; i++)
        {
            sorted = string.CompareOrdinal(psnNos[i - 1], psnNos[i]) < 0;
        }
        if (sorted)
        {
            _sorted = psnNos as string[] ?? [.. psnNos];
            return;
        }
        _table = new Dictionary<string, int>(psnNos.Count, StringComparer.Ordinal);
        for (var i = 0; i < psnNos.Count; i++)
        {
            _table.TryAdd(psnNos[i], i);
        }
    }

    public int Count => _psnNos.Count;

    /// <summary>The position of <paramref name="psnNo"/>, or -1.</summary>
    public int Find(string psnNo)
    {
        if (_table is not null)
        {
            return _table.TryGetValue(psnNo, out var i) ? i : -1;
        }
        var at = Array.BinarySearch(_sorted!, psnNo, StringComparer.Ordinal);
        return at >= 0 ? at : -1;
    }

    /// <summary>
    /// The same, for rows that follow the registry's order (identities, enrolments): the position found
    /// before and the one after it are tried first.
    /// </summary>
    public int Find(string psnNo, ref int hint)
    {
        if (_sorted is not null)
        {
            for (var at = hint; at <= hint + 1 && at < _sorted.Length; at++)
            {
                if (at >= 0 && string.Equals(_sorted[at], psnNo, StringComparison.Ordinal))
                {
                    return hint = at;
                }
            }
        }
        var found = Find(psnNo);
        if (found >= 0)
        {
            hint = found;
        }
        return found;
    }
}
