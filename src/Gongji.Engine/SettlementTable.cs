using System.Runtime.CompilerServices;
using System.Text;
using Gongji.Engine.Model;

namespace Gongji.Engine;

/// <summary>
/// Settlements as columns (struct of arrays): what the engine reads of tens of millions of them
/// without an object per row. Amounts are whole fen, kept in 32 bits: a city-year's columns are then
/// 36 bytes a row smaller. A row with an amount beyond ±21,474,836.47 yuan keeps its amounts whole
/// beside the columns (<see cref="WideFlag"/>); the accessors read either. setl_id is kept as UTF-8
/// bytes in one pool. Built from <see cref="Settlement"/> records, or filled in parallel by a fast
/// file reader (<see cref="ForFill(int)"/>).
/// </summary>
public sealed class SettlementTable
{
    private readonly List<string> _psnNos = [];
    private Dictionary<string, int>? _psnIndex;
    private readonly List<string> _medTypes = [];
    private readonly Dictionary<string, short> _medTypeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _initSetlIds = [];
    private Settlement[]? _originals;
    private byte[] _idPool;
    private int _idPoolLength;

    // Amounts in fen, in the column order of Set; a wide row's are in _wide (theirs hold 0).
    private int[] _sum, _scope, _hifp, _hifmi, _hifob, _cvlserv, _hifes, _oth, _maf;
    private readonly Dictionary<int, long[]> _wide = [];
    private bool _anyWide;

    public SettlementTable(int capacity = 1024) : this(capacity, Math.Max(capacity, 16) * 20)
    {
    }

    private SettlementTable(int capacity, int idPoolCapacity)
    {
        capacity = Math.Max(capacity, 16);
        Person = new int[capacity];
        Time = new long[capacity];
        MedType = new short[capacity];
        Flags = new byte[capacity];
        IdStart = new int[capacity];
        IdLength = new byte[capacity];
        _sum = new int[capacity];
        _scope = new int[capacity];
        _hifp = new int[capacity];
        _hifmi = new int[capacity];
        _hifob = new int[capacity];
        _cvlserv = new int[capacity];
        _hifes = new int[capacity];
        _oth = new int[capacity];
        _maf = new int[capacity];
        _idPool = new byte[idPoolCapacity];
    }

    public const byte ReversalFlag = 1;
    public const byte ExcludedFlag = 2;

    /// <summary>The row's amounts do not fit in 32 bits of fen: they are kept whole beside the columns.</summary>
    public const byte WideFlag = 4;

    public int Count { get; private set; }

    /// <summary>Index into <see cref="PsnNos"/>.</summary>
    public int[] Person { get; private set; }

    /// <summary>setl_time in ticks.</summary>
    public long[] Time { get; private set; }

    public short[] MedType { get; private set; }

    /// <summary><see cref="ReversalFlag"/>; <see cref="ExcludedFlag"/>: not referral-compliant or excluded (rules.md).</summary>
    public byte[] Flags { get; private set; }

    public int[] IdStart { get; private set; }
    public byte[] IdLength { get; private set; }

    /// <summary>medfee_sumamt in fen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Sum(int row) => _anyWide ? Amount(row, 0, _sum) : _sum[row];

    /// <summary>inscp_scp_amt in fen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Scope(int row) => _anyWide ? Amount(row, 1, _scope) : _scope[row];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Hifp(int row) => _anyWide ? Amount(row, 2, _hifp) : _hifp[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Hifmi(int row) => _anyWide ? Amount(row, 3, _hifmi) : _hifmi[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Hifob(int row) => _anyWide ? Amount(row, 4, _hifob) : _hifob[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Cvlserv(int row) => _anyWide ? Amount(row, 5, _cvlserv) : _cvlserv[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Hifes(int row) => _anyWide ? Amount(row, 6, _hifes) : _hifes[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Oth(int row) => _anyWide ? Amount(row, 7, _oth) : _oth[row];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Maf(int row) => _anyWide ? Amount(row, 8, _maf) : _maf[row];

