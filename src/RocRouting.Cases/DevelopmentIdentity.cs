using System.Security.Claims;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Cases;

/// <summary>A fictitious person of the development sign-in (and of deploy/local/token.sh: the same subjects).</summary>
public sealed record DevelopmentIdentity(string Role, string? Municipality, string? Unit)
{
    public const string DefaultUnit = "Lokal testenhet";

    public string Subject => $"local-{Role}{(Municipality is null ? "" : "-" + Municipality)}";

    public static IReadOnlyList<DevelopmentIdentity> All { get; } =
    [
        new(Roles.PoliceOfficer, null, DefaultUnit),
        new(Roles.SocialjourStaff, null, null),
        new(Roles.MunicipalityStaff, "0138", null),
        new(Roles.MunicipalityStaff, "0180", null),
        new(Roles.MunicipalityStaff, "0127", null),
        new(Roles.Operator, null, null),
        new(Roles.Auditor, null, null),
    ];

    /// <summary>
    /// In Development, an organisation without a roster of its own has every development identity of
    /// it on duty at all times, in both roles, so that deploy/local/run.sh reaches people with no set-up.
    /// </summary>
    public static DutyRoster RosterOf(string organisation, string defaultServiceId, TimeZoneInfo zone) => new(
        [.. All.Where(i => i.OrganisationOf(defaultServiceId) == organisation)
            .SelectMany(i => new[] { DutyRole.FirstResponder, DutyRole.ShiftLead }.Select(role => new WeeklyDuty(i.Subject, role, DutyDays.EveryDay, TimeOnly.MinValue, TimeOnly.MinValue)))],
        [],
        zone);

    /// <summary>The roster organisation the identity belongs to, if any (socialjour staff: the default service, as their token has no service claim).</summary>
    public string? OrganisationOf(string defaultServiceId) => Role switch
    {
        Roles.SocialjourStaff => Recipient.SocialEmergencyService(defaultServiceId).ToString(),
        Roles.MunicipalityStaff => Recipient.HomeMunicipality(Municipality!).ToString(),
        Roles.Operator => RosterOrganisations.Operators,
        _ => null,
    };

    public ClaimsPrincipal Principal()
    {
        var claims = new List<Claim> { new(Claims.Subject, Subject), new(Claims.Role, Role) };
        if (Municipality is not null)
        {
            claims.Add(new(Claims.Municipality, Municipality));
        }
        if (Unit is not null)
        {
            claims.Add(new(Claims.Unit, Unit));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "development", Claims.Subject, Claims.Role));
    }
}
