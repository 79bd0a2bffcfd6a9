using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RocRouting.Contracts;
using RocRouting.Data.Outbox;
using RocRouting.Routing;

namespace RocRouting.Data;

/// <summary>
/// The state changes of a case that several places make (the routing worker, the deadline watcher,
/// the staff API), each writing the case, its timeline and its outbox message in the caller's
/// unit of work. The caller commits.
/// </summary>
public static class CaseWorkflow
{
    /// <summary>
    /// Makes a decision the case's current route: stored, on the timeline, announced, and watched by a deadline.
    /// Deadlines and deliveries continue <paramref name="traceParent"/> (by default the current activity's trace).
    /// </summary>
    public static CaseRoute ApplyRoute(
        RocDbContext db, ChildCase @case, RoutingDecision decision, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now, CaseEventKind eventKind,
        string? traceParent = null)
    {
        traceParent ??= Activity.Current?.Id;
        var sequence = @case.RouteSequence + 1;
        var route = new CaseRoute
        {
            CaseId = @case.Id,
            Sequence = sequence,
            RecipientKind = decision.Recipient.Kind,
            RecipientMunicipalityCode = decision.Recipient.MunicipalityCode,
            RecipientServiceId = decision.Recipient.ServiceId,
            RuleId = decision.RuleId,
            Reason = decision.Reason,
            AcknowledgeBy = decision.AcknowledgeBy,
            DecidedAt = now,
            ConfigurationVersion = decision.ConfigurationVersion,
        };
        route.Signals.AddRange(decision.Signals.Select(s => new Signal
        {
            Id = Guid.CreateVersion7(now),
            CaseId = @case.Id,
            MunicipalityCode = s.MunicipalityCode,
            DueAt = s.DueAt,
        }));
        route.Deadlines.Add(new Deadline { CaseId = @case.Id, Kind = DeadlineKind.FirstMiss, DueAt = decision.AcknowledgeBy, TraceParent = traceParent });
        if (decision.Recipient.Kind == RecipientKind.HomeMunicipality)
        {
            // A municipality whose office closes before the deadline loses the case to the socialjour at closing time.
            var calendar = config.CalendarFor(decision.Recipient.MunicipalityCode!);
            var workday = calendar.StatusAt(now).OpenDay ?? calendar.NextOpening(now);
            if (workday.Closes < decision.AcknowledgeBy)
            {
                route.Deadlines.Add(new Deadline { CaseId = @case.Id, Kind = DeadlineKind.Reroute, DueAt = workday.Closes, TraceParent = traceParent });
            }
        }
        db.CaseRoutes.Add(route);

        // The recipient's inbox gets the case, each signalled municipality a signal; webhooks follow where configured.
        AddToInbox(db, webhooks, @case, route, decision.Recipient, InboxItemKind.Case, decision.AcknowledgeBy, now, traceParent);
        foreach (var signal in decision.Signals)
        {
            AddToInbox(db, webhooks, @case, route, Recipient.HomeMunicipality(signal.MunicipalityCode), InboxItemKind.Signal, signal.DueAt, now, traceParent);
        }

        var previous = @case.Recipient;
        @case.RouteSequence = sequence;
        @case.RecipientKind = decision.Recipient.Kind;
        @case.RecipientMunicipalityCode = decision.Recipient.MunicipalityCode;
        @case.RecipientServiceId = decision.Recipient.ServiceId;
        @case.AcknowledgeBy = decision.AcknowledgeBy;
        @case.AcknowledgedAt = null;
        @case.Status = CaseStatus.Routed;
        @case.RoutedAt ??= now;
        AddEvent(db, @case, eventKind, now, previous is null
            ? $"to {decision.Recipient} ({decision.RuleId})"
            : $"from {previous} to {decision.Recipient} ({decision.RuleId})");

        db.Enqueue(
            new CaseRouted
            {
                CaseId = @case.Id,
                Urgency = @case.Urgency,
                Recipient = decision.Recipient,
                RuleId = decision.RuleId,
                AcknowledgeBy = decision.AcknowledgeBy,
                DecidedAt = now,
                ConfigurationVersion = decision.ConfigurationVersion,
                Signals = decision.Signals,
                RouteSequence = sequence,
            },
            MessageIds.For(@case.Id, nameof(CaseRouted), sequence),
            now,
            traceParent);
        return route;
    }

    private static void AddToInbox(
        RocDbContext db, WebhookDirectory webhooks, ChildCase @case, CaseRoute route, Recipient recipient, InboxItemKind kind, DateTimeOffset dueAt, DateTimeOffset now, string? traceParent)
    {
        var item = new InboxItem
        {
            Id = Guid.CreateVersion7(now),
            RecipientKind = recipient.Kind,
            RecipientMunicipalityCode = recipient.MunicipalityCode,
            RecipientServiceId = recipient.ServiceId,
            Kind = kind,
            CaseId = @case.Id,
            Urgency = @case.Urgency,
            DueAt = dueAt,
            CreatedAt = now,
        };
        route.InboxItems.Add(item);
        if (webhooks.HasWebhook(recipient))
        {
            db.Deliveries.Add(new Delivery
            {
                Id = Guid.CreateVersion7(now),
                InboxItemId = item.Id,
                CaseId = @case.Id,
                Recipient = recipient.ToString(),
                TraceParent = traceParent,
                State = DeliveryState.Pending,
                // A case is announced at once; a signal when it is due.
                NextAttemptAt = kind == InboxItemKind.Case ? now : dueAt,
                CreatedAt = now,
            });
        }
    }

    public static void AddEvent(RocDbContext db, ChildCase @case, CaseEventKind kind, DateTimeOffset at, string? detail = null) =>
        db.CaseEvents.Add(new CaseEvent { CaseId = @case.Id, Kind = kind, At = at, Detail = detail });

    /// <summary>Loads a case and locks its row until the transaction ends, so an acknowledgement and a deadline cannot both win.</summary>
    public static Task<ChildCase?> LockCaseAsync(this RocDbContext db, Guid caseId, CancellationToken cancellationToken) =>
        db.Cases.FromSql($"SELECT * FROM cases WHERE id = {caseId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    public static Task<CaseRoute> CurrentRouteAsync(this RocDbContext db, ChildCase @case, CancellationToken cancellationToken) =>
        db.CaseRoutes.SingleAsync(r => r.CaseId == @case.Id && r.Sequence == @case.RouteSequence, cancellationToken);

    public static CaseFacts Facts(this ChildCase @case) => new(@case.HomeMunicipalityCode, @case.FoundInMunicipalityCode, @case.Urgency);
}
