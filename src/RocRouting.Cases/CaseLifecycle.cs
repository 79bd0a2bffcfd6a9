using System.Diagnostics;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Cases;

/// <summary>Why a staff action on a case did not happen.</summary>
public enum CaseRefusal
{
    /// <summary>The person has no role in the case: answered as if it did not exist.</summary>
    NotFound,

    /// <summary>The case has moved on from the person's organisation to another recipient.</summary>
    Moved,

    /// <summary>The case is closed.</summary>
    Closed,

    /// <summary>The socialjour cannot hand a case on to a home municipality nobody knows.</summary>
    NoHomeMunicipality,
}

/// <summary>What a staff action gave: the result (new, or the first one on a repeat), or why it was refused.</summary>
public sealed record StaffAction<T>(T? Result, bool Changed, CaseRefusal? Refusal) where T : class;

internal static class StaffAction
{
    public static StaffAction<T> Refused<T>(CaseRefusal refusal) where T : class => new(null, false, refusal);

    public static StaffAction<T> Repeated<T>(T first) where T : class => new(first, false, null);

    public static StaffAction<T> Done<T>(T result) where T : class => new(result, true, null);
}

/// <summary>What firing a deadline did.</summary>
public enum DeadlineEffect
{
    /// <summary>Nothing: the case was taken, closed or moved on before the deadline came.</summary>
    Moot,

    /// <summary>Overdue: the recipient is notified again and the next step is set.</summary>
    Overdue,

    /// <summary>The socialjour took the case from a municipality that did not.</summary>
    Rerouted,

    /// <summary>The operators were alerted: the socialjour did not take the case either.</summary>
    Escalated,
}

public sealed record DeadlineFired(DeadlineEffect Effect, DeadlineDue? Next, CaseRoute? NewRoute);

public enum DeliveryOutcome
{
    Delivered,
    Rescheduled,
    Failed,
}

/// <summary>
/// Everything that happens to a case, one method per transition. Each owns its whole effect: the
/// state change, the timeline event, the outbox message and the audit entry, added to the caller's
/// unit of work so they commit together. The callers (endpoints, consumers, the deadline watcher,
/// the delivery worker, the console) are adapters: load, call, save. Which recipient and which
/// deadlines is decided by the pure <see cref="RoutingPolicy"/> and <see cref="DeadlinePolicy"/>;
/// who may act by <see cref="CaseAccess"/>. Retention's erasure is the one set-based exception: it
/// runs as a single statement in the persistence project (RetentionQueries), as it must reach every
/// expired case at once.
/// </summary>
public static class CaseLifecycle
{
    /// <summary>A police officer submits a case: stored with its first event, announced, on the trail.</summary>
    public static void Submit(ICaseUnitOfWork work, ChildCase @case, Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(@case);
        @case.Status = CaseStatus.Submitted;
        @case.SubmittedAt = now;
        work.Add(@case);
        AddEvent(work, @case.Id, CaseEventKind.Submitted, now, detail: null);
        work.Audit(actor, AuditActions.CaseSubmit, @case.Id, now);
        work.Enqueue(Submitted(@case), MessageIds.For(@case.Id, nameof(CaseSubmitted)), now);
    }

    /// <summary>The message that asks for a stored case to be routed (at submission, and by the sweeper for a case stuck unrouted).</summary>
    public static CaseSubmitted Submitted(ChildCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        return new CaseSubmitted
        {
            CaseId = @case.Id,
            Urgency = @case.Urgency,
            Category = @case.Category,
            HomeMunicipalityCode = @case.HomeMunicipalityCode,
            FoundInMunicipalityCode = @case.FoundInMunicipalityCode,
            SubmittedAt = @case.SubmittedAt,
        };
    }

