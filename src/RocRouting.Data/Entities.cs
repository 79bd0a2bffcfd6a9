using RocRouting.Contracts;

namespace RocRouting.Data;

public enum CaseStatus
{
    Submitted,
    Routed,
}

public enum CaseEventKind
{
    Submitted,
    Routed,
}

/// <summary>A case about a child at risk, as submitted by the police. Holds personal data: handle with care.</summary>
public sealed class ChildCase
{
    public Guid Id { get; set; }

    public CaseStatus Status { get; set; }

    public Urgency Urgency { get; set; }

    public CaseCategory Category { get; set; }

    public string? HomeMunicipalityCode { get; set; }

    public required string FoundInMunicipalityCode { get; set; }

    /// <summary>Normalised to 12 digits. Personal data.</summary>
    public string? PersonalIdentityNumber { get; set; }

    public DateOnly? BirthDate { get; set; }

    /// <summary>Free text from the officer. Personal data.</summary>
    public string? Summary { get; set; }

    public required string ReportedByOfficerId { get; set; }

    public required string ReportedByUnit { get; set; }

    public string? ReportedByPhone { get; set; }

    public string? PoliceReference { get; set; }

    /// <summary>The token subject that submitted the case; idempotency keys are scoped to it.</summary>
    public required string SubmittedBy { get; set; }

    /// <summary>The police unit from the submitter's token: officers of that unit may follow the case.</summary>
    public required string SubmittedByUnit { get; set; }

    public required string IdempotencyKey { get; set; }

    /// <summary>SHA-256 of the canonical request, to tell a replay from a different request under the same key.</summary>
    public required byte[] RequestHash { get; set; }

    public DateTimeOffset SubmittedAt { get; set; }

    public DateTimeOffset? RoutedAt { get; set; }

    public List<CaseEvent> Events { get; } = [];

    public List<CaseRoute> Routes { get; } = [];
}

/// <summary>One step on a case's timeline. Never holds personal data.</summary>
public sealed class CaseEvent
{
    public long Id { get; set; }

    public Guid CaseId { get; set; }

    public CaseEventKind Kind { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Detail { get; set; }
}

/// <summary>A routing decision. Sequence 1 is the worker's first decision; later ones are re-routes.</summary>
public sealed class CaseRoute
{
    public long Id { get; set; }

    public Guid CaseId { get; set; }

    public int Sequence { get; set; }

    public RecipientKind RecipientKind { get; set; }

    public string? RecipientMunicipalityCode { get; set; }

    public string? RecipientServiceId { get; set; }

    public required string RuleId { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset AcknowledgeBy { get; set; }

    public DateTimeOffset DecidedAt { get; set; }

    public required string ConfigurationVersion { get; set; }

    public List<Signal> Signals { get; } = [];

    public Recipient Recipient => RecipientKind == RecipientKind.HomeMunicipality
        ? Recipient.HomeMunicipality(RecipientMunicipalityCode!)
        : Recipient.SocialEmergencyService(RecipientServiceId!);
}

/// <summary>Information owed to a home municipality because someone else took its case.</summary>
public sealed class Signal
{
    public Guid Id { get; set; }

    public Guid CaseId { get; set; }

    public long RouteId { get; set; }

    public required string MunicipalityCode { get; set; }

    public DateTimeOffset DueAt { get; set; }
}
