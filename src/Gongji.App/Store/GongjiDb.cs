using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Gongji.Store;

/// <summary>The store, used directly by the features (no repository layer). Schema: Store/Migrations.</summary>
public sealed class GongjiDb(DbContextOptions<GongjiDb> options) : DbContext(options)
{
    public DbSet<LoadBatch> LoadBatches => Set<LoadBatch>();
    public DbSet<HouseholdRow> Households => Set<HouseholdRow>();
    public DbSet<PersonRow> Persons => Set<PersonRow>();
    public DbSet<IdentityRow> Identities => Set<IdentityRow>();
    public DbSet<EnrolmentRow> Enrolments => Set<EnrolmentRow>();
    public DbSet<SettlementRow> Settlements => Set<SettlementRow>();
    public DbSet<SettlementHistoryRow> SettlementHistory => Set<SettlementHistoryRow>();
    public DbSet<AidRow> Aids => Set<AidRow>();
    public DbSet<FeeDetailRow> FeeDetails => Set<FeeDetailRow>();
    public DbSet<IdentityCodeMapping> IdentityCodeMap => Set<IdentityCodeMapping>();
    public DbSet<RunRow> Runs => Set<RunRow>();
    public DbSet<DeploymentParameterRow> DeploymentParameters => Set<DeploymentParameterRow>();
    public DbSet<RiskPoolRow> RiskPool => Set<RiskPoolRow>();
    public DbSet<AccountRow> Accounts => Set<AccountRow>();
    public DbSet<HospitalKeyRow> HospitalKeys => Set<HospitalKeyRow>();
    public DbSet<AuditRow> AuditLog => Set<AuditRow>();
    public DbSet<WarningCaseRow> WarningCases => Set<WarningCaseRow>();
    public DbSet<WarningStepRow> WarningSteps => Set<WarningStepRow>();
    public DbSet<FundRow> Funds => Set<FundRow>();
    public DbSet<LedgerEntryRow> LedgerEntries => Set<LedgerEntryRow>();
    public DbSet<LedgerPostingRow> LedgerPostings => Set<LedgerPostingRow>();
    public DbSet<ApplicationRow> Applications => Set<ApplicationRow>();
    public DbSet<ApplicationStepRow> ApplicationSteps => Set<ApplicationStepRow>();
    public DbSet<ObjectionRow> Objections => Set<ObjectionRow>();
    public DbSet<PaymentRow> Payments => Set<PaymentRow>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<LoadBatch>().ToTable("load_batches").HasKey(x => x.Id);
        b.Entity<HouseholdRow>().ToTable("households").HasKey(x => x.HouseholdId);
        b.Entity<PersonRow>().ToTable("persons").HasKey(x => x.PsnNo);
        b.Entity<IdentityRow>().ToTable("identities").HasKey(x => new { x.PsnNo, x.IdetType, x.Begntime, x.Source });
        b.Entity<EnrolmentRow>().ToTable("enrolments").HasKey(x => new { x.PsnNo, x.Insutype, x.Begndate });
        b.Entity<SettlementRow>().ToTable("settlements").HasKey(x => x.SetlId);
        b.Entity<SettlementHistoryRow>().ToTable("settlement_history").HasNoKey();
        b.Entity<AidRow>().ToTable("aids").HasKey(x => new { x.Payer, x.VoucherNo });
        b.Entity<FeeDetailRow>().ToTable("fee_details").HasKey(x => new { x.SetlId, x.FeedetlSn });
        b.Entity<IdentityCodeMapping>().ToTable("identity_code_map").HasKey(x => x.RawCode);
        b.Entity<RunRow>().ToTable("runs").HasKey(x => x.Id);
        b.Entity<DeploymentParameterRow>().ToTable("deployment_parameters").HasKey(x => x.Id);
        b.Entity<RiskPoolRow>().ToTable("risk_pool").HasKey(x => x.Id);
        b.Entity<AccountRow>().ToTable("accounts").HasKey(x => x.Id);
        b.Entity<HospitalKeyRow>().ToTable("hospital_keys").HasKey(x => x.Id);
        b.Entity<AuditRow>().ToTable("audit_log").HasKey(x => x.Id);
        b.Entity<WarningCaseRow>().ToTable("warning_cases").HasKey(x => x.Id);
        b.Entity<WarningStepRow>().ToTable("warning_steps").HasKey(x => x.Id);
        b.Entity<FundRow>().ToTable("funds").HasKey(x => x.Id);
        b.Entity<LedgerEntryRow>().ToTable("ledger_entries").HasKey(x => x.Id);
        b.Entity<LedgerPostingRow>().ToTable("ledger_postings").HasKey(x => x.Id);
        b.Entity<ApplicationRow>().ToTable("applications").HasKey(x => x.Id);
        b.Entity<ApplicationStepRow>().ToTable("application_steps").HasKey(x => x.Id);
        b.Entity<ObjectionRow>().ToTable("objections").HasKey(x => x.Id);
        b.Entity<PaymentRow>().ToTable("payments").HasKey(x => x.Id);

        var postgres = Database.IsNpgsql();
        foreach (var entity in b.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
                if (postgres && property.ClrType == typeof(DateTime))
                {
                    property.SetColumnType("timestamp without time zone");
                }
                if (postgres && property.Name.EndsWith("Json", StringComparison.Ordinal))
                {
                    property.SetColumnType("jsonb");
                }
            }
        }
        if (!postgres)
        {
            // SQLite has no DateTimeOffset ordering; times are stored as ISO text.
            // Times are UTC ISO text, so that text order is time order.
            foreach (var property in b.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
            {
                if (property.ClrType == typeof(DateTimeOffset))
                {
                    property.SetValueConverter(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, string>(
                        v => v.ToUniversalTime().ToString("O"), v => DateTimeOffset.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
                }
                else if (property.ClrType == typeof(DateTimeOffset?))
                {
                    property.SetValueConverter(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset?, string?>(
                        v => v.HasValue ? v.Value.ToUniversalTime().ToString("O") : null, v => v == null ? null : DateTimeOffset.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            // Exact decimal as text on SQLite, which has no decimal type.
            b.Entity<DeploymentParameterRow>().Property(x => x.Value).HasConversion(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture), v => decimal.Parse(v, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                sb.Append('_');
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
