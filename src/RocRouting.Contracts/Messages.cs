// The namespace is the wire contract (MassTransit derives message URNs from it): never move it.
// Add fields as nullable; a breaking change is a new type.
namespace RocRouting.Contracts;

/// <summary>A police officer submitted a case. Carries ids and routing facts only, never personal data.</summary>
public sealed record CaseSubmitted
{
    public required Guid CaseId { get; init; }
    public required Urgency Urgency { get; init; }
    public required CaseCategory Category { get; init; }
    public string? HomeMunicipalityCode { get; init; }
    public required string FoundInMunicipalityCode { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
}

/// <summary>
/// The routing worker decided who must take a case. For other systems: nothing in the service consumes
/// it, and it reaches the broker only where Outbox:PublishCaseRouted is set.
/// </summary>
public sealed record CaseRouted
{
    public required Guid CaseId { get; init; }
    public required Urgency Urgency { get; init; }
    public required Recipient Recipient { get; init; }
    public required string RuleId { get; init; }
    public required DateTimeOffset AcknowledgeBy { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public required string ConfigurationVersion { get; init; }
    public IReadOnlyList<SignalDue> Signals { get; init; } = [];

    /// <summary>1 for the first decision; higher for re-routes (escalation, handover).</summary>
    public int? RouteSequence { get; init; }

    /// <summary>
    /// True when the notifications of the people on duty were planned in the decision's own transaction,
    /// so a consumer that plans them has nothing to do: every decision since 2026-12-04 (re-routes and
    /// handovers too); before that, only the routing worker's first decisions.
    /// </summary>
    public bool? NotificationsPlanned { get; init; }
}

/// <summary>Nobody acknowledged a case in time: the recipient must be notified again.</summary>
public sealed record CaseOverdue
{
    public required Guid CaseId { get; init; }
    public required int RouteSequence { get; init; }
    public required Recipient Recipient { get; init; }
    public required Urgency Urgency { get; init; }
    public required DateTimeOffset AcknowledgeBy { get; init; }
    public required DateTimeOffset OverdueAt { get; init; }
}

/// <summary>A person of the recipient organisation took the case.</summary>
public sealed record CaseAcknowledged
{
    public required Guid CaseId { get; init; }
    public required int RouteSequence { get; init; }
    public required Recipient Recipient { get; init; }
    public required DateTimeOffset AcknowledgedAt { get; init; }
}

/// <summary>The social emergency service did not acknowledge a case even after a second window: an operator alert.</summary>
public sealed record CaseEscalated
{
    public required Guid CaseId { get; init; }
    public required int RouteSequence { get; init; }
    public required Recipient Recipient { get; init; }
    public required Urgency Urgency { get; init; }
    public required DateTimeOffset AcknowledgeBy { get; init; }
    public required DateTimeOffset EscalatedAt { get; init; }
}

/// <summary>A webhook delivery exhausted its durable schedule: an operator alert. The item stays in the recipient's inbox.</summary>
public sealed record DeliveryFailed
{
    public required Guid DeliveryId { get; init; }
    public required Guid CaseId { get; init; }
    public required string Recipient { get; init; }
    public required int Attempts { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
}

/// <summary>The recipient closed the case.</summary>
public sealed record CaseClosed
{
    public required Guid CaseId { get; init; }
    public required string Outcome { get; init; }
    public required DateTimeOffset ClosedAt { get; init; }
}

/// <summary>Who takes a case: a home municipality (by official code) or a social emergency service (by id).</summary>
public sealed record Recipient
{
    public required RecipientKind Kind { get; init; }
    public string? MunicipalityCode { get; init; }
    public string? ServiceId { get; init; }

    public static Recipient HomeMunicipality(string municipalityCode) =>
        new() { Kind = RecipientKind.HomeMunicipality, MunicipalityCode = municipalityCode };

    public static Recipient SocialEmergencyService(string serviceId) =>
        new() { Kind = RecipientKind.SocialEmergencyService, ServiceId = serviceId };

    /// <summary>From the three columns a recipient is stored in (kind, municipality code, service id).</summary>
    public static Recipient From(RecipientKind kind, string? municipalityCode, string? serviceId) => kind == RecipientKind.HomeMunicipality
        ? HomeMunicipality(municipalityCode ?? throw new ArgumentNullException(nameof(municipalityCode)))
        : SocialEmergencyService(serviceId ?? throw new ArgumentNullException(nameof(serviceId)));

    public override string ToString() => Kind == RecipientKind.HomeMunicipality
        ? $"home-municipality:{MunicipalityCode}"
        : $"social-emergency-service:{ServiceId}";

    /// <summary>The inverse of <see cref="ToString"/>, for an organisation stored as text.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Recipient? recipient)
    {
        recipient = text?.Split(':', 2) switch
        {
            ["home-municipality", { Length: > 0 } code] => HomeMunicipality(code),
            ["social-emergency-service", { Length: > 0 } id] => SocialEmergencyService(id),
            _ => null,
        };
        return recipient is not null;
    }
}

/// <summary>The home municipality must be informed by <see cref="DueAt"/>.</summary>
public sealed record SignalDue(string MunicipalityCode, DateTimeOffset DueAt);

public enum RecipientKind
{
    HomeMunicipality,
    SocialEmergencyService,
}

public enum Urgency
{
    Immediate,
    Urgent,
    Routine,
}

public enum CaseCategory
{
    Recruitment,
    Violence,
    AbscondedFromCare,
    Other,
}

/// <summary>A worker's self-check: sent through the real broker and answered by whichever worker consumes it.</summary>
public sealed record CheckHeartbeat
{
    public required Guid HeartbeatId { get; init; }
    public required DateTimeOffset SentAt { get; init; }
}

/// <summary>The answer to <see cref="CheckHeartbeat"/>: the bus carried a message both ways.</summary>
public sealed record HeartbeatReturned
{
    public required Guid HeartbeatId { get; init; }
}
