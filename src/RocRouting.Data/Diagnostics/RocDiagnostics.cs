using System.Diagnostics;
using System.Diagnostics.Metrics;
using RocRouting.Contracts;

namespace RocRouting.Data.Diagnostics;

/// <summary>
/// The service's own spans and metrics, in one place so the list of what operators can see is
/// readable at a glance. Attributes carry ids, codes and enum names only: never a name, an
/// identity number or free text.
/// </summary>
public static class RocDiagnostics
{
    public const string Name = "RocRouting";

    public static readonly ActivitySource Source = new(Name);

    public const string CaseIdTag = "roc.case_id";
    public const string UrgencyTag = "roc.urgency";
    public const string RuleIdTag = "roc.rule_id";
    public const string MunicipalityTag = "roc.municipality_code";
    public const string RecipientKindTag = "roc.recipient_kind";

    /// <summary>Starts a span continuing the trace stored with a row (W3C traceparent), or a new trace without one.</summary>
    public static Activity? StartFrom(string name, ActivityKind kind, string? traceParent, Guid? caseId = null)
    {
        var activity = ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
        if (caseId is { } id)
        {
            activity?.SetTag(CaseIdTag, id);
        }
        return activity;
    }

    /// <summary>Adds the case's routing facts to the current span.</summary>
    public static void TagCase(this Activity? activity, Guid caseId, Urgency? urgency = null, string? ruleId = null, string? municipalityCode = null)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag(CaseIdTag, caseId);
        if (urgency is { } u)
        {
            activity.SetTag(UrgencyTag, Wire.Name(u));
        }
        if (ruleId is not null)
        {
            activity.SetTag(RuleIdTag, ruleId);
        }
        if (municipalityCode is not null)
        {
            activity.SetTag(MunicipalityTag, municipalityCode);
        }
    }
}

/// <summary>The metrics that answer "is anything stuck?" (meter "RocRouting"; README lists them).</summary>
public sealed class RocMetrics
{
    public RocMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(RocDiagnostics.Name);
        CasesSubmitted = meter.CreateCounter<long>("rocrouting.cases.submitted", "{case}", "Cases accepted through the intake, by urgency");
        RoutingDecisions = meter.CreateCounter<long>("rocrouting.routing.decisions", "{decision}", "Routing decisions, by rule and recipient kind");
        CasesPerRoutingTransaction = meter.CreateHistogram<int>("rocrouting.routing.transaction_cases", "{case}", "Cases written per routing transaction (group commit: above 1 only while cases queue up)",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100] });
        TimeToRoute = meter.CreateHistogram<double>("rocrouting.cases.time_to_route", "s", "From submission to the committed routing decision, by urgency");
        TimeToAcknowledge = meter.CreateHistogram<double>("rocrouting.cases.time_to_acknowledge", "s", "From routing to acknowledgement, by recipient kind and urgency");
        DeadlinesFired = meter.CreateCounter<long>("rocrouting.deadlines.fired", "{deadline}", "Deadlines that acted (overdue, second window, office closing, escalation), by kind");
        CasesOverdue = meter.CreateCounter<long>("rocrouting.cases.overdue", "{case}", "Cases not acknowledged within their window, by recipient kind and urgency");
        CasesEscalated = meter.CreateCounter<long>("rocrouting.cases.escalated", "{case}", "Operator alerts: cases nobody acknowledged, by urgency");
        DeliveryAttempts = meter.CreateCounter<long>("rocrouting.deliveries.attempts", "{attempt}", "Webhook delivery attempts, by recipient and outcome");
        DeliveryFailures = meter.CreateCounter<long>("rocrouting.deliveries.failures", "{attempt}", "Webhook delivery attempts that failed, by recipient");
        HeartbeatFailures = meter.CreateCounter<long>("rocrouting.heartbeat.failures", "{heartbeat}", "Heartbeats that did not come back through the bus in time");
        Meter = meter;
    }

    public Meter Meter { get; }

    public Counter<long> CasesSubmitted { get; }

    public Counter<long> RoutingDecisions { get; }

    public Histogram<int> CasesPerRoutingTransaction { get; }

    public Histogram<double> TimeToRoute { get; }

    public Histogram<double> TimeToAcknowledge { get; }

    public Counter<long> DeadlinesFired { get; }

    public Counter<long> CasesOverdue { get; }

    public Counter<long> CasesEscalated { get; }

    public Counter<long> DeliveryAttempts { get; }

    public Counter<long> DeliveryFailures { get; }

    public Counter<long> HeartbeatFailures { get; }
}
