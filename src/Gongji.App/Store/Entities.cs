namespace Gongji.Store;

// The rows of the store, named as the national platform and data.md name them. Money is integer fen.

public sealed class LoadBatch
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public required string FileName { get; set; }
    public required string FileSha256 { get; set; }
    public int RowCount { get; set; }
    public int Inserted { get; set; }
    public int Replaced { get; set; }
    public int Unchanged { get; set; }
    public DateTimeOffset LoadedAt { get; set; }
}

public sealed class HouseholdRow
{
    public required string HouseholdId { get; set; }
    public required string RegionCode { get; set; }
    public string? Category { get; set; }
    public string? HeadCertno { get; set; }
}

public sealed class PersonRow
{
    public required string PsnNo { get; set; }
    public string? Certno { get; set; }
    public string? PsnCertType { get; set; }
    public string? PsnName { get; set; }
    public string? Gend { get; set; }
    public DateOnly? Brdy { get; set; }
    public string? Insutype { get; set; }
    public string? PsnType { get; set; }
    public string? InsuplcAdmdvs { get; set; }
    public string? PsnInsuStas { get; set; }
    public DateOnly? PsnInsuDate { get; set; }
    public string? HouseholdId { get; set; }
    public string? Relation { get; set; }
    public string? HukouAdmdvs { get; set; }
    public DateOnly? InsuredSince { get; set; }
}

public sealed class IdentityRow
{
    public required string PsnNo { get; set; }
    public required string IdetType { get; set; }
    public DateOnly Begntime { get; set; }
    public DateOnly? Endtime { get; set; }
    public int? Level { get; set; }
    public bool IllnessInduced { get; set; }
    public bool GradualExit { get; set; }
    public string? RawCode { get; set; }
    public required string Source { get; set; }
}

public sealed class EnrolmentRow
{
    public required string PsnNo { get; set; }
    public required string Insutype { get; set; }
    public DateOnly Begndate { get; set; }
    public DateOnly? Enddate { get; set; }
    public bool Subsidized { get; set; }
}

public sealed class SettlementRow
{
    public required string SetlId { get; set; }
    public required string PsnNo { get; set; }
    public DateTime SetlTime { get; set; }
    public int SetlYear { get; set; }
    public required string MedType { get; set; }
    public long MedfeeSumamtFen { get; set; }
    public long FulamtOwnpayAmtFen { get; set; }
    public long OverlmtSelfpayFen { get; set; }
    public long PreselfpayAmtFen { get; set; }
    public long InscpScpAmtFen { get; set; }
    public long HifpPayFen { get; set; }
    public long HifmiPayFen { get; set; }
    public long HifobPayFen { get; set; }
    public long CvlservPayFen { get; set; }
    public long HifesPayFen { get; set; }
    public long HifdmPayFen { get; set; }
    public long MafPayFen { get; set; }
    public long OthPayFen { get; set; }
    public long? FundPaySumamtFen { get; set; }
    public long? PsnPartAmtFen { get; set; }
    public long? AcctPayFen { get; set; }
    public long? PsnCashPayFen { get; set; }
    public bool RefdSetlFlag { get; set; }
    public string? InitSetlId { get; set; }
    public bool ReferralCompliant { get; set; }
    public required string Exclusion { get; set; }
    public string? MdtrtId { get; set; }
    public string? Certno { get; set; }
    public string? Insutype { get; set; }
    public string? InsuAdmdvs { get; set; }
    public string? FixmedinsCode { get; set; }
    public string? FixmedinsName { get; set; }
    public string? HospLv { get; set; }
    public DateOnly? Begndate { get; set; }
    public DateOnly? Enddate { get; set; }
    public string? DiseNo { get; set; }
    public string? DiseName { get; set; }
    public long BatchId { get; set; }
    public int Version { get; set; }
}

public sealed class SettlementHistoryRow
{
    public required string SetlId { get; set; }
    public int Version { get; set; }
    public long MedfeeSumamtFen { get; set; }
    public long BatchId { get; set; }
    public long? ReplacedByBatch { get; set; }
}

public sealed class AidRow
{
    public required string Payer { get; set; }
    public required string VoucherNo { get; set; }
    public required string PsnNo { get; set; }
    public long AmountFen { get; set; }
    public DateOnly PayDate { get; set; }
    public int ExpenseYear { get; set; }
    public string? SetlId { get; set; }
}

public sealed class FeeDetailRow
{
    public required string SetlId { get; set; }
    public required string FeedetlSn { get; set; }
    public string? MedListCodg { get; set; }
    public string? MedinsListCodg { get; set; }
    public string? MedChrgitmType { get; set; }
    public string? ChrgitmLv { get; set; }
    public long DetItemFeeSumamtFen { get; set; }
    public long InscpScpAmtFen { get; set; }
}

public sealed class IdentityCodeMapping
{
    public required string RawCode { get; set; }
    public required string IdetType { get; set; }
    public int? Level { get; set; }
    public bool IllnessInduced { get; set; }
    public string? Note { get; set; }
}

public sealed class RunRow
{
    public long Id { get; set; }
    public required string Region { get; set; }
    public int Year { get; set; }
    public required string InputsFingerprint { get; set; }
    public required string ParameterVersion { get; set; }
    public required string ParametersJson { get; set; }
    public long LastBatchId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public required string SummaryJson { get; set; }
}

