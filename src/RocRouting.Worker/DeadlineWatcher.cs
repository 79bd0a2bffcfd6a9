using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Diagnostics;
using RocRouting.Data.Outbox;
using RocRouting.Routing;

namespace RocRouting.Worker;

public sealed class DeadlineOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 50;
}

/// <summary>
/// Acts when nobody acknowledges a case in time, like the escalation engine of an on-call system:
/// first miss, re-notify and mark overdue; a municipality that still has not taken it (a second
/// window, or its office closing) loses it to the socialjour; the socialjour still not taking it
/// raises an operator alert. Deadlines are rows in PostgreSQL claimed with FOR UPDATE SKIP LOCKED and
/// marked fired in the same transaction as their effect, so each fires once with any number of
/// workers and still fires after a restart. The case row is locked too, so an acknowledgement
/// racing a deadline is decided by whichever commits first.
/// </summary>
public sealed partial class DeadlineWatcher(
    IServiceScopeFactory scopes,
    TimeProvider time,
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
        var due = await db.Deadlines
            .FromSql($"""
                SELECT * FROM case_deadlines
                WHERE fired_at IS NULL AND due_at <= {now}
                ORDER BY due_at
                LIMIT {options.Value.BatchSize}
                FOR UPDATE SKIP LOCKED
                """)
            .ToListAsync(cancellationToken);
        foreach (var deadline in due)
        {
            // Firing continues the trace of the decision that set the deadline, and so the case's trace.
            using var activity = RocDiagnostics.StartFrom("deadline " + Wire.Name(deadline.Kind), ActivityKind.Internal, deadline.TraceParent, deadline.CaseId);
            var @case = await db.LockCaseAsync(deadline.CaseId, cancellationToken);
            var route = await db.CaseRoutes.SingleAsync(r => r.Id == deadline.RouteId, cancellationToken);
            deadline.FiredAt = now;
            // Moot once someone took the case, it was closed, or it moved on to another recipient.
            if (@case is null || !@case.IsOpen || @case.AcknowledgedAt is not null || @case.RouteSequence != route.Sequence)
            {
                continue;
            }
            switch (deadline.Kind)
            {
                case DeadlineKind.FirstMiss:
                    FirstMiss(db, config, @case, route, now);
                    break;
                case DeadlineKind.Reroute:
                    Reroute(db, config, webhooks, @case, now);
                    break;
                case DeadlineKind.Escalate:
                    Escalate(db, @case, route, now);
                    break;
            }
            metrics.DeadlinesFired.Add(1, new KeyValuePair<string, object?>("kind", Wire.Name(deadline.Kind)));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private void FirstMiss(RocDbContext db, RoutingConfiguration config, ChildCase @case, CaseRoute route, DateTimeOffset now)
    {
        var recipient = route.Recipient;
        @case.Status = CaseStatus.Overdue;
        metrics.CasesOverdue.Add(1, new("recipient_kind", Wire.Name(recipient.Kind)), new("urgency", Wire.Name(@case.Urgency)));
        CaseWorkflow.AddEvent(db, @case, CaseEventKind.Overdue, now, $"{recipient} did not acknowledge by {route.AcknowledgeBy:u}");
        CaseWorkflow.AddEvent(db, @case, CaseEventKind.Renotified, now, recipient.ToString());
        db.Enqueue(
            new CaseOverdue
            {
                CaseId = @case.Id,
                RouteSequence = route.Sequence,
                Recipient = recipient,
                Urgency = @case.Urgency,
                AcknowledgeBy = route.AcknowledgeBy,
                OverdueAt = now,
            },
            MessageIds.For(@case.Id, nameof(CaseOverdue), route.Sequence),
            now);

        var secondWindowEnds = now + config.SecondWindow(@case.Urgency);
        Deadline next;
        if (recipient.Kind == RecipientKind.HomeMunicipality)
        {
            // A municipality keeps the case until the second window ends or its office closes, whichever is first.
            var office = config.CalendarFor(recipient.MunicipalityCode!).StatusAt(now);
            var dueAt = office.OpenDay is { } day ? (day.Closes < secondWindowEnds ? day.Closes : secondWindowEnds) : now;
            next = new Deadline { CaseId = @case.Id, RouteId = route.Id, Kind = DeadlineKind.Reroute, DueAt = dueAt, TraceParent = Activity.Current?.Id };
        }
        else
        {
            next = new Deadline { CaseId = @case.Id, RouteId = route.Id, Kind = DeadlineKind.Escalate, DueAt = secondWindowEnds, TraceParent = Activity.Current?.Id };
        }
        db.Deadlines.Add(next);
        LogOverdue(logger, @case.Id, recipient.Kind, next.Kind, next.DueAt);
    }

    private void Reroute(RocDbContext db, RoutingConfiguration config, WebhookDirectory webhooks, ChildCase @case, DateTimeOffset now)
    {
        var municipality = config.NameOf(@case.Recipient!);
        var officeOpen = config.CalendarFor(@case.RecipientMunicipalityCode!).StatusAt(now).IsOpen;
        var decision = officeOpen
            ? RoutingPolicy.RerouteToSocialEmergencyService(@case.Facts(), now, config, RuleIds.EscalationUnacknowledged,
                $"{municipality} did not acknowledge the case within a second window; the socialjour takes it")
            : RoutingPolicy.RerouteToSocialEmergencyService(@case.Facts(), now, config, RuleIds.EscalationOfficeClosed,
                $"{municipality}'s office closed with the case unacknowledged; the socialjour takes it");
        CaseWorkflow.ApplyRoute(db, @case, decision, config, webhooks, now, CaseEventKind.Rerouted);
        metrics.RoutingDecisions.Add(1, new("rule", decision.RuleId), new("recipient_kind", Wire.Name(decision.Recipient.Kind)));
        db.Audit(Actor.Worker, "case.reroute", @case.Id, now);
        LogRerouted(logger, @case.Id, decision.RuleId);
    }

    private void Escalate(RocDbContext db, ChildCase @case, CaseRoute route, DateTimeOffset now)
    {
        @case.Escalated = true;
        db.Audit(Actor.Worker, "case.escalate", @case.Id, now);
        CaseWorkflow.AddEvent(db, @case, CaseEventKind.Escalated, now, $"{route.Recipient} has not acknowledged; operators alerted");
        db.Enqueue(
            new CaseEscalated
            {
                CaseId = @case.Id,
                RouteSequence = route.Sequence,
                Recipient = route.Recipient,
                Urgency = @case.Urgency,
                AcknowledgeBy = route.AcknowledgeBy,
                EscalatedAt = now,
            },
            MessageIds.For(@case.Id, nameof(CaseEscalated), route.Sequence),
            now);
        metrics.CasesEscalated.Add(1, new KeyValuePair<string, object?>("urgency", Wire.Name(@case.Urgency)));
        LogEscalated(logger, @case.Id, route.RecipientServiceId, @case.Urgency);
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