    private bool IsWide(int row) => (Flags[row] & WideFlag) != 0;

    // Off the accessors' path, so that they stay small enough to be inlined into the engine's loops.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long Amount(int row, int column, int[] narrow) => IsWide(row) ? _wide[row][column] : narrow[row];

    private IReadOnlyList<int[]> AmountColumns => [_sum, _scope, _hifp, _hifmi, _hifob, _cvlserv, _hifes, _oth, _maf];

    /// <summary>Every column, for advice to the memory manager on their pages (<c>HugePages</c>).</summary>
    public IReadOnlyList<Array> Columns => [Person, Time, MedType, Flags, IdStart, IdLength, .. AmountColumns];

    public IReadOnlyList<string> PsnNos => _psnNos;
    public IReadOnlyList<string> MedTypes => _medTypes;

    /// <summary>The class of each med_type code of <see cref="MedTypes"/>.</summary>
    public MedClass ClassOf(short medType) => Model.MedTypes.Classify(_medTypes[medType]);

    public int PersonIndex(string psnNo)
    {
        _psnIndex ??= _psnNos.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
        if (!_psnIndex.TryGetValue(psnNo, out var i))
        {
            i = _psnNos.Count;
            _psnNos.Add(psnNo);
            _psnIndex[psnNo] = i;
        }
        return i;
    }

    /// <summary>The index of a med_type code; safe to call from the parts of a parallel fill.</summary>
    public short MedTypeIndex(string code)
    {
        lock (_medTypeIndex)
        {
            if (!_medTypeIndex.TryGetValue(code, out var i))
            {
                i = checked((short)_medTypes.Count);
                _medTypes.Add(code);
                _medTypeIndex[code] = i;
            }
            return i;
        }
    }

    /// <summary>
    /// A table whose rows a reader of file parts writes in parallel, each part at its own places
    /// (<see cref="Set"/>), then closes the gaps (<see cref="MoveRows"/>) and seals it. Persons are the
    /// registry's, numbered up front (<see cref="NumberPersons"/>) before any row, so the parts need not
    /// agree on them; the columns can be made before the persons are known.
    /// </summary>
    // The fill brings its own pool of setl_ids (Seal).
    public static SettlementTable ForFill(int capacity) => new(capacity, 0);

    /// <summary>Numbers the persons of a table made by <see cref="ForFill(int)"/>, before any row is written.</summary>
    public void NumberPersons(IEnumerable<string> psnNos)
    {
        if (_psnNos.Count > 0 || Count > 0)
        {
            throw new InvalidOperationException("the persons of a table are numbered once, before its rows");
        }
        _psnNos.AddRange(psnNos);
    }

