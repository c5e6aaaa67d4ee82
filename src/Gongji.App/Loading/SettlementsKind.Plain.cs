using System.Text;
using Gongji.Engine.Model;

namespace Gongji.Loading;

public sealed partial class SettlementsKind
{
    public override PlainRowParser PlainParser(RowReader header) => new PlainSettlements(header);

    /// <summary>
    /// <see cref="Parse"/>'s checks on a row's bytes, in the same order of values. Kept beside it on
    /// purpose: a check added there must be added here, or here refuse the row (PlainRowParserTests
    /// compares the two on every row of the demo file and on rows made to fail each check).
    /// </summary>
    private sealed class PlainSettlements : PlainRowParser
    {
        private readonly int _setlId, _psnNo, _setlTime, _medType, _sum, _fulamt, _overlmt, _preself, _scope, _fundSum, _psnPart,
            _acctPay, _cashPay, _reversal, _init, _referral, _exclusion, _mdtrtId, _certno, _insutype, _insuAdmdvs, _fixmedinsCode,
            _fixmedinsName, _hospLv, _begndate, _enddate, _diseNo, _diseName;
        private readonly int[] _funds;

        public PlainSettlements(RowReader header)
        {
            _setlId = header.ColumnIndex("setl_id");
            _psnNo = header.ColumnIndex("psn_no");
            _setlTime = header.ColumnIndex("setl_time");
            _medType = header.ColumnIndex("med_type");
            _sum = header.ColumnIndex("medfee_sumamt");
            _fulamt = header.ColumnIndex("fulamt_ownpay_amt");
            _overlmt = header.ColumnIndex("overlmt_selfpay");
            _preself = header.ColumnIndex("preselfpay_amt");
            _funds = FundFields.Select(header.ColumnIndex).ToArray();
            _scope = header.ColumnIndex("inscp_scp_amt");
            _fundSum = header.ColumnIndex("fund_pay_sumamt");
            _psnPart = header.ColumnIndex("psn_part_amt");
            _acctPay = header.ColumnIndex("acct_pay");
            _cashPay = header.ColumnIndex("psn_cash_pay");
            _reversal = header.ColumnIndex("refd_setl_flag");
            _init = header.ColumnIndex("init_setl_id");
            _referral = header.ColumnIndex("referral_compliant");
            _exclusion = header.ColumnIndex("exclusion");
            _mdtrtId = header.ColumnIndex("mdtrt_id");
            _certno = header.ColumnIndex("certno");
            _insutype = header.ColumnIndex("insutype");
            _insuAdmdvs = header.ColumnIndex("insu_admdvs");
            _fixmedinsCode = header.ColumnIndex("fixmedins_code");
            _fixmedinsName = header.ColumnIndex("fixmedins_name");
            _hospLv = header.ColumnIndex("hosp_lv");
            _begndate = header.ColumnIndex("begndate");
            _enddate = header.ColumnIndex("enddate");
            _diseNo = header.ColumnIndex("dise_no");
            _diseName = header.ColumnIndex("dise_name");
        }

        public override bool TryParse(RowReader row, LoadContext context, RowBatch batch)
        {
            if (!row.IsPlainLine || !TryParseRow(row, context, batch))
            {
                batch.AbandonRow();
                return false;
            }
            batch.EndRow();
            return true;
        }