    /// <summary>
    /// A submitted case as its <see cref="CaseSubmitted"/> describes it: the routing facts, in the state
    /// every stored case starts in. For a unit of work that writes only the columns a transition changes
    /// (the routing worker's, which then decides without reading the case); nothing else is known, so
    /// the personal data and the reporter are empty and must never be written from it. Whether the case
    /// is still unrouted is not known either: the route's unique (case, sequence) key refuses a second
    /// first decision, and the caller then reads the case.
    /// </summary>
    public static ChildCase AsSubmitted(CaseSubmitted message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new ChildCase
        {
            Id = message.CaseId,
            Status = CaseStatus.Submitted,
            Urgency = message.Urgency,
            Category = message.Category,
            HomeMunicipalityCode = message.HomeMunicipalityCode,
            FoundInMunicipalityCode = message.FoundInMunicipalityCode,
            SubmittedAt = message.SubmittedAt,
            ReportedByOfficerId = "",
            ReportedByUnit = "",
            SubmittedBy = "",
            SubmittedByUnit = "",
            IdempotencyKey = "",
            RequestHash = [],
        };
    }

    /// <summary>
    /// The worker's first decision, made for the instant the case was submitted. Null when the case
    /// is routed already (a redelivered CaseSubmitted): the first decision stands.
    /// </summary>
    public static CaseRoute? Route(
        ICaseUnitOfWork work, ChildCase @case, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now, string? traceParent)
    {
        ArgumentNullException.ThrowIfNull(@case);
        if (@case.IsRouted)
        {
            return null;
        }
        var decision = RoutingPolicy.Decide(@case.Facts(), @case.SubmittedAt, config);
        var route = AddRoute(work, @case, decision, config, webhooks, now, CaseEventKind.Routed, traceParent);
        work.Audit(Actor.Worker, AuditActions.CaseRoute, @case.Id, now);
        return route;
    }

