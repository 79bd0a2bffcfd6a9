using System.Diagnostics.Metrics;
using RocRouting.Cases;

namespace RocRouting.Hosting;

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
        Notifications = meter.CreateCounter<long>("rocrouting.notifications.outcomes", "{notification}",
            "Notifications a sender's round decided, by channel, state and source (handed-over: the routing writer's, taken from memory at its commit; leased: found due by the sender)");
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

    public Counter<long> Notifications { get; }

    public Counter<long> HeartbeatFailures { get; }
}
