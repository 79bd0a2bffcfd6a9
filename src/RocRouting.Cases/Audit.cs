using System.Security.Claims;

namespace RocRouting.Cases;

/// <summary>
/// One line of the audit trail: who did what to which case, when, and how it ended. Never personal
/// data: the actor is a token subject, the case an id. The table is append-only, enforced by a
/// database trigger, not by the application's good manners.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Subject { get; set; }

    public required string Role { get; set; }

    public string? Organisation { get; set; }

    /// <summary>e.g. "case.read", "case.submit", "case.route", "case.acknowledge", "deadletters.redrive".</summary>
    public required string Action { get; set; }

    public Guid? CaseId { get; set; }

    /// <summary>"ok" or "denied".</summary>
    public required string Outcome { get; set; }
}

public sealed record Actor(string Subject, string Role, string? Organisation)
{
    /// <summary>Every role a token carries, comma-separated, for the trail: the one that decided access may not be the only one.</summary>
    public static string RolesOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var roles = string.Join(",", user.FindAll(Claims.Role).Select(c => c.Value).Distinct(StringComparer.Ordinal));
        return roles.Length == 0 ? "none" : roles[..Math.Min(roles.Length, 200)];
    }

    public static readonly Actor Worker = new("system:worker", "system", null);

    /// <summary>A person acting on a case: the organisation is the one they act for (or their police unit).</summary>
    public static Actor For(CaseReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(reader.Subject is { Length: > 0 } subject ? subject : "anonymous", reader.AllRoles, reader.Organisation?.ToString() ?? reader.Unit);
    }

    public static Actor From(ClaimsPrincipal user, string? organisation = null) => new(
        user.FindFirst(Claims.Subject)?.Value ?? "anonymous",
        RolesOf(user),
        organisation ?? user.FindFirst(Claims.Municipality)?.Value ?? user.FindFirst(Claims.Unit)?.Value);
}

public static class AuditTrail
{
    public const string Ok = "ok";
    public const string Denied = "denied";

    /// <summary>Adds an entry to the unit of work, so it commits with the change it records.</summary>
    public static void Audit(this ICaseUnitOfWork work, Actor actor, string action, Guid? caseId, DateTimeOffset at, string outcome = Ok) =>
        work.Add(new AuditEntry
        {
            At = at,
            Subject = actor.Subject,
            Role = actor.Role,
            Organisation = actor.Organisation,
            Action = action,
            CaseId = caseId,
            Outcome = outcome,
        });
}

/// <summary>The actions on the audit trail, named once.</summary>
public static class AuditActions
{
    public const string CaseSubmit = "case.submit";
    public const string CaseRead = "case.read";
    public const string CaseRoute = "case.route";
    public const string CaseReroute = "case.reroute";
    public const string CaseOverdue = "case.overdue";
    public const string CaseEscalate = "case.escalate";
    public const string CaseAcknowledge = "case.acknowledge";
    public const string CaseHandover = "case.handover";
    public const string CaseClose = "case.close";

    /// <summary>A refused attempt to acknowledge, hand over or close.</summary>
    public const string CaseChange = "case.change";

    public const string CaseErase = "case.erase";
    public const string DeliveryRetry = "delivery.retry";
    public const string DeadLettersRedrive = "deadletters.redrive";
    public const string RosterChange = "roster.change";
    public const string AuditRead = "audit.read";
}
