using RocRouting.Contracts;

namespace RocRouting.Routing;

/// <summary>The moments in a case's life at which people are reached.</summary>
public enum NotificationStep
{
    /// <summary>The case arrived at an organisation (first routing, re-route, handover).</summary>
    Routed,

    /// <summary>Its acknowledgement deadline passed with nobody taking it.</summary>
    Overdue,

    /// <summary>The socialjour missed its second window too: the operators' alert.</summary>
    Escalated,
}

/// <summary>Who to reach: the people on duty in this role of this organisation's roster.</summary>
public sealed record Audience(string Organisation, DutyRole Role);

/// <summary>How to reach them: the push service's urgency (RFC 8030) and how long an undelivered alert is worth keeping.</summary>
public sealed record AlertDelivery(string PushUrgency, TimeSpan TimeToLive);

/// <summary>
/// The escalation policy: at each step, whom to reach and how urgently. At routing the recipient's
/// first responders (routine cases wait for the office: nobody is woken for them); when the deadline
/// passes, the first responders again and the shift leads; when the socialjour misses its second
/// window, its shift leads and the operators. Pure, so every combination is tested.
/// </summary>
public static class NotificationPolicy
{
    public static IReadOnlyList<Audience> Audiences(NotificationStep step, Urgency urgency, Recipient recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var organisation = recipient.ToString();
        return step switch
        {
            NotificationStep.Routed when urgency == Urgency.Routine => [],
            NotificationStep.Routed => [new(organisation, DutyRole.FirstResponder)],
            NotificationStep.Overdue => [new(organisation, DutyRole.FirstResponder), new(organisation, DutyRole.ShiftLead)],
            NotificationStep.Escalated =>
            [
                new(organisation, DutyRole.ShiftLead), new(RosterOrganisations.Operators, DutyRole.FirstResponder), new(RosterOrganisations.Operators, DutyRole.ShiftLead),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
        };
    }

    /// <summary>An immediate case, or any case past its deadline, wakes a phone; an alert is stale once its window has passed.</summary>
    public static AlertDelivery DeliveryFor(NotificationStep step, Urgency urgency) =>
        step != NotificationStep.Routed || urgency == Urgency.Immediate
            ? new AlertDelivery("high", TimeSpan.FromMinutes(15))
            : new AlertDelivery("normal", TimeSpan.FromHours(2));

    /// <summary>
    /// The key that makes a notification happen once: the case, the step and the route it belongs to
    /// ("routed:2" is the second recipient's arrival), and then the person.
    /// </summary>
    public static string StepKey(NotificationStep step, int routeSequence) => $"{Wire.Name(step)}:{routeSequence}";

    /// <summary>The step of a key made by <see cref="StepKey"/>.</summary>
    public static NotificationStep StepOf(string stepKey) => Wire.Parse<NotificationStep>(stepKey.Split(':')[0]);
}
