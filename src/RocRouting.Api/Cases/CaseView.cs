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
    CaseDetails? Details,
    IReadOnlyList<StaffNote>? StaffNotes)
{
    /// <summary>
    /// Police see which organisation took the case and when, never who; staff also see the person's
    /// subject id. The personal data is opened only when a protector is given, and the staff's notes
    /// only for the staff who work the case (<see cref="CaseAccess.SeesStaffNotes"/>).
    /// </summary>
    public static CaseView From(ChildCase c, CaseReader reader, PersonalDataProtector protector)
    {
        var includeStaff = CaseAccess.SeesStaffIdentity(reader);
        var personalData = CaseAccess.SeesPersonalData(reader) ? protector : null;
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
            personalData is null ? null : CaseDetails.From(c, personalData),
            CaseAccess.SeesStaffNotes(reader) ? StaffNote.Of(c, protector) : null);
    }
}

/// <summary>What the staff working a case wrote about it, oldest first: sealed at rest, opened for them alone.</summary>
public sealed record StaffNote(StaffNoteKind Kind, DateTimeOffset At, string Organisation, string Text)
{
    public static IReadOnlyList<StaffNote> Of(ChildCase c, PersonalDataProtector protector)
    {
        var routes = c.Routes.OrderBy(r => r.Sequence).ToList();
        // In the order things happened on the routes: a route's handover (which made it) before its acknowledgement.
        var handovers = routes.Skip(1).Zip(routes)
            .Where(pair => pair.First.SealedHandoverNote is not null)
            .Select(pair => (pair.First.Sequence, Note: new StaffNote(
                StaffNoteKind.Handover, pair.First.DecidedAt, pair.Second.Recipient.ToString(),
                protector.Open(pair.First.SealedHandoverNote!, c.Id, PersonalField.HandoverNote))));
        var acknowledgements = c.Acknowledgements
            .Where(a => a.SealedNote is not null)
            .Select(a => (routes.Single(r => r.Id == a.RouteId).Sequence, Note: new StaffNote(
                StaffNoteKind.Acknowledgement, a.AcknowledgedAt, a.Organisation, protector.Open(a.SealedNote!, c.Id, PersonalField.AcknowledgementNote))));
        return [.. handovers.Concat(acknowledgements).OrderBy(n => n.Sequence).ThenBy(n => n.Note.Kind == StaffNoteKind.Acknowledgement).Select(n => n.Note)];
    }
}

public enum StaffNoteKind
{
    Acknowledgement,
    Handover,
}

/// <summary>The personal data of a case: only for the police unit that reported it and the organisations it was routed or signalled to.</summary>
public sealed record CaseDetails(ChildDetails Child, string? Summary, ReportedBy ReportedBy, string? PoliceReference)
{
    /// <summary>Earlier cases about the same child (matched by the keyed hash of the identity number), newest first.</summary>
    public IReadOnlyList<EarlierCase> EarlierCases { get; init; } = [];

    public static CaseDetails From(ChildCase c, PersonalDataProtector protector) => new(
        new ChildDetails(
            protector.OpenOrNull(c.SealedPersonalIdentityNumber, c.Id, PersonalField.IdentityNumber) is { Length: 12 } pin ? $"{pin[..8]}-{pin[8..]}" : null,
            protector.OpenOrNull(c.SealedBirthDate, c.Id, PersonalField.BirthDate) is { } birth
                ? DateOnly.ParseExact(birth, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
                : null,
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
