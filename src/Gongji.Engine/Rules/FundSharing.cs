namespace Gongji.Engine.Rules;

/// <summary>
/// How a fund shares out money it cannot fully cover (issue #5). Pro rata: every amount scaled by
/// budget/total and rounded down to the fen, so the total never exceeds the budget (基金总额用完即止,
/// rules.md Shengzhou). First come, first served: in application order, each paid in full while money
/// lasts, the one that crosses the line paid what is left (the rest waits for next year's money).
/// </summary>
public static class FundSharing
{
    public static long[] ProRata(IReadOnlyList<long> dueFen, long budgetFen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetFen);
        var total = dueFen.Sum();
        if (total <= budgetFen)
        {
            return [.. dueFen];
        }
        return dueFen.Select(d => (long)((Int128)d * budgetFen / total)).ToArray();
    }

    public static long[] FirstCome(IReadOnlyList<long> dueFenInOrder, long budgetFen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetFen);
        var left = budgetFen;
        var granted = new long[dueFenInOrder.Count];
        for (var i = 0; i < granted.Length; i++)
        {
            granted[i] = Math.Min(dueFenInOrder[i], left);
            left -= granted[i];
        }
        return granted;
    }
}
