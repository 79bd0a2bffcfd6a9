using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Cases;

public enum CaseStatus
{
    Submitted,
    Routed,
    Overdue,
    Acknowledged,
    Closed,
}

public enum CaseEventKind
{
    Submitted,
    Routed,
    Renotified,
    Overdue,
    Rerouted,
    Acknowledged,
    HandedOver,
    Escalated,
    Closed,
    Delivered,
}

public enum CaseOutcome
{
    Handled,
    Referred,
    NoActionNeeded,
    Duplicate,
}

public enum InboxItemKind
{
    Case,
    Signal,
}

public enum DeliveryState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// A case about a child at risk, as submitted by the police. Holds personal data: handle with care.
/// Its state (status, recipient, deadlines, acknowledgement, closure) changes only through
/// <see cref="CaseLifecycle"/>, which is why those setters are internal.
/// </summary>
public sealed class ChildCase
{
    public Guid Id { get; set; }

    public CaseStatus Status { get; internal set; }

    public Urgency Urgency { get; set; }

    public CaseCategory Category { get; set; }

    public string? HomeMunicipalityCode { get; set; }

    public required string FoundInMunicipalityCode { get; set; }

    /// <summary>The identity number (12 digits), sealed by the personal data protector. Personal data.</summary>
    public string? SealedPersonalIdentityNumber { get; set; }

    /// <summary>HMAC-SHA256 of the identity number under a secret key: finds earlier cases about the same child without the number.</summary>
    public byte[]? ChildKey { get; set; }

    /// <summary>The child's birth date (yyyy-MM-dd), sealed: with the municipality and the times it can single a child out.</summary>
    public string? SealedBirthDate { get; set; }

    /// <summary>Free text from the officer, sealed by the personal data protector. Personal data.</summary>
    public string? SealedSummary { get; set; }

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

    public DateTimeOffset SubmittedAt { get; internal set; }

    public DateTimeOffset? RoutedAt { get; internal set; }

    /// <summary>The sequence of the current route (0 until the first decision).</summary>
    public int RouteSequence { get; internal set; }

    /// <summary>Who must take the case now (the current route's recipient); null until routed.</summary>
    public RecipientKind? RecipientKind { get; internal set; }

    public string? RecipientMunicipalityCode { get; internal set; }

    public string? RecipientServiceId { get; internal set; }

    public DateTimeOffset? AcknowledgeBy { get; internal set; }

    public DateTimeOffset? AcknowledgedAt { get; internal set; }

    /// <summary>Set when the operators were alerted because nobody took the case.</summary>
    public bool Escalated { get; internal set; }

    public DateTimeOffset? ClosedAt { get; internal set; }

    public CaseOutcome? Outcome { get; internal set; }

    /// <summary>Set when the retention job erased the personal data of this closed case.</summary>
    public DateTimeOffset? PersonalDataErasedAt { get; internal set; }

    public List<CaseEvent> Events { get; } = [];

    public List<CaseRoute> Routes { get; } = [];

    public List<Acknowledgement> Acknowledgements { get; } = [];

    public Recipient? Recipient => RecipientKind is { } kind ? Contracts.Recipient.From(kind, RecipientMunicipalityCode, RecipientServiceId) : null;

    public bool IsOpen => Status is not CaseStatus.Closed;

    /// <summary>The worker's first decision is stored: a redelivered CaseSubmitted changes nothing.</summary>
    public bool IsRouted => RouteSequence >= 1;

    /// <summary>The route the case is on now (its routes must be loaded).</summary>
    public CaseRoute CurrentRoute => Routes.Single(r => r.Sequence == RouteSequence);

    /// <summary>What routing may look at: no personal data.</summary>
    public CaseFacts Facts() => new(HomeMunicipalityCode, FoundInMunicipalityCode, Urgency);
}

/// <summary>A person of the recipient organisation took the case. One per route.</summary>
public sealed class Acknowledgement
{
    public long Id { get; set; }

    public Guid CaseId { get; set; }

    public long RouteId { get; set; }

    /// <summary>The organisation as "home-municipality:0138" or "social-emergency-service:stockholm".</summary>
    public required string Organisation { get; set; }

    /// <summary>The token subject of the person (a pseudonymous id, never a name).</summary>
    public required string Subject { get; set; }

