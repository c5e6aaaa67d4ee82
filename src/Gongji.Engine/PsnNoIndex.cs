namespace Gongji.Engine;

/// <summary>
/// Where each psn_no stands in a list of distinct ones. A registry usually comes in psn_no order:
/// then a binary search of the list answers, with no table of a million entries to build; otherwise a table.
/// </summary>
public sealed class PsnNoIndex
{
    private readonly string[]? _sorted;
    private readonly Dictionary<string, int>? _table;

    public PsnNoIndex(IReadOnlyList<string> psnNos)
    {
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
    /// The same, for rows that follow the registry's order (identities, enrolments, aids): the search
    /// starts at the position found before and gallops forward (1, 2, 4 … places), so a row costs the
    /// log of the gap to the one before, not of the whole registry.
    /// </summary>
    public int Find(string psnNo, ref int hint)
    {
        if (_sorted is null || hint < 0 || hint >= _sorted.Length || string.CompareOrdinal(_sorted[hint], psnNo) > 0)
        {
            var found = Find(psnNo);
            if (found >= 0)
            {
                hint = found;
            }
            return found;
        }
        // _sorted[hint] <= psnNo: widen the step until it passes psnNo, then search the last step.
        var low = hint;
        var step = 1;
        while (low + step < _sorted.Length && string.CompareOrdinal(_sorted[low + step], psnNo) <= 0)
        {
            low += step;
            step *= 2;
        }
        var high = Math.Min(_sorted.Length - 1, low + step);
        var at = Array.BinarySearch(_sorted, low, high - low + 1, psnNo, StringComparer.Ordinal);
        if (at < 0)
        {
            return -1;
        }
        return hint = at;
    }
}
