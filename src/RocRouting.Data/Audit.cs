using System.Security.Claims;

namespace RocRouting.Data;

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
    public static readonly Actor Worker = new("system:worker", "system", null);

    public static Actor From(ClaimsPrincipal user, string? organisation = null) => new(
        user.FindFirst("sub")?.Value ?? "anonymous",
        user.FindFirst("role")?.Value ?? "none",
        organisation ?? user.FindFirst("municipality")?.Value ?? user.FindFirst("unit")?.Value);
}

public static class AuditTrail
{
    public const string Ok = "ok";
    public const string Denied = "denied";

    /// <summary>Adds an entry to the current unit of work, so it commits with the change it records.</summary>
    public static void Audit(this RocDbContext db, Actor actor, string action, Guid? caseId, DateTimeOffset at, string outcome = Ok) =>
        db.AuditEntries.Add(new AuditEntry
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
