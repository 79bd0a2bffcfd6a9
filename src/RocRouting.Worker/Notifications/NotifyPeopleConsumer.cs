using MassTransit;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.Worker.Notifications;

/// <summary>
/// Turns the later steps of a case (overdue, escalated) into notifications for the people on duty, at
/// the moment the step happens. A new route (the first decision, a re-route, a handover) plans its
/// notifications in its own transaction (<see cref="NotificationPlanner.PlanIntoAsync"/>), so this
/// consumer no longer hears CaseRouted (the migrate step removes the old binding, see
/// <see cref="RetiredBindings"/>). Planning is idempotent (one row per case, step, person and
/// channel), so a redelivered message plans nothing twice; the sender does the reaching.
/// </summary>
public sealed class NotifyPeopleConsumer(RocDbContext db, NotificationPlanner planner, NotificationSignal signal)
    : IConsumer<CaseOverdue>, IConsumer<CaseEscalated>
{
    public Task Consume(ConsumeContext<CaseOverdue> context) =>
        PlanAsync(context.Message.CaseId, NotificationStep.Overdue, context.Message.RouteSequence, context.Message.Urgency, context.Message.Recipient, context.CancellationToken);

    public Task Consume(ConsumeContext<CaseEscalated> context) =>
        PlanAsync(context.Message.CaseId, NotificationStep.Escalated, context.Message.RouteSequence, context.Message.Urgency, context.Message.Recipient, context.CancellationToken);

    private async Task PlanAsync(Guid caseId, NotificationStep step, int routeSequence, Urgency urgency, Recipient recipient, CancellationToken cancellationToken)
    {
        var planned = await db.PlanNotificationsAsync(
            await planner.PlanAsync(db, caseId, step, routeSequence, urgency, recipient, rosters: null, cancellationToken), cancellationToken);
        if (planned > 0)
        {
            signal.Wake();
        }
    }
}
