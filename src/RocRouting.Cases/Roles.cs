namespace RocRouting.Cases;

/// <summary>The roles a token may carry (claim <see cref="Claims.Role"/>).</summary>
public static class Roles
{
    public const string PoliceOfficer = "police-officer";
    public const string SocialjourStaff = "socialjour-staff";
    public const string MunicipalityStaff = "municipality-staff";
    public const string Operator = "operator";
    public const string Auditor = "auditor";

    /// <summary>Every role, in the precedence that decides access when a token carries more than one.</summary>
    public static IReadOnlyList<string> All { get; } = [PoliceOfficer, SocialjourStaff, MunicipalityStaff, Operator, Auditor];
}

/// <summary>The claim names the service reads, as issued (not mapped to the long WS-* URIs).</summary>
public static class Claims
{
    public const string Subject = "sub";
    public const string Role = "role";

    /// <summary>A police officer's unit: officers of the submitting unit follow its cases.</summary>
    public const string Unit = "unit";

    /// <summary>A municipality's staff: its official 4-digit code.</summary>
    public const string Municipality = "municipality";

    /// <summary>Socialjour staff: the id of their social emergency service (the default service when absent).</summary>
    public const string Service = "service";
}
