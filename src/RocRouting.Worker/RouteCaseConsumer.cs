using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Diagnostics;
using RocRouting.Routing;

namespace RocRouting.Worker;

/// <summary>
/// Decides who takes a submitted case. The decision, the case's new status, its timeline event, its
/// first deadline and the CaseRouted message commit in one transaction; the unique (case, sequence) key makes a
/// redelivered CaseSubmitted a no-op instead of a second decision.
/// </summary>
public sealed partial class RouteCaseConsumer(
    RocDbContext db,
    RoutingConfiguration config,
    WebhookDirectory webhooks,
    TimeProvider time,
    RocMetrics metrics,
    ILogger<RouteCaseConsumer> logger) : IConsumer<CaseSubmitted>
{
    public const int FirstDecision = 1;

    public async Task Consume(ConsumeContext<CaseSubmitted> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        var @case = await db.Cases.SingleOrDefaultAsync(c => c.Id == message.CaseId, cancellationToken)
            ?? throw new InvalidOperationException($"Case {message.CaseId} is not in the database.");
        // The case row carries its route sequence (written with the route), so a redelivery is
        // recognised without a query of its own.
        if (@case.RouteSequence >= FirstDecision)
        {
            LogAlreadyRouted(logger, message.CaseId);
            return;
        }

        var decision = RoutingPolicy.Decide(
            new CaseFacts(message.HomeMunicipalityCode, message.FoundInMunicipalityCode, message.Urgency),
            message.SubmittedAt,
            config);
        var now = time.GetUtcNow();

        CaseWorkflow.ApplyRoute(db, @case, decision, config, webhooks, now, CaseEventKind.Routed);
        db.Audit(Actor.Worker, "case.route", @case.Id, now);

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another delivery of the same message decided first; its decision stands.
            LogAlreadyRouted(logger, message.CaseId);
            return;
        }
        Activity.Current.TagCase(@case.Id, message.Urgency, decision.RuleId, decision.Recipient.MunicipalityCode ?? message.HomeMunicipalityCode);
        metrics.RoutingDecisions.Add(1, new("rule", decision.RuleId), new("recipient_kind", Wire.Name(decision.Recipient.Kind)));
        metrics.TimeToRoute.Record((now - message.SubmittedAt).TotalSeconds, new KeyValuePair<string, object?>("urgency", Wire.Name(message.Urgency)));
        LogRouted(logger, @case.Id, decision.Recipient.Kind, decision.RuleId, (now - message.SubmittedAt).TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} already routed; redelivery ignored")]
    private static partial void LogAlreadyRouted(ILogger logger, Guid caseId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} routed to {RecipientKind} by rule {RuleId}, {ElapsedMs:F1} ms after submission")]
    private static partial void LogRouted(ILogger logger, Guid caseId, RecipientKind recipientKind, string ruleId, double elapsedMs);
}
