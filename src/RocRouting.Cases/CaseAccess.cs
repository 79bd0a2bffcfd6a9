using System.Linq.Expressions;
using System.Security.Claims;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Cases;

/// <summary>
/// Who is asking, as far as cases go: the role that decides access (the first of police, socialjour,
/// municipality, operator, auditor that the token carries), the police unit, and the organisation a
/// member of staff acts for. Read from the token once per request.
/// </summary>
public sealed record CaseReader(string Role, string Subject, string? Unit, Recipient? Organisation)
{
    /// <summary>Every role of the token, for the audit trail (<see cref="Role"/> is the one that decides access).</summary>
    public string AllRoles { get; init; } = Role;

    /// <summary>The social emergency service a socialjour member of staff belongs to.</summary>
    public string? ServiceId => Organisation?.ServiceId;

    /// <summary>The municipality a municipality member of staff belongs to.</summary>
    public string? MunicipalityCode => Organisation?.MunicipalityCode;

    public bool IsPolice => Role == Roles.PoliceOfficer;

    public bool IsOperator => Role == Roles.Operator;

    public static CaseReader From(ClaimsPrincipal user, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(config);
        var role = Roles.All.FirstOrDefault(user.IsInRole) ?? "none";
        var unit = user.FindFirst(Claims.Unit)?.Value;
        return new CaseReader(role, user.FindFirst(Claims.Subject)?.Value ?? "", unit is { Length: > 0 } ? unit : null, OrganisationOf(role, user, config))
        {
            AllRoles = Actor.RolesOf(user),
        };
    }

    /// <summary>
    /// A person on an organisation's roster acting through their notification (the phone's link or an
    /// SMS reply) rather than a sign-in: staff of that organisation, nothing more.
    /// </summary>
    public static CaseReader OnDutyFor(string person, Recipient organisation)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        var role = organisation.Kind == RecipientKind.HomeMunicipality ? Roles.MunicipalityStaff : Roles.SocialjourStaff;
        return new CaseReader(role, person, null, organisation);
    }

    /// <summary>The organisation a member of staff acts for: their social emergency service, or their municipality.</summary>
    private static Recipient? OrganisationOf(string role, ClaimsPrincipal user, RoutingConfiguration config)
    {
        if (role == Roles.SocialjourStaff)
        {
            // Without a service claim, staff belong to the default (Stockholm city's) service.
            var service = user.FindFirst(Claims.Service)?.Value ?? config.DefaultService.Id;
            return config.FindService(service) is null ? null : Recipient.SocialEmergencyService(service);
        }
        if (role == Roles.MunicipalityStaff)
        {
            var municipality = user.FindFirst(Claims.Municipality)?.Value;
            return config.Register.Contains(municipality) ? Recipient.HomeMunicipality(municipality!) : null;
        }
        return null;
    }
}

/// <summary>
/// Who may read a case, act on it and see which of its fields. Each rule is written once: the read
/// rule is an expression, so the same text checks a loaded case and filters a database query (the
/// earlier cases about a child, the console's lists), and the two cannot drift apart.
/// </summary>
public static class CaseAccess
{
    /// <summary>
    /// Only those with a role in the case: officers of the submitting unit; the social emergency service
    /// it was routed to; the municipality it was routed or signalled to; operators (who never see the
    /// personal data, see <see cref="SeesPersonalData"/>). Everyone else is told the case does not exist.
    /// </summary>
    private static readonly Expression<Func<ChildCase, CaseReader, bool>> ReadRule = (c, r) =>
        r.Role == Roles.Operator
        || (r.Role == Roles.PoliceOfficer && r.Unit != null && c.SubmittedByUnit == r.Unit)
        || (r.Role == Roles.SocialjourStaff && r.Organisation != null
            && c.Routes.Any(x => x.RecipientKind == RecipientKind.SocialEmergencyService && x.RecipientServiceId == r.Organisation.ServiceId))
        || (r.Role == Roles.MunicipalityStaff && r.Organisation != null
            && c.Routes.Any(x => x.RecipientMunicipalityCode == r.Organisation.MunicipalityCode
                || x.Signals.Any(s => s.MunicipalityCode == r.Organisation.MunicipalityCode)));

    private static readonly Func<ChildCase, CaseReader, bool> CompiledReadRule = ReadRule.Compile();

    /// <summary>The read rule on a loaded case (its routes and their signals included).</summary>
    public static bool CanRead(CaseReader reader, ChildCase @case) => CompiledReadRule(@case, reader);

    /// <summary>The read rule as a query filter, for lists of cases.</summary>
    public static Expression<Func<ChildCase, bool>> ReadableBy(CaseReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var c = ReadRule.Parameters[0];
        var body = new Substitute(ReadRule.Parameters[1], Expression.Constant(reader)).Visit(ReadRule.Body);
        return Expression.Lambda<Func<ChildCase, bool>>(body, c);
    }

    /// <summary>Acknowledge, hand over, close: only the organisation the case is with now.</summary>
    public static bool CanAct(CaseReader reader, ChildCase @case) => CanActFor(reader, @case?.Recipient);

    /// <summary>The act rule on a case's current recipient (what a view of the case shows).</summary>
    public static bool CanActFor(CaseReader reader, Recipient? currentRecipient) =>
        reader?.Organisation is { } organisation && currentRecipient == organisation;

    /// <summary>An organisation the case has moved away from is told where it went (409), not that it does not exist.</summary>
    public static bool HadIt(CaseReader reader, ChildCase @case) =>
        reader.Organisation is { } organisation && @case.Routes.Any(r => r.Recipient == organisation);

    /// <summary>The child, the summary and the reporter: never for operators, who find stuck cases by status and route.</summary>
    public static bool SeesPersonalData(CaseReader reader) => !reader.IsOperator;

    /// <summary>
    /// The staff's own words about a case (acknowledgement notes, handover reasons): for the staff of
    /// the organisations it was routed or signalled to, who work it. Not the police, who handed it
    /// over, nor operators or auditors, who need none of it.
    /// </summary>
    public static bool SeesStaffNotes(CaseReader reader) => reader.Organisation is not null;

    /// <summary>Which person acknowledged: staff see the subject id; the police see the organisation only.</summary>
    public static bool SeesStaffIdentity(CaseReader reader) => !reader.IsPolice;

    private sealed class Substitute(ParameterExpression parameter, Expression replacement) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? replacement : node;
    }
}