    /// <summary>Writes one row of a parallel fill; its setl_id bytes are at <paramref name="idStart"/> of the part's own pool until <see cref="Seal"/>.</summary>
    // Inlined into the file readers' row loops: sixteen arguments a call cost more than the stores.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int row, int idStart, int idLength, int person, long ticks, short medType, byte flags,
        long sum, long scope, long hifp, long hifmi, long hifob, long cvlserv, long hifes, long oth, long maf)
    {
        IdStart[row] = idStart;
        IdLength[row] = checked((byte)idLength);
        Person[row] = person;
        Time[row] = ticks;
        MedType[row] = medType;
        if (sum == (int)sum && scope == (int)scope && hifp == (int)hifp && hifmi == (int)hifmi && hifob == (int)hifob
            && cvlserv == (int)cvlserv && hifes == (int)hifes && oth == (int)oth && maf == (int)maf)
        {
            // The flag decides which amounts are read: a wide entry left from an earlier write of the row is never read.
            Flags[row] = (byte)(flags & ~WideFlag);
            _sum[row] = (int)sum;
            _scope[row] = (int)scope;
            _hifp[row] = (int)hifp;
            _hifmi[row] = (int)hifmi;
            _hifob[row] = (int)hifob;
            _cvlserv[row] = (int)cvlserv;
            _hifes[row] = (int)hifes;
            _oth[row] = (int)oth;
            _maf[row] = (int)maf;
            return;
        }
        SetWide(row, flags, [sum, scope, hifp, hifmi, hifob, cvlserv, hifes, oth, maf]);
    }

    // Over 21 million yuan: rare enough to keep aside; the parts of a parallel fill may meet here at once.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SetWide(int row, byte flags, long[] amounts)
    {
        Flags[row] = (byte)(flags | WideFlag);
        _sum[row] = _scope[row] = _hifp[row] = _hifmi[row] = _hifob[row] = _cvlserv[row] = _hifes[row] = _oth[row] = _maf[row] = 0;
        lock (_wide)
        {
            _wide[row] = amounts;
            _anyWide = true;
        }
    }

    /// <summary>Moves <paramref name="count"/> rows from <paramref name="from"/> down to <paramref name="to"/>, their setl_id offsets shifted by <paramref name="idShift"/>.</summary>
    public void MoveRows(int from, int to, int count, int idShift)
    {
        if (from != to)
        {
            Array.Copy(Person, from, Person, to, count);
            Array.Copy(Time, from, Time, to, count);
            Array.Copy(MedType, from, MedType, to, count);
            Array.Copy(Flags, from, Flags, to, count);
            Array.Copy(IdStart, from, IdStart, to, count);
            Array.Copy(IdLength, from, IdLength, to, count);
            foreach (var column in AmountColumns)
            {
                Array.Copy(column, from, column, to, count);
            }
            if (_anyWide)
            {
                var moved = _wide.Where(w => w.Key >= from && w.Key < from + count).ToList();
                foreach (var (row, _) in moved)
                {
                    _wide.Remove(row);
                }
                foreach (var (row, amounts) in moved)
                {
                    _wide[row - from + to] = amounts;
                }
            }
        }
        if (idShift != 0)
        {
            var ids = IdStart.AsSpan(to, count);
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] += idShift;
            }
        }
    }

    /// <summary>Ends a parallel fill: the first <paramref name="count"/> rows hold data, their setl_ids in <paramref name="idPool"/>.</summary>
    public void Seal(int count, byte[] idPool, int idPoolLength, IEnumerable<KeyValuePair<int, string>> initSetlIds)
    {
        Count = count;
        _idPool = idPool;
        _idPoolLength = idPoolLength;
        foreach (var (row, init) in initSetlIds)
        {
            _initSetlIds[row] = init;
        }
    }

    public ReadOnlySpan<byte> IdBytes(int row) => _idPool.AsSpan(IdStart[row], IdLength[row]);

    public string SetlId(int row) => Encoding.UTF8.GetString(IdBytes(row));

    public string? InitSetlId(int row) => _initSetlIds.GetValueOrDefault(row);

    /// <summary>Ordinal order of setl_id (ASCII ids: the same as string ordinal order).</summary>
    public int CompareIds(int a, int b) => IdBytes(a).SequenceCompareTo(IdBytes(b));

    public int Add(ReadOnlySpan<byte> setlId, int person, long ticks, short medType, byte flags, string? initSetlId,
        long sum, long scope, long hifp, long hifmi, long hifob, long cvlserv, long hifes, long oth, long maf)
    {
        if (setlId.Length > 255)
        {
            throw new ArgumentException("a setl_id is longer than 255 bytes", nameof(setlId));
        }
        var row = Count;
        if (row == Person.Length)
        {
            Grow();
        }
        if (_idPoolLength + setlId.Length > _idPool.Length)
        {
            Array.Resize(ref _idPool, Math.Max(_idPool.Length * 2, _idPoolLength + setlId.Length));
        }
        setlId.CopyTo(_idPool.AsSpan(_idPoolLength));
        Set(row, _idPoolLength, setlId.Length, person, ticks, medType, flags, sum, scope, hifp, hifmi, hifob, cvlserv, hifes, oth, maf);
        _idPoolLength += setlId.Length;
        if (initSetlId is not null)
        {
            _initSetlIds[row] = initSetlId;
        }
        Count = row + 1;
        return row;
    }

    private void Grow()
    {
        var size = (int)Math.Min(int.MaxValue / 2, (long)Person.Length * 3 / 2);
        Person = Resize(Person, size);
        Time = Resize(Time, size);
        MedType = Resize(MedType, size);
        Flags = Resize(Flags, size);
        IdStart = Resize(IdStart, size);
        IdLength = Resize(IdLength, size);
        _sum = Resize(_sum, size);
        _scope = Resize(_scope, size);
        _hifp = Resize(_hifp, size);
        _hifmi = Resize(_hifmi, size);
        _hifob = Resize(_hifob, size);
        _cvlserv = Resize(_cvlserv, size);
        _hifes = Resize(_hifes, size);
        _oth = Resize(_oth, size);
        _maf = Resize(_maf, size);
    }

    private static T[] Resize<T>(T[] array, int size)
    {
        Array.Resize(ref array, size);
        return array;
    }

    public static SettlementTable From(IReadOnlyList<Settlement> settlements)
    {
        var table = new SettlementTable(settlements.Count);
        foreach (var s in settlements)
        {
            var flags = (byte)((s.IsReversal ? ReversalFlag : 0) | (s.EntersComputedTiers ? 0 : ExcludedFlag));
            table.Add(Encoding.UTF8.GetBytes(s.SetlId), table.PersonIndex(s.PsnNo), s.SetlTime.Ticks, table.MedTypeIndex(s.MedType), flags,
                s.IsReversal ? s.InitSetlId : null, s.MedfeeSumamt.Fen, s.InscpScpAmt.Fen, s.HifpPay.Fen, s.HifmiPay.Fen, s.HifobPay.Fen,
                s.CvlservPay.Fen, s.HifesPay.Fen, s.OthPay.Fen, s.MafPay.Fen);
        }
        table._originals = settlements as Settlement[] ?? [.. settlements];
        return table;
    }

    /// <summary>The settlement of a row: the record it was built from, or one made from the columns.</summary>
    public Settlement Get(int row) => _originals is { } originals ? originals[row] : new Settlement
    {
        SetlId = SetlId(row),
        PsnNo = _psnNos[Person[row]],
        SetlTime = new DateTime(Time[row]),
        MedType = _medTypes[MedType[row]],
        MedfeeSumamt = Money.FromFen(Sum(row)),
        InscpScpAmt = Money.FromFen(Scope(row)),
        HifpPay = Money.FromFen(Hifp(row)),
        HifmiPay = Money.FromFen(Hifmi(row)),
        HifobPay = Money.FromFen(Hifob(row)),
        CvlservPay = Money.FromFen(Cvlserv(row)),
        HifesPay = Money.FromFen(Hifes(row)),
        OthPay = Money.FromFen(Oth(row)),
        MafPay = Money.FromFen(Maf(row)),
        IsReversal = (Flags[row] & ReversalFlag) != 0,
        InitSetlId = InitSetlId(row),
        ReferralCompliant = (Flags[row] & ExcludedFlag) == 0,
        Exclusion = Exclusion.None,
    };

    /// <summary>The insurance funds' part of a row: basic, critical illness, large-sum, civil-servant, enterprise and other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Funds(int row) => _anyWide
        ? WideFunds(row)
        : (long)_hifp[row] + _hifmi[row] + _hifob[row] + _cvlserv[row] + _hifes[row] + _oth[row];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long WideFunds(int row) => Hifp(row) + Hifmi(row) + Hifob(row) + Cvlserv(row) + Hifes(row) + Oth(row);

    public long Fund(int row, Payer payer) => payer switch
    {
        Payer.Basic => Hifp(row),
        Payer.Critical => Hifmi(row),
        Payer.LargeSum => Hifob(row),
        Payer.CivilServant => Cvlserv(row),
        Payer.Enterprise => Hifes(row),
        Payer.OtherFund => Oth(row),
        _ => throw new ArgumentOutOfRangeException(nameof(payer), payer, "not an insurance fund of the settlement"),
    };
}