    /// <summary>
    /// "I have it": only the organisation the case is with; a repeat gets the first acknowledgement
    /// back. The note comes sealed: the caller holds the keys, the lifecycle never sees the words.
    /// </summary>
    public static StaffAction<Acknowledgement> Acknowledge(ICaseUnitOfWork work, ChildCase @case, CaseReader reader, string? sealedNote, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@case);
        if (Gate(work, @case, reader, now) is { } refusal)
        {
            return StaffAction.Refused<Acknowledgement>(refusal);
        }
        var route = @case.CurrentRoute;
        if (@case.Acknowledgements.FirstOrDefault(a => a.RouteId == route.Id) is { } first)
        {
            return StaffAction.Repeated<Acknowledgement>(first);
        }
        if (!@case.IsOpen)
        {
            return StaffAction.Refused<Acknowledgement>(CaseRefusal.Closed);
        }
        var recipient = @case.Recipient!;
        var acknowledgement = new Acknowledgement
        {
            CaseId = @case.Id,
            RouteId = route.Id,
            Organisation = recipient.ToString(),
            Subject = reader.Subject,
            SealedNote = sealedNote,
            AcknowledgedAt = now,
        };
        work.Add(acknowledgement);
        @case.Status = CaseStatus.Acknowledged;
        @case.AcknowledgedAt = now;
        AddEvent(work, @case.Id, CaseEventKind.Acknowledged, now, $"by {recipient}");
        work.Audit(Actor.For(reader), AuditActions.CaseAcknowledge, @case.Id, now);
        work.Enqueue(
            new CaseAcknowledged { CaseId = @case.Id, RouteSequence = route.Sequence, Recipient = recipient, AcknowledgedAt = now },
            MessageIds.For(@case.Id, nameof(CaseAcknowledged), route.Sequence),
            now);
        return StaffAction.Done<Acknowledgement>(acknowledgement);
    }

    /// <summary>
    /// The recipient hands the case on (<see cref="RoutingPolicy.HandOver"/> says to whom); the new
    /// route has fresh deadlines. An acknowledged case may be handed over too.
    /// </summary>
    public static StaffAction<CaseRoute> HandOver(
        ICaseUnitOfWork work, ChildCase @case, CaseReader reader, string sealedReason, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@case);
        if (Gate(work, @case, reader, now) is { } refusal)
        {
            return StaffAction.Refused<CaseRoute>(refusal);
        }
        if (!@case.IsOpen)
        {
            return StaffAction.Refused<CaseRoute>(CaseRefusal.Closed);
        }
        if (RoutingPolicy.HandOver(@case.Facts(), @case.Recipient!, now, config) is not { } decision)
        {
            return StaffAction.Refused<CaseRoute>(CaseRefusal.NoHomeMunicipality);
        }
        var route = AddRoute(work, @case, decision, config, webhooks, now, CaseEventKind.HandedOver, traceParent: null);
        route.SealedHandoverNote = sealedReason;
        work.Audit(Actor.For(reader), AuditActions.CaseHandover, @case.Id, now);
        return StaffAction.Done<CaseRoute>(route);
    }

    /// <summary>The recipient closes the case with an outcome; closing twice returns the first closure.</summary>
    public static StaffAction<ChildCase> Close(ICaseUnitOfWork work, ChildCase @case, CaseReader reader, CaseOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@case);
        if (Gate(work, @case, reader, now) is { } refusal)
        {
            return StaffAction.Refused<ChildCase>(refusal);
        }
        if (!@case.IsOpen)
        {
            return StaffAction.Repeated<ChildCase>(@case);
        }
        @case.Status = CaseStatus.Closed;
        @case.ClosedAt = now;
        @case.Outcome = outcome;
        AddEvent(work, @case.Id, CaseEventKind.Closed, now, $"by {@case.Recipient}: {Wire.Name(outcome)}");
        work.Audit(Actor.For(reader), AuditActions.CaseClose, @case.Id, now);
        work.Enqueue(new CaseClosed { CaseId = @case.Id, Outcome = Wire.Name(outcome), ClosedAt = now }, MessageIds.For(@case.Id, nameof(CaseClosed)), now);
        return StaffAction.Done<ChildCase>(@case);
    }

    /// <summary>
    /// A deadline falls due. It is marked fired whatever happens, and is moot once someone took the
    /// case, it was closed, or it moved on to another recipient; otherwise the first miss marks the
    /// case overdue, a second miss moves it from a municipality to the socialjour, and a socialjour
    /// that still has not taken it is escalated to the operators.
    /// </summary>
    public static DeadlineFired FireDeadline(
        ICaseUnitOfWork work, Deadline deadline, ChildCase? @case, CaseRoute route, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        ArgumentNullException.ThrowIfNull(route);
        deadline.FiredAt = now;
        if (@case is null || !@case.IsOpen || @case.AcknowledgedAt is not null || @case.RouteSequence != route.Sequence)
        {
            return new DeadlineFired(DeadlineEffect.Moot, null, null);
        }
        return deadline.Kind switch
        {
            DeadlineKind.FirstMiss => MarkOverdue(work, @case, route, config, now),
            DeadlineKind.Reroute => RerouteUnacknowledged(work, @case, config, webhooks, now),
            DeadlineKind.Escalate => Escalate(work, @case, route, now),
            _ => throw new UnreachableException($"Deadline kind {deadline.Kind}"),
        };
    }

    private static DeadlineFired MarkOverdue(ICaseUnitOfWork work, ChildCase @case, CaseRoute route, RoutingConfiguration config, DateTimeOffset now)
    {
        var recipient = route.Recipient;
        @case.Status = CaseStatus.Overdue;
        AddEvent(work, @case.Id, CaseEventKind.Overdue, now, $"{recipient} did not acknowledge by {route.AcknowledgeBy:u}");
        AddEvent(work, @case.Id, CaseEventKind.Renotified, now, recipient.ToString());
        work.Audit(Actor.Worker, AuditActions.CaseOverdue, @case.Id, now);
        work.Enqueue(
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
        var next = DeadlinePolicy.AfterFirstMiss(recipient, @case.Urgency, now, config);
        AddDeadline(work, @case, route, next, Activity.Current?.Id);
        return new DeadlineFired(DeadlineEffect.Overdue, next, null);
    }

    private static DeadlineFired RerouteUnacknowledged(ICaseUnitOfWork work, ChildCase @case, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now)
    {
        var decision = RoutingPolicy.RerouteUnacknowledged(@case.Facts(), @case.Recipient!, now, config);
        var route = AddRoute(work, @case, decision, config, webhooks, now, CaseEventKind.Rerouted, traceParent: null);
        work.Audit(Actor.Worker, AuditActions.CaseReroute, @case.Id, now);
        return new DeadlineFired(DeadlineEffect.Rerouted, null, route);
    }

    private static DeadlineFired Escalate(ICaseUnitOfWork work, ChildCase @case, CaseRoute route, DateTimeOffset now)
    {
        @case.Escalated = true;
        AddEvent(work, @case.Id, CaseEventKind.Escalated, now, $"{route.Recipient} has not acknowledged; operators alerted");
        work.Audit(Actor.Worker, AuditActions.CaseEscalate, @case.Id, now);
        work.Enqueue(
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
        return new DeadlineFired(DeadlineEffect.Escalated, null, null);
    }

    /// <summary>
    /// The outcome of a webhook attempt on an (attached) delivery: delivered, on the case's timeline;
    /// or back on the durable schedule; or, past the limit or refused for good, failed with an alert.
    /// <paramref name="retryAfter"/> is the receiver's wish, <see cref="TimeSpan.MaxValue"/> for never.
    /// </summary>
    public static DeliveryOutcome RecordDelivery(
        ICaseUnitOfWork work, Delivery delivery, InboxItem item, string? error, TimeSpan? retryAfter, DeliveryOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(options);
        delivery.LeaseUntil = null;
        if (error is null)
        {
            delivery.State = DeliveryState.Delivered;
            delivery.DeliveredAt = now;
            delivery.LastError = null;
            AddEvent(work, delivery.CaseId, CaseEventKind.Delivered, now, $"{Wire.Name(item.Kind)} to {delivery.Recipient} (webhook)");
            return DeliveryOutcome.Delivered;
        }
        delivery.LastError = LastError(error);
        // A manual retry of a failed delivery gets one attempt: the count is past the limit already.
        if (retryAfter == TimeSpan.MaxValue || delivery.Attempts >= options.MaxAttempts)
        {
            delivery.State = DeliveryState.Failed;
            work.Enqueue(
                new DeliveryFailed { DeliveryId = delivery.Id, CaseId = delivery.CaseId, Recipient = delivery.Recipient, Attempts = delivery.Attempts, FailedAt = now },
                MessageIds.For(delivery.CaseId, $"{nameof(DeliveryFailed)}:{delivery.Id:N}", delivery.Attempts),
                now);
            return DeliveryOutcome.Failed;
        }
        // A receiver's Retry-After is honoured up to the longest backoff: it cannot park a delivery for a year.
        var wait = retryAfter is { } asked
            ? (asked < TimeSpan.Zero ? TimeSpan.Zero : asked > options.MaxRetryDelay ? options.MaxRetryDelay : asked)
            : Backoff.Exponential(delivery.Attempts, options.FirstRetryDelay, options.MaxRetryDelay);
        delivery.NextAttemptAt = now + wait;
        return DeliveryOutcome.Rescheduled;
    }

    /// <summary>What a delivery keeps of an error: its column holds 500 characters.</summary>
    private static string LastError(string error) => error.Length > 500 ? error[..500] : error;

    /// <summary>
    /// A delivery not sent because its recipient's circuit is open: it never reached the receiver, so
    /// the attempt its claim counted is given back (otherwise a receiver down for a few minutes would
    /// use up every delivery's attempts without one being sent, and fail them all), and it waits for
    /// the circuit's break to end, or its own backoff if that is longer.
    /// </summary>
    public static DeliveryOutcome DeferDelivery(Delivery delivery, string reason, TimeSpan? circuitOpenFor, DeliveryOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(options);
        delivery.LeaseUntil = null;
        delivery.Attempts = Math.Max(0, delivery.Attempts - 1);
        delivery.LastError = LastError(reason);
        var backoff = Backoff.Exponential(Math.Max(1, delivery.Attempts), options.FirstRetryDelay, options.MaxRetryDelay);
        delivery.NextAttemptAt = now + (circuitOpenFor is { } open && open > backoff ? open : backoff);
        return DeliveryOutcome.Rescheduled;
    }

    /// <summary>An operator puts a failed or pending delivery back on the schedule, due now; a delivered one is not sent again.</summary>
    public static bool RetryDelivery(ICaseUnitOfWork work, Delivery delivery, Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var retried = delivery.State != DeliveryState.Delivered;
        if (retried)
        {
            delivery.State = DeliveryState.Pending;
            delivery.NextAttemptAt = now;
            delivery.LeaseUntil = null;
        }
        work.Audit(actor, AuditActions.DeliveryRetry, delivery.CaseId, now, retried ? AuditTrail.Ok : AuditTrail.Denied);
        return retried;
    }

    /// <summary>
    /// Only the organisation the case is with now may act. A refused attempt is on the audit trail;
    /// an organisation the case has moved away from is told so, anyone else that the case does not exist.
    /// </summary>
    private static CaseRefusal? Gate(ICaseUnitOfWork work, ChildCase @case, CaseReader reader, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (CaseAccess.CanAct(reader, @case))
        {
            return null;
        }
        work.Audit(Actor.For(reader), AuditActions.CaseChange, @case.Id, now, AuditTrail.Denied);
        return CaseAccess.HadIt(reader, @case) ? CaseRefusal.Moved : CaseRefusal.NotFound;
    }

    /// <summary>
    /// Makes a decision the case's current route: stored, in the recipient's inbox (and each signalled
    /// municipality's), on the timeline, announced, and watched by its deadlines. Deadlines and
    /// deliveries continue <paramref name="traceParent"/> (by default the current activity's trace).
    /// Every caller adds the people's notifications of the new route to the same unit of work
    /// (NotificationPlanner.PlanIntoAsync), and CaseRouted says so.
    /// </summary>
    private static CaseRoute AddRoute(
        ICaseUnitOfWork work, ChildCase @case, RoutingDecision decision, RoutingConfiguration config, WebhookDirectory webhooks, DateTimeOffset now,
        CaseEventKind eventKind, string? traceParent)
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
        foreach (var due in DeadlinePolicy.ForRoute(decision, now, config))
        {
            route.Deadlines.Add(new Deadline { CaseId = @case.Id, Kind = due.Kind, DueAt = due.DueAt, TraceParent = traceParent });
        }
        work.Add(route);

        AddToInbox(work, webhooks, @case, route, decision.Recipient, InboxItemKind.Case, decision.AcknowledgeBy, now, traceParent);
        foreach (var signal in decision.Signals)
        {
            AddToInbox(work, webhooks, @case, route, Recipient.HomeMunicipality(signal.MunicipalityCode), InboxItemKind.Signal, signal.DueAt, now, traceParent);
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
        AddEvent(work, @case.Id, eventKind, now, previous is null
            ? $"to {decision.Recipient} ({decision.RuleId})"
            : $"from {previous} to {decision.Recipient} ({decision.RuleId})");

        work.Enqueue(
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
                NotificationsPlanned = true,
            },
            MessageIds.For(@case.Id, nameof(CaseRouted), sequence),
            now,
            traceParent);
        return route;
    }

    private static void AddToInbox(
        ICaseUnitOfWork work, WebhookDirectory webhooks, ChildCase @case, CaseRoute route, Recipient recipient, InboxItemKind kind, DateTimeOffset dueAt,
        DateTimeOffset now, string? traceParent)
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
            work.Add(new Delivery
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

    private static void AddDeadline(ICaseUnitOfWork work, ChildCase @case, CaseRoute route, DeadlineDue due, string? traceParent) =>
        work.Add(new Deadline { CaseId = @case.Id, RouteId = route.Id, Kind = due.Kind, DueAt = due.DueAt, TraceParent = traceParent });

    private static void AddEvent(ICaseUnitOfWork work, Guid caseId, CaseEventKind kind, DateTimeOffset at, string? detail) =>
        work.Add(new CaseEvent { CaseId = caseId, Kind = kind, At = at, Detail = detail });
}
