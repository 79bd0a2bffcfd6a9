using System.Diagnostics;
using MassTransit;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Hosting;

namespace RocRouting.Worker;

/// <summary>
/// Decides who takes a submitted case. The decision, the case's new status, its timeline event, its
/// first deadline and the CaseRouted message commit in one transaction (shared with the other cases
/// arriving at the same moment, see <see cref="CaseRouter"/>); the unique (case, sequence) key makes a
/// redelivered CaseSubmitted a no-op instead of a second decision. A first delivery is decided from
/// the message's facts; a redelivered or retried one from the case as stored.
/// </summary>
public sealed partial class RouteCaseConsumer(
    CaseRouter router,
    RocMetrics metrics,
    ILogger<RouteCaseConsumer> logger) : IConsumer<CaseSubmitted>
{
    public async Task Consume(ConsumeContext<CaseSubmitted> context)
    {
        var message = context.Message;
        var firstDelivery = !context.ReceiveContext.Redelivered && context.GetRetryAttempt() == 0;
        var outcome = await router.RouteAsync(message, Activity.Current?.Id, firstDelivery);
        if (outcome.Route is not { } route)
        {
            LogAlreadyRouted(logger, message.CaseId);
            return;
        }
        var elapsed = outcome.DecidedAt - message.SubmittedAt;
        Activity.Current.TagCase(message.CaseId, message.Urgency, route.RuleId, route.RecipientMunicipalityCode ?? message.HomeMunicipalityCode);
        metrics.RoutingDecisions.Add(1, new("rule", route.RuleId), new("recipient_kind", Wire.Name(route.RecipientKind)));
        metrics.TimeToRoute.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("urgency", Wire.Name(message.Urgency)));
        LogRouted(logger, message.CaseId, route.RecipientKind, route.RuleId, elapsed.TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} already routed; redelivery ignored")]
    private static partial void LogAlreadyRouted(ILogger logger, Guid caseId);

    // Debug, not Information: the stored route records each decision and its reason, the metrics its
    // time, and a line per case is a wake-up and a write on every case's path (README, performance).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Case {CaseId} routed to {RecipientKind} by rule {RuleId}, {ElapsedMs:F1} ms after submission")]
    private static partial void LogRouted(ILogger logger, Guid caseId, RecipientKind recipientKind, string ruleId, double elapsedMs);
}
