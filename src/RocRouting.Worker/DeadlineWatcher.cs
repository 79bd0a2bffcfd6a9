using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;
using RocRouting.Worker.Notifications;

namespace RocRouting.Worker;

public sealed class DeadlineOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 50;
}

/// <summary>
/// Fires deadlines when nobody acknowledges a case in time, like the escalation engine of an on-call
/// system (what each step does: <see cref="CaseLifecycle.FireDeadline"/>; when: <see cref="DeadlinePolicy"/>).
/// Deadlines are rows in PostgreSQL claimed with FOR UPDATE SKIP LOCKED and marked fired in the same
/// transaction as their effect, so each fires once with any number of workers and still fires after a
/// restart. The case row is locked too, so an acknowledgement racing a deadline is decided by
/// whichever commits first.
/// </summary>
public sealed partial class DeadlineWatcher(
    IServiceScopeFactory scopes,
    TimeProvider time,
    NotificationPlanner planner,
    NotificationSignal notifications,
    IOptions<DeadlineOptions> options,
    RocMetrics metrics,
    ILogger<DeadlineWatcher> logger) : BackgroundService
{
    private long _lastRound = -1;

    /// <summary>How long ago a round last completed (real time, whatever the injected clock says); null before the first.</summary>
    public TimeSpan? SinceLastRound
    {
        get
        {
            var last = Interlocked.Read(ref _lastRound);
            return last < 0 ? null : TimeSpan.FromMilliseconds(Environment.TickCount64 - last);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await FireDueAsync(stoppingToken) == options.Value.BatchSize)
                {
                }
                Interlocked.Exchange(ref _lastRound, Environment.TickCount64);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
            }
            await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Fires every deadline due now (by the injected clock); returns how many were claimed.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var config = scope.ServiceProvider.GetRequiredService<RoutingConfiguration>();
        var webhooks = scope.ServiceProvider.GetRequiredService<WebhookDirectory>();
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = await db.ClaimDueDeadlinesAsync(now, options.Value.BatchSize, cancellationToken);
        var rosters = new Dictionary<string, DutyRoster>(StringComparer.Ordinal);
        var planned = 0;
        foreach (var deadline in due)
        {
            // Firing continues the trace of the decision that set the deadline, and so the case's trace.
            using var activity = RocDiagnostics.StartFrom("deadline " + Wire.Name(deadline.Kind), ActivityKind.Internal, deadline.TraceParent, deadline.CaseId);
            var @case = await db.LockCaseAsync(deadline.CaseId, cancellationToken);
            var route = await db.CaseRoutes.SingleAsync(r => r.Id == deadline.RouteId, cancellationToken);
            var fired = CaseLifecycle.FireDeadline(db, deadline, @case, route, config, webhooks, now);
            if (fired.NewRoute is { } newRoute)
            {
                planned += (await planner.PlanIntoAsync(db, db, @case!, newRoute, rosters, cancellationToken)).Count;
            }
            if (fired.Effect != DeadlineEffect.Moot)
            {
                Record(fired, deadline, @case!, route);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (planned > 0)
        {
            notifications.Wake();
        }
        return due.Count;
    }

    private void Record(DeadlineFired fired, Deadline deadline, ChildCase @case, CaseRoute route)
    {
        metrics.DeadlinesFired.Add(1, new KeyValuePair<string, object?>("kind", Wire.Name(deadline.Kind)));
        var urgency = new KeyValuePair<string, object?>("urgency", Wire.Name(@case.Urgency));
        switch (fired.Effect)
        {
            case DeadlineEffect.Overdue:
                metrics.CasesOverdue.Add(1, new("recipient_kind", Wire.Name(route.RecipientKind)), urgency);
                LogOverdue(logger, @case.Id, route.RecipientKind, fired.Next!.Kind, fired.Next.DueAt);
                break;
            case DeadlineEffect.Rerouted:
                metrics.RoutingDecisions.Add(1, new("rule", fired.NewRoute!.RuleId), new("recipient_kind", Wire.Name(fired.NewRoute.RecipientKind)));
                LogRerouted(logger, @case.Id, fired.NewRoute.RuleId);
                break;
            case DeadlineEffect.Escalated:
                metrics.CasesEscalated.Add(1, urgency);
                LogEscalated(logger, @case.Id, route.RecipientServiceId, @case.Urgency);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Deadline watcher round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} overdue at {RecipientKind}; re-notified, next step {NextKind} at {NextDueAt}")]
    private static partial void LogOverdue(ILogger logger, Guid caseId, RecipientKind recipientKind, DeadlineKind nextKind, DateTimeOffset nextDueAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId} re-routed to the social emergency service by rule {RuleId}")]
    private static partial void LogRerouted(ILogger logger, Guid caseId, string ruleId);

    [LoggerMessage(Level = LogLevel.Critical, Message = "OPERATOR ALERT: case {CaseId} ({Urgency}) still unacknowledged at social emergency service {ServiceId} after a second window")]
    private static partial void LogEscalated(ILogger logger, Guid caseId, string? serviceId, Urgency urgency);
}