    /// <summary>The person's note, sealed (PersonalField.AcknowledgementNote): free text may name people.</summary>
    public string? SealedNote { get; set; }

    public DateTimeOffset AcknowledgedAt { get; set; }
}

/// <summary>
/// A durable deadline: lives in PostgreSQL, survives restarts, and fires once however many
/// watchers run (claimed with FOR UPDATE SKIP LOCKED, marked fired in the same transaction).
/// </summary>
public sealed class Deadline
{
    public long Id { get; set; }

    public Guid CaseId { get; set; }

    public long RouteId { get; set; }

    public DeadlineKind Kind { get; set; }

    public DateTimeOffset DueAt { get; set; }

    public DateTimeOffset? FiredAt { get; set; }

    /// <summary>The trace that set the deadline (W3C traceparent), so firing it continues the case's trace.</summary>
    public string? TraceParent { get; set; }
}

/// <summary>One step on a case's timeline. Never holds personal data.</summary>
public sealed class CaseEvent
{
    public long Id { get; set; }

    public Guid CaseId { get; set; }

    public CaseEventKind Kind { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Detail { get; set; }

    /// <summary>The committing transaction's id: with the snapshot's xmin it makes the consoles' live feed gap-free.</summary>
    public long TxId { get; set; }
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

    /// <summary>Why the route went where it went: the rule's own words, never a person's (no personal data).</summary>
    public required string Reason { get; set; }

    /// <summary>A handover's reason in the words of the person who handed over, sealed (PersonalField.HandoverNote).</summary>
    public string? SealedHandoverNote { get; set; }

    public DateTimeOffset AcknowledgeBy { get; set; }

    public DateTimeOffset DecidedAt { get; set; }

    public required string ConfigurationVersion { get; set; }

    public List<Signal> Signals { get; } = [];

    public List<Deadline> Deadlines { get; } = [];

    public List<InboxItem> InboxItems { get; } = [];

    public Recipient Recipient => Recipient.From(RecipientKind, RecipientMunicipalityCode, RecipientServiceId);
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

/// <summary>
/// Something a recipient must see: a case routed to it, or a signal about one of its children.
/// Always there to pull from (GET /api/v1/inbox), whatever happens to the webhook.
/// </summary>
public sealed class InboxItem
{
    public Guid Id { get; set; }

    /// <summary>The committing transaction's id: with the snapshot's xmin it makes the inbox cursor gap-free.</summary>
    public long TxId { get; set; }

    public RecipientKind RecipientKind { get; set; }

    public string? RecipientMunicipalityCode { get; set; }

    public string? RecipientServiceId { get; set; }

    public InboxItemKind Kind { get; set; }

    public Guid CaseId { get; set; }

    public long RouteId { get; set; }

    public Urgency Urgency { get; set; }

    /// <summary>When the recipient must act (the route's deadline, or the signal's due time).</summary>
    public DateTimeOffset DueAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When a client system confirmed it received the item (not a person acknowledging the case).</summary>
    public DateTimeOffset? ReceivedAt { get; set; }

    public Recipient Recipient => Contracts.Recipient.From(RecipientKind, RecipientMunicipalityCode, RecipientServiceId);
}

/// <summary>A webhook notification of an inbox item to its recipient, retried on a durable schedule.</summary>
public sealed class Delivery
{
    /// <summary>Also the idempotency id the receiver sees on every attempt.</summary>
    public Guid Id { get; set; }

    public Guid InboxItemId { get; set; }

    public Guid CaseId { get; set; }

    /// <summary>The recipient as "home-municipality:0138" / "social-emergency-service:stockholm".</summary>
    public required string Recipient { get; set; }

    /// <summary>The trace that created the delivery (W3C traceparent), so each attempt continues the case's trace.</summary>
    public string? TraceParent { get; set; }

    public DeliveryState State { get; set; }

    public int Attempts { get; set; }

    /// <summary>Not before this instant (the item's due time, then the durable backoff).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>A worker holds the delivery until then; if it dies, another takes over after it.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public override string ToString() =>
        $"delivery {Id} to {Recipient}: {State}, {Attempts} attempt(s), next {NextAttemptAt:O}, lease {LeaseUntil:O}, last error {LastError}";
}
