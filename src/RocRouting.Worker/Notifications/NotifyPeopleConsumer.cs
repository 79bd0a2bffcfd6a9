using System.Collections.Concurrent;
using MassTransit;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.Worker.Notifications;

/// <summary>
/// Turns the steps of a case made outside the routing worker's own transaction (a handover, a
/// re-route, overdue, escalated) into notifications for the people on duty, at the moment the step
/// happens. A first routing plans its notifications in the routing transaction (<see cref="CaseRouter"/>)
/// and says so on its CaseRouted, which is then passed over. Planning is idempotent (one row per case,
/// step, person and channel), so a redelivered message plans nothing twice; the sender does the reaching.
/// </summary>
public sealed class NotifyPeopleConsumer(RocDbContext db, NotificationPlanner planner, NotificationSignal signal)
    : IConsumer<CaseRouted>, IConsumer<CaseOverdue>, IConsumer<CaseEscalated>
{
    public Task Consume(ConsumeContext<CaseRouted> context) =>
        context.Message.NotificationsPlanned == true
            ? Task.CompletedTask
            : PlanAsync(context.Message.CaseId, NotificationStep.Routed, context.Message.RouteSequence ?? 1, context.Message.Urgency, context.Message.Recipient, context.CancellationToken);

    public Task Consume(ConsumeContext<CaseOverdue> context) =>
        PlanAsync(context.Message.CaseId, NotificationStep.Overdue, context.Message.RouteSequence, context.Message.Urgency, context.Message.Recipient, context.CancellationToken);

    public Task Consume(ConsumeContext<CaseEscalated> context) =>
        PlanAsync(context.Message.CaseId, NotificationStep.Escalated, context.Message.RouteSequence, context.Message.Urgency, context.Message.Recipient, context.CancellationToken);

    private async Task PlanAsync(Guid caseId, NotificationStep step, int routeSequence, Urgency urgency, Recipient recipient, CancellationToken cancellationToken)
    {
        var planned = 0;
        foreach (var notification in await planner.PlanAsync(db, caseId, step, routeSequence, urgency, recipient, rosters: null, cancellationToken))
        {
            planned += await db.PlanNotificationAsync(notification, cancellationToken);
        }
        if (planned > 0)
        {
            signal.Wake();
        }
    }
}

/// <summary>
/// Whom a step of a case must reach: the audiences of the escalation policy, the people on duty in
/// each by its roster (the development roster in Development, where an organisation has none), one
/// push notification per person. The callers write the notifications: the routing transaction with
/// its decision, the consumer of later steps as idempotent inserts.
/// </summary>
public sealed partial class NotificationPlanner(
    RoutingConfiguration config, TimeProvider time, OrganisationsWithoutRoster withoutRoster, IHostEnvironment environment, ILogger<NotificationPlanner> logger)
{
    /// <param name="rosters">Rosters already read for this unit of work (a routing transaction's cases share them), or null.</param>
    public async Task<List<Notification>> PlanAsync(
        RocDbContext db, Guid caseId, NotificationStep step, int routeSequence, Urgency urgency, Recipient recipient,
        Dictionary<string, DutyRoster>? rosters, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var planned = new List<Notification>();
        var people = new HashSet<string>(StringComparer.Ordinal);
        foreach (var audience in NotificationPolicy.Audiences(step, urgency, recipient))
        {
            if (rosters?.GetValueOrDefault(audience.Organisation) is not { } roster)
            {
                roster = await RosterAsync(db, audience.Organisation, now, cancellationToken);
                rosters?.Add(audience.Organisation, roster);
            }
            var onDuty = roster.At(now).Where(d => d.Role == audience.Role).Select(d => d.Person).ToList();
            // An organisation with a roster and a gap in it is a problem for operators; one without a roster is not reached this way at all.
            if (onDuty.Count == 0 && !roster.IsEmpty)
            {
                LogNobodyOnDuty(logger, caseId, audience.Organisation, Wire.Name(audience.Role));
            }
            planned.AddRange(onDuty.Where(people.Add).Select(person => Notification.Plan(
                caseId, NotificationPolicy.StepKey(step, routeSequence), routeSequence, audience.Organisation, person, ContactChannel.Push, now, now)));
        }
        return planned;
    }

    private async Task<DutyRoster> RosterAsync(RocDbContext db, string organisation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var roster = DutyRoster.Empty(config.DefaultCalendar.Zone);
        if (!withoutRoster.Contains(organisation, now))
        {
            roster = await db.RosterAsync(organisation, now, config.DefaultCalendar.Zone, cancellationToken);
            if (roster.IsEmpty)
            {
                withoutRoster.Remember(organisation, now);
            }
        }
        return roster.IsEmpty && environment.IsDevelopment()
            ? DevelopmentIdentity.RosterOf(organisation, config.DefaultService.Id, config.DefaultCalendar.Zone)
            : roster;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nobody is on duty to reach about case {CaseId}: {Organisation}, {Role}")]
    private static partial void LogNobodyOnDuty(ILogger logger, Guid caseId, string organisation, string role);
}

/// <summary>
/// The organisations found without a roster, for a few seconds: a service that keeps no rosters
/// (or an organisation that does not) pays no roster queries on every case it routes. A roster made
/// for such an organisation takes effect within <see cref="Lifetime"/>.
/// </summary>
public sealed class OrganisationsWithoutRoster
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public bool Contains(string organisation, DateTimeOffset now) => _until.TryGetValue(organisation, out var until) && until > now;

    public void Remember(string organisation, DateTimeOffset now) => _until[organisation] = now + Lifetime;
}

/// <summary>Wakes the sender when the consumer has planned notifications, so the first goes out at once rather than at the next poll.</summary>
public sealed class NotificationSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        if (_wake.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}