        private bool TryParseRow(RowReader row, LoadContext context, RowBatch batch)
        {
            var id = row.Cell(_setlId);
            var psn = row.Cell(_psnNo);
            // A person named by ID number alone is looked up by the general path.
            if (id.IsEmpty || !IsPlainText(id) || psn.IsEmpty || !IsPlainText(psn) || !IsKnownPerson(psn, context)
                || !RowReader.TryIsoTimestamp(row.Cell(_setlTime), out var time))
            {
                return false;
            }
            var medType = row.Cell(_medType);
            if (medType.IsEmpty || !IsPlainText(medType) || !TryFlag(row.Cell(_reversal), false, out var reversal))
            {
                return false;
            }
            var negativeAllowed = reversal; // amounts not negative, except on a reversal (data.md)
            if (!TryFen(row.Cell(_sum), true, negativeAllowed, out var sum) || !TryFen(row.Cell(_fulamt), true, negativeAllowed, out var fulamt)
                || !TryFen(row.Cell(_overlmt), true, negativeAllowed, out var overlmt) || !TryFen(row.Cell(_preself), true, negativeAllowed, out var preself))
            {
                return false;
            }
            Span<long> funds = stackalloc long[FundFields.Length];
            long computedFunds = 0;
            for (var f = 0; f < funds.Length; f++)
            {
                if (!TryFen(row.Cell(_funds[f]), f == 0, negativeAllowed, out var fund))
                {
                    return false;
                }
                funds[f] = fund ?? 0;
                computedFunds += funds[f];
            }
            if (!TryFen(row.Cell(_scope), false, negativeAllowed, out var scope))
            {
                return false;
            }
            scope ??= sum - fulamt - overlmt - preself;
            if (reversal ? scope < sum : scope > sum)
            {
                return false;
            }
            if (!TryFen(row.Cell(_fundSum), false, negativeAllowed, out var fundSum) || (fundSum is { } fs && fs != computedFunds))
            {
                return false;
            }
            if (!TryFen(row.Cell(_psnPart), false, negativeAllowed, out var psnPart) || (psnPart is { } pp && pp != sum - (fundSum ?? computedFunds)))
            {
                return false;
            }
            var init = row.Cell(_init);
            if (!IsPlainText(init) || (reversal && init.IsEmpty))
            {
                return false;
            }
            var exclusionCell = row.Cell(_exclusion);
            var exclusion = Exclusion.None;
            if (!IsPlainText(exclusionCell) || (!exclusionCell.IsEmpty && !MedTypes.TryParseExclusion(exclusionCell, out exclusion)))
            {
                return false;
            }
            // An ID number is kept as given unless it is 15 or 18 characters, which are normalised:
            // only one already normal passes here.
            var certno = row.Cell(_certno);
            if (!IsPlainText(certno) || !Ascii.IsValid(certno) || certno.Length == 15 || (certno.Length == 18 && !CertNumbers.IsNormalised(certno)))
            {
                return false;
            }
            var division = row.Cell(_insuAdmdvs);
            if (!division.IsEmpty && (division.Length != 6 || division.ContainsAnyExceptInRange((byte)'0', (byte)'9')))
            {
                return false;
            }
            if (!TryFen(row.Cell(_acctPay), false, true, out var acctPay) || !TryFen(row.Cell(_cashPay), false, true, out var cashPay)
                || !TryFlag(row.Cell(_referral), true, out var referral)
                || !TryDate(row.Cell(_begndate), out var begndate) || !TryDate(row.Cell(_enddate), out var enddate))
            {
                return false;
            }

            batch.Text(id);
            batch.Text(psn);
            batch.Time(time);
            batch.Number(time.Year);
            batch.Text(medType);
            batch.Number(sum);
            batch.Number(fulamt);
            batch.Number(overlmt);
            batch.Number(preself);
            batch.Number(scope);
            foreach (var fund in funds)
            {
                batch.Number(fund);
            }
            batch.Number(fundSum);
            batch.Number(psnPart);
            batch.Number(acctPay);
            batch.Number(cashPay);
            batch.Flag(reversal);
            TryText(init, batch);
            batch.Flag(referral);
            batch.Text(exclusion.Id());
            if (!TryText(row.Cell(_mdtrtId), batch))
            {
                return false;
            }
            TryText(certno, batch);
            if (!TryText(row.Cell(_insutype), batch))
            {
                return false;
            }
            TryText(division, batch);
            if (!TryText(row.Cell(_fixmedinsCode), batch) || !TryText(row.Cell(_fixmedinsName), batch) || !TryText(row.Cell(_hospLv), batch))
            {
                return false;
            }
            batch.Date(begndate);
            batch.Date(enddate);
            if (!TryText(row.Cell(_diseNo), batch) || !TryText(row.Cell(_diseName), batch))
            {
                return false;
            }
            // Last, once nothing else can refuse the row: the general path would find the key taken.
            return context.SeenKeys.Add(Encoding.UTF8.GetString(id));
        }

        private static bool IsKnownPerson(ReadOnlySpan<byte> psn, LoadContext context)
        {
            if (psn.Length > 64 || !Ascii.IsValid(psn) || !context.KnownPersons.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup))
            {
                return false;
            }
            Span<char> chars = stackalloc char[psn.Length];
            Ascii.ToUtf16(psn, chars, out _);
            return lookup.Contains(chars);
        }
    }
}
