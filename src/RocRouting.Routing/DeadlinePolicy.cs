using RocRouting.Contracts;

namespace RocRouting.Routing;

public enum DeadlineKind
{
    /// <summary>The recipient's acknowledgement window has passed: re-notify and mark the case overdue.</summary>
    FirstMiss,

    /// <summary>A municipality still has not acknowledged (second window, or its office closed): the socialjour takes over.</summary>
    Reroute,

    /// <summary>The socialjour still has not acknowledged after a second window: alert the operators.</summary>
    Escalate,
}

/// <summary>A deadline to watch: what happens, and when.</summary>
public sealed record DeadlineDue(DeadlineKind Kind, DateTimeOffset DueAt);

/// <summary>
/// When an unacknowledged case moves on, as a pure function of the route, the instant and the
/// configuration, beside <see cref="RoutingPolicy"/> and tested like it. The deadline watcher only
/// stores and fires what this says.
/// </summary>
public static class DeadlinePolicy
{
    /// <summary>
    /// The deadlines a new route starts with: the first miss at its acknowledge-by; and, for a
    /// municipality whose office closes before that, the move to the socialjour at closing time.
    /// </summary>
    public static IReadOnlyList<DeadlineDue> ForRoute(RoutingDecision decision, DateTimeOffset at, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(config);
        var firstMiss = new DeadlineDue(DeadlineKind.FirstMiss, decision.AcknowledgeBy);
        if (decision.Recipient.Kind != RecipientKind.HomeMunicipality)
        {
            return [firstMiss];
        }
        var calendar = config.CalendarFor(decision.Recipient.MunicipalityCode!);
        var workday = calendar.StatusAt(at).OpenDay ?? calendar.NextOpening(at);
        return workday.Closes < decision.AcknowledgeBy
            ? [firstMiss, new DeadlineDue(DeadlineKind.Reroute, workday.Closes)]
            : [firstMiss];
    }

    /// <summary>
    /// The step after a first miss at <paramref name="at"/>: a municipality keeps the case until a
    /// second window ends or its office closes, whichever comes first (at once when it is closed
    /// already), then loses it to the socialjour; the socialjour is escalated to the operators after a
    /// second window.
    /// </summary>
    public static DeadlineDue AfterFirstMiss(Recipient recipient, Urgency urgency, DateTimeOffset at, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(config);
        var secondWindowEnds = at + config.SecondWindow(urgency);
        if (recipient.Kind != RecipientKind.HomeMunicipality)
        {
            return new DeadlineDue(DeadlineKind.Escalate, secondWindowEnds);
        }
        var office = config.CalendarFor(recipient.MunicipalityCode!).StatusAt(at);
        var dueAt = office.OpenDay is { } day ? (day.Closes < secondWindowEnds ? day.Closes : secondWindowEnds) : at;
        return new DeadlineDue(DeadlineKind.Reroute, dueAt);
    }
}
