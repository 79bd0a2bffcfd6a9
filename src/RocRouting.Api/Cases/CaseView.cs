using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data.Privacy;

namespace RocRouting.Api.Cases;

/// <summary>What GET /api/v1/cases/{id} shows: status, route and timeline. No personal data.</summary>
public sealed record CaseView(
    Guid CaseId,
    CaseStatus Status,
    Urgency Urgency,
    CaseCategory Category,
    string? HomeMunicipalityCode,
    string FoundInMunicipalityCode,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? RoutedAt,
    Recipient? Recipient,
    DateTimeOffset? AcknowledgeBy,
    CaseAcknowledgementView? Acknowledgement,
    bool Escalated,
    DateTimeOffset? ClosedAt,
    CaseOutcome? Outcome,
    RouteView? Route,
    IReadOnlyList<TimelineEntry> Timeline,
    CaseDetails? Details)
{
    /// <summary>
    /// Police see which organisation took the case and when, never who; staff also see the person's
    /// subject id. The personal data is opened only when a protector is given.
    /// </summary>
    public static CaseView From(ChildCase c, bool includeStaff, PersonalDataProtector? personalData)
    {
        var current = c.Routes.OrderByDescending(r => r.Sequence).FirstOrDefault();
        var ack = current is null ? null : c.Acknowledgements.FirstOrDefault(a => a.RouteId == current.Id);
        return new(
            c.Id,
            c.Status,
            c.Urgency,
            c.Category,
            c.HomeMunicipalityCode,
            c.FoundInMunicipalityCode,
            c.SubmittedAt,
            c.RoutedAt,
            c.Recipient,
            c.AcknowledgeBy,
            ack is null ? null : new CaseAcknowledgementView(ack.AcknowledgedAt, ack.Organisation, includeStaff ? ack.Subject : null),
            c.Escalated,
            c.ClosedAt,
            c.Outcome,
            current is null ? null : RouteView.From(current),
            [.. c.Events.Select(e => new TimelineEntry(e.Kind, e.At, e.Detail))],
            personalData is null ? null : CaseDetails.From(c, personalData));
    }
}

/// <summary>The personal data of a case: only for the police unit that reported it and the organisations it was routed or signalled to.</summary>
public sealed record CaseDetails(ChildDetails Child, string? Summary, ReportedBy ReportedBy, string? PoliceReference)
{
    /// <summary>Earlier cases about the same child (matched by the keyed hash of the identity number), newest first.</summary>
    public IReadOnlyList<EarlierCase> EarlierCases { get; init; } = [];

    public static CaseDetails From(ChildCase c, PersonalDataProtector protector) => new(
        new ChildDetails(
            protector.OpenOrNull(c.SealedPersonalIdentityNumber, c.Id, PersonalField.IdentityNumber) is { Length: 12 } pin ? $"{pin[..8]}-{pin[8..]}" : null,
            c.BirthDate,
            c.HomeMunicipalityCode),
        protector.OpenOrNull(c.SealedSummary, c.Id, PersonalField.Summary),
        new ReportedBy(c.ReportedByOfficerId, c.ReportedByUnit, c.ReportedByPhone),
        c.PoliceReference);
}

public sealed record EarlierCase(Guid CaseId, DateTimeOffset SubmittedAt, CaseStatus Status, CaseCategory Category);

public sealed record ChildDetails(string? PersonalIdentityNumber, DateOnly? BirthDate, string? HomeMunicipalityCode);

public sealed record ReportedBy(string OfficerId, string Unit, string? Phone);

public sealed record CaseAcknowledgementView(DateTimeOffset AcknowledgedAt, string Organisation, string? Sub);

public sealed record RouteView(
    Recipient Recipient,
    string Reason,
    string RuleId,
    DateTimeOffset DecidedAt,
    DateTimeOffset AcknowledgeBy,
    string ConfigurationVersion,
    IReadOnlyList<SignalDue> Signals)
{
    public static RouteView From(CaseRoute r) => new(
        r.Recipient,
        r.Reason,
        r.RuleId,
        r.DecidedAt,
        r.AcknowledgeBy,
        r.ConfigurationVersion,
        [.. r.Signals.Select(s => new SignalDue(s.MunicipalityCode, s.DueAt))]);
}

public sealed record TimelineEntry(CaseEventKind Kind, DateTimeOffset At, string? Detail);
