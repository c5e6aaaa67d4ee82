using Gongji.Engine.Model;

namespace Gongji.Security;

/// <summary>What a signed-in user may do. Each endpoint asks for one; <see cref="Roles.Allows"/> is the table.</summary>
public enum Permission
{
    ViewAggregates,
    ViewHouseholds,
    RevealPersonalData,
    ViewWarnings,
    ActOnWarnings,
    ViewOutreach,
    ImportData,
    RunYear,
    ManageParameters,
    ViewAudit,
    ManageAccounts,
    IdentityFlag,
    ViewFunds,
    ManageFunds,
    ViewApplications,
    ActOnApplications,
    CreateApplications,
    Pay,
}

/// <summary>
/// The roles of Gongji's users, by department and township (issue #6): 医保局 administrator and analyst,
/// 民政, 慈善总会, the aid-entry roles of the other departments, township staff (their own township only),
/// the auditor (read-only, sees the audit log) and hospitals (the identity-flag API only, by API key).
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Analyst = "analyst";
    public const string Civil = "civil";
    public const string Charity = "charity";
    public const string Disability = "aid_disability";
    public const string Veterans = "aid_veterans";
    public const string Union = "aid_union";
    public const string Health = "aid_health";
    public const string RedCross = "aid_red_cross";
    public const string Township = "township";
    public const string Auditor = "auditor";
    public const string Hospital = "hospital";

    /// <summary>Roles a person signs in with (hospitals use an API key instead).</summary>
    public static readonly IReadOnlyList<string> AccountRoles =
        [Admin, Analyst, Civil, Charity, Disability, Veterans, Union, Health, RedCross, Township, Auditor];

    public static string ChineseName(string role) => role switch
    {
        Admin => "医保局管理员",
        Analyst => "医保局分析员",
        Civil => "民政局",
        Charity => "慈善总会",
        Disability => "残联",
        Veterans => "退役军人事务局",
        Union => "总工会",
        Health => "卫健局",
        RedCross => "红十字会",
        Township => "乡镇(街道)",
        Auditor => "审计员",
        Hospital => "医院",
        _ => role,
    };

    /// <summary>The aid a department's role may enter (aids.csv payer), if any.</summary>
    public static Payer? AidPayer(string role) => role switch
    {
        Civil => Payer.CivilAffairs,
        Charity => Payer.Charity,
        Disability => Payer.Disability,
        Veterans => Payer.Veterans,
        Union => Payer.Union,
        Health => Payer.Health,
        RedCross => Payer.RedCross,
        _ => null,
    };

    private static readonly string[] AidRoles = [Civil, Charity, Disability, Veterans, Union, Health, RedCross];

    /// <summary>The permission table: which roles hold each permission (the region is checked separately).</summary>
    public static IReadOnlyCollection<string> Holding(Permission permission) => permission switch
    {
        Permission.ViewAggregates => [Admin, Analyst, Civil, Charity, Disability, Veterans, Union, Health, RedCross, Township, Auditor],
        Permission.ViewHouseholds => [Admin, Analyst, Civil, Charity, Township, Auditor],
        // Full names and ID numbers: only those who visit or decide (等保: least privilege); each read is audited.
        Permission.RevealPersonalData => [Admin, Civil, Township],
        Permission.ViewWarnings => [Admin, Analyst, Civil, Township, Auditor],
        Permission.ActOnWarnings => [Admin, Civil, Township],
        Permission.ViewOutreach => [Admin, Analyst, Civil, Township],
        Permission.ImportData => [Admin, .. AidRoles],
        Permission.RunYear => [Admin, Analyst],
        Permission.ManageParameters => [Admin],
        Permission.ViewAudit => [Admin, Auditor],
        Permission.ManageAccounts => [Admin],
        Permission.IdentityFlag => [Hospital],
        Permission.ViewFunds => [Admin, Analyst, Civil, Charity, Auditor],
        // Contributions and corrections: the bureau, and the charity federation for the funds it runs.
        Permission.ManageFunds => [Admin, Charity],
        Permission.ViewApplications => [Admin, Analyst, Township, Auditor, .. AidRoles],
        // Each workflow step then names the roles that may take it (Applications/Workflows.cs).
        Permission.ActOnApplications => [Admin, Analyst, Township, .. AidRoles],
        // An application is taken in by the township, or listed by the bureau or civil affairs.
        Permission.CreateApplications => [Admin, Civil, Township],
        Permission.Pay => [Admin],
        _ => [],
    };

    public static bool Allows(string role, Permission permission) => Holding(permission).Contains(role);
}
