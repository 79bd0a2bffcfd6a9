using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Data;

/// <summary>
/// Whom a step of a case must reach: the audiences of the escalation policy, the people on duty in
/// each by its roster (the development roster in Development, where an organisation has none), one
/// push notification per person. A new route's notifications are written in the transaction that
/// makes the route (<see cref="PlanIntoAsync"/>: the routing worker's decision, a re-route, a
/// handover), so nobody waits on another broker hop to be reached; the later steps (overdue,
/// escalated) are planned by the worker's consumer as idempotent inserts.
/// </summary>
public sealed partial class NotificationPlanner(
    RoutingConfiguration config, TimeProvider time, RosterCache cache, IHostEnvironment environment, ILogger<NotificationPlanner> logger)
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

    /// <summary>
    /// Adds a new route's notifications to the unit of work that writes the route, so they commit
    /// with it; returns them (the caller wakes the sender, or hands them to it, after its commit).
    /// </summary>
    public async Task<List<Notification>> PlanIntoAsync(
        ICaseUnitOfWork work, RocDbContext db, ChildCase @case, CaseRoute route, Dictionary<string, DutyRoster>? rosters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(route);
        var notifications = await PlanAsync(db, @case.Id, NotificationStep.Routed, route.Sequence, @case.Urgency, route.Recipient, rosters, cancellationToken);
        foreach (var notification in notifications)
        {
            work.Add(notification);
        }
        return notifications;
    }

    private async Task<DutyRoster> RosterAsync(RocDbContext db, string organisation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!cache.TryGet(organisation, out var roster))
        {
            var generation = cache.Generation;
            roster = await db.RosterAsync(organisation, now, config.DefaultCalendar.Zone, cancellationToken);
            cache.Keep(organisation, roster, generation);
        }
        return roster.IsEmpty && environment.IsDevelopment()
            ? DevelopmentIdentity.RosterOf(organisation, config.DefaultService.Id, config.DefaultCalendar.Zone)
            : roster;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nobody is on duty to reach about case {CaseId}: {Organisation}, {Role}")]
    private static partial void LogNobodyOnDuty(ILogger logger, Guid caseId, string organisation, string role);
}

public static class NotificationPlanningExtensions
{
    /// <summary>Planning whom a step of a case must reach, for every process that makes steps (the API's handovers, the worker).</summary>
    public static IServiceCollection AddNotificationPlanning(this IServiceCollection services)
    {
        services.AddSingleton<RosterCache>();
        services.AddSingleton<NotificationPlanner>();
        return services;
    }
}
