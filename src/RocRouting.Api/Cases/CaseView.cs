using RocRouting.Contracts;
using RocRouting.Data;

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
    RouteView? Route,
    IReadOnlyList<TimelineEntry> Timeline)
{
    public static CaseView From(ChildCase c) => new(
        c.Id,
        c.Status,
        c.Urgency,
        c.Category,
        c.HomeMunicipalityCode,
        c.FoundInMunicipalityCode,
        c.SubmittedAt,
        c.RoutedAt,
        c.Routes.OrderByDescending(r => r.Sequence).Select(RouteView.From).FirstOrDefault(),
        [.. c.Events.Select(e => new TimelineEntry(e.Kind, e.At, e.Detail))]);
}

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