public sealed class DeploymentParameterRow
{
    public long Id { get; set; }
    public required string Region { get; set; }
    public required string Key { get; set; }
    public int YearFrom { get; set; }
    public int? YearTo { get; set; }
    public decimal Value { get; set; }
    public required string Source { get; set; }
    public required string SetBy { get; set; }
    public DateTimeOffset SetAt { get; set; }
}

public sealed class RiskPoolRow
{
    public long Id { get; set; }
    public required string Region { get; set; }
    public int Year { get; set; }
    public required string PsnNo { get; set; }
    public required string Kind { get; set; }
    public required string MonitoringGroup { get; set; }
    public long BaseFen { get; set; }
    public long LineFen { get; set; }
    public DateTimeOffset EnteredAt { get; set; }
    public long EnteredRun { get; set; }
    public DateTimeOffset? ExitedAt { get; set; }
    public long? ExitedRun { get; set; }
    public string? ExitReason { get; set; }
}

public sealed class AccountRow
{
    public long Id { get; set; }
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    public required string Role { get; set; }
    public required string Region { get; set; }
    public string? Township { get; set; }
    public required string PasswordHash { get; set; }
    public DateTimeOffset PasswordChangedAt { get; set; }
    public string? TotpSecret { get; set; }
    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public bool Disabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

public sealed class HospitalKeyRow
{
    public long Id { get; set; }
    public required string Hospital { get; set; }
    public required string Region { get; set; }
    public required string KeyPrefix { get; set; }
    public required string KeyHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

public sealed class AuditRow
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Role { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public required string Outcome { get; set; }
    public string? Detail { get; set; }
    public string? Address { get; set; }
    public string? Region { get; set; }
}

public sealed class WarningCaseRow
{
    public long Id { get; set; }
    public required string Region { get; set; }
    public int Year { get; set; }
    public required string PsnNo { get; set; }
    public string? HouseholdId { get; set; }
    public string? Township { get; set; }
    public required string Kind { get; set; }
    public required string MonitoringGroup { get; set; }
    public long? BaseFen { get; set; }
    public long? LineFen { get; set; }
    public required string Clause { get; set; }
    public required string State { get; set; }
    public string? Assignee { get; set; }
    public string? Finding { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset StateSince { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public long RunId { get; set; }
}

public sealed class WarningStepRow
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? FromState { get; set; }
    public required string ToState { get; set; }
    public string? Assignee { get; set; }
    public string? Finding { get; set; }
    public string? Note { get; set; }
}

public sealed class FundRow
{
    public long Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public required string Region { get; set; }
    public required string Payer { get; set; }
    public required string Workflow { get; set; }
    public required string Sharing { get; set; }
    public string? FiscalCap { get; set; }
    public int NoticeDays { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class LedgerEntryRow
{
    public long Id { get; set; }
    public long FundId { get; set; }
    public DateTimeOffset At { get; set; }
    public DateOnly ValueDate { get; set; }
    public int FundYear { get; set; }
    public required string Kind { get; set; }
    public string? Source { get; set; }
    public required string Memo { get; set; }
    public required string IdempotencyKey { get; set; }
    public long? ReversesId { get; set; }
    public long? ApplicationId { get; set; }
    public required string CreatedBy { get; set; }
}

public sealed class LedgerPostingRow
{
    public long Id { get; set; }
    public long EntryId { get; set; }
    public long FundId { get; set; }
    public required string Account { get; set; }
    public long AmountFen { get; set; }
}

public sealed class ApplicationRow
{
    public long Id { get; set; }
    public long FundId { get; set; }
    public required string Region { get; set; }
    public string? Township { get; set; }
    public int Year { get; set; }
    public string? PsnNo { get; set; }
    public string? HouseholdId { get; set; }
    public required string Subject { get; set; }
    public DateOnly AppliedOn { get; set; }
    public long ComputedFen { get; set; }
    public long? GrantedFen { get; set; }
    public long PaidFen { get; set; }
    public required string Clause { get; set; }
    public required string State { get; set; }
    public DateTimeOffset StateSince { get; set; }
    public string? PreparedBy { get; set; }
    public DateTimeOffset? NoticeFrom { get; set; }
    public DateTimeOffset? NoticeUntil { get; set; }
    public string? Note { get; set; }
    public int Version { get; set; }
}

public sealed class ApplicationStepRow
{
    public long Id { get; set; }
    public long ApplicationId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? FromState { get; set; }
    public required string ToState { get; set; }
    public long? AmountFen { get; set; }
    public string? Note { get; set; }
}

public sealed class ObjectionRow
{
    public long Id { get; set; }
    public long ApplicationId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string RaisedBy { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public string? Resolution { get; set; }
}

public sealed class PaymentRow
{
    public long Id { get; set; }
    public required string PaymentKey { get; set; }
    public required string Batch { get; set; }
    public long FundId { get; set; }
    public long ApplicationId { get; set; }
    public long AmountFen { get; set; }
    public required string State { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset? SettledAt { get; set; }
    public string? BankRef { get; set; }
    public string? BankMessage { get; set; }
}
