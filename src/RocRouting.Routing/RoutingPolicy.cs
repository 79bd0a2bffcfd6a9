using System.Globalization;
using RocRouting.Contracts;

namespace RocRouting.Routing;

/// <summary>The facts of a case that routing may look at: no personal data.</summary>
public sealed record CaseFacts(string? HomeMunicipalityCode, string FoundInMunicipalityCode, Urgency Urgency);

/// <summary>
/// Who takes a case, who must be told, by when, and why. <see cref="EvaluatedAt"/> is the instant the
/// rules were applied to (for a first decision, the submission instant), not when the decision was stored.
/// </summary>
public sealed record RoutingDecision(
    Recipient Recipient,
    IReadOnlyList<SignalDue> Signals,
    string RuleId,
    string Reason,
    DateTimeOffset AcknowledgeBy,
    DateTimeOffset EvaluatedAt,
    string ConfigurationVersion);

/// <summary>Stable identifiers of the rules, recorded with every decision.</summary>
public static class RuleIds
{
    public const string UnknownHomeMunicipality = "unknown-home-municipality";
    public const string ParticipantOfficeOpen = "participant-office-open";
    public const string ParticipantOfficeClosingBeforeImmediateWindow = "participant-office-closing-immediate";
    public const string ParticipantOfficeClosed = "participant-office-closed";
    public const string ParticipantOfficeClosedRoutine = "participant-office-closed-routine";
    public const string NonParticipantOfficeOpen = "non-participant-office-open";
    public const string NonParticipantOfficeClosedImmediate = "non-participant-office-closed-immediate";
    public const string NonParticipantOfficeClosedDeferred = "non-participant-office-closed-deferred";
    public const string EscalationUnacknowledged = "escalation-unacknowledged";
    public const string EscalationOfficeClosed = "escalation-office-closed";
    public const string HandoverToSocialjour = "handover-to-socialjour";
    public const string HandoverToHomeMunicipality = "handover-to-home-municipality";
}

/// <summary>
/// The county agreement as code: a pure function of (facts, instant, configuration), used by
/// the routing worker and the preview endpoint alike.
/// </summary>
public static class RoutingPolicy
{
    public static RoutingDecision Decide(CaseFacts facts, DateTimeOffset at, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(config);
        // The same instant gives the same decision whatever offset it was written with.
        at = at.ToUniversalTime();
        var route = new Route(facts, at, config);

        // 1. Home municipality unknown: the social emergency service where the child was found.
        if (config.Register.Find(facts.HomeMunicipalityCode) is not { } home)
        {
            return route.ToService(
                config.ServiceFor(facts.FoundInMunicipalityCode),
                RuleIds.UnknownHomeMunicipality,
                "The child's home municipality is unknown; the socialjour takes the case");
        }

        var calendar = config.CalendarFor(home.Code);
        var office = calendar.StatusAt(at);
        var urgency = Wire.Name(facts.Urgency);

        // 2. Home municipality in the agreement.
        if (config.IsParticipant(home.Code))
        {
            if (office.OpenDay is { } day)
            {
                if (facts.Urgency == Urgency.Immediate && day.Closes < at + config.ImmediateWindow)
                {
                    return route.ToService(
                        config.ServiceFor(home.Code),
                        RuleIds.ParticipantOfficeClosingBeforeImmediateWindow,
                        $"{home.Name}'s office closes at {calendar.LocalClock(day.Closes)}, before an immediate case can be acknowledged; the socialjour takes it");
                }
                return route.ToHome(home, calendar, RuleIds.ParticipantOfficeOpen,
                    $"{home.Name}'s office is open; its social services take the case");
            }
            if (facts.Urgency is Urgency.Immediate or Urgency.Urgent)
            {
                return route.ToService(
                    config.ServiceFor(home.Code),
                    RuleIds.ParticipantOfficeClosed,
                    $"{home.Name}'s office is closed ({office.ClosedBecause}); {urgency} cases go to the socialjour");
            }
            return route.ToHome(home, calendar, RuleIds.ParticipantOfficeClosedRoutine,
                $"{home.Name}'s office is closed ({office.ClosedBecause}); routine cases wait until it opens {When(calendar, calendar.NextOpening(at).Opens)}");
        }

        // 3. Home municipality outside the agreement.
        if (office.IsOpen)
        {
            return route.ToHome(home, calendar, RuleIds.NonParticipantOfficeOpen,
                $"{home.Name} is outside the Stockholm agreement and its office is open; its social services take the case");
        }
        if (facts.Urgency == Urgency.Immediate)
        {
            return route.ToService(
                config.ServiceFor(facts.FoundInMunicipalityCode),
                RuleIds.NonParticipantOfficeClosedImmediate,
                $"{home.Name} is outside the Stockholm agreement and its office is closed ({office.ClosedBecause}); the socialjour acts for the county where the child was found");
        }
        return route.ToHome(home, calendar, RuleIds.NonParticipantOfficeClosedDeferred,
            $"{home.Name} is outside the Stockholm agreement and its office is closed ({office.ClosedBecause}); {urgency} cases wait until it opens {When(calendar, calendar.NextOpening(at).Opens)}");
    }

    /// <summary>
    /// A municipality that has not acknowledged in time (a second window, or its office closing) loses
    /// the case to the socialjour; the rule says which of the two happened.
    /// </summary>
    public static RoutingDecision RerouteUnacknowledged(CaseFacts facts, Recipient from, DateTimeOffset at, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(config);
        var municipality = config.NameOf(from);
        return config.CalendarFor(from.MunicipalityCode!).StatusAt(at).IsOpen
            ? RerouteToSocialEmergencyService(facts, at, config, RuleIds.EscalationUnacknowledged,
                $"{municipality} did not acknowledge the case within a second window; the socialjour takes it")
            : RerouteToSocialEmergencyService(facts, at, config, RuleIds.EscalationOfficeClosed,
                $"{municipality}'s office closed with the case unacknowledged; the socialjour takes it");
    }

    /// <summary>
    /// The recipient hands the case on: a municipality to the socialjour, the socialjour to the home
    /// municipality (from when its office can take it). Null when the home municipality is unknown, so
    /// the socialjour has nobody to hand it to.
    /// </summary>
    /// <remarks>
    /// The person's reason is not part of the decision: it may name people, so it is stored sealed
    /// beside the route (<c>CaseRoute.SealedHandoverNote</c>), never in the reason every reader sees.
    /// </remarks>
    public static RoutingDecision? HandOver(CaseFacts facts, Recipient from, DateTimeOffset at, RoutingConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(config);
        var why = $"Handed over by {config.NameOf(from)}";
        if (from.Kind == RecipientKind.HomeMunicipality)
        {
            return RerouteToSocialEmergencyService(facts, at, config, RuleIds.HandoverToSocialjour, why);
        }
        if (config.Register.Find(facts.HomeMunicipalityCode) is not { } home)
        {
            return null;
        }
        return new Route(facts, at.ToUniversalTime(), config).ToHome(home, config.CalendarFor(home.Code), RuleIds.HandoverToHomeMunicipality, why);
    }

    /// <summary>
    /// A later route to the social emergency service (escalation, handover), with the same deadlines
    /// and signal to the home municipality as a first decision would have.
    /// </summary>
    private static RoutingDecision RerouteToSocialEmergencyService(CaseFacts facts, DateTimeOffset at, RoutingConfiguration config, string ruleId, string reason) =>
        new Route(facts, at.ToUniversalTime(), config)
            .ToService(config.ServiceFor(facts.HomeMunicipalityCode ?? facts.FoundInMunicipalityCode), ruleId, reason);

    private static string When(OfficeCalendar calendar, DateTimeOffset at) =>
        calendar.ToLocal(at).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Builds decisions for one (facts, instant, configuration), so the rules above read as rules.</summary>
    private readonly struct Route(CaseFacts facts, DateTimeOffset at, RoutingConfiguration config)
    {
        public RoutingDecision ToService(EmergencyService service, string ruleId, string reason)
        {
            // 4. Whenever the socialjour takes a case, a known home municipality is told when its office next opens.
            var signals = config.Register.Find(facts.HomeMunicipalityCode) is { } home
                ? new[] { new SignalDue(home.Code, config.CalendarFor(home.Code).AvailableFrom(at)) }
                : [];
            return new RoutingDecision(
                Recipient.SocialEmergencyService(service.Id),
                signals,
                ruleId,
                reason,
                AcknowledgeBy(config.DefaultCalendar, at),
                at,
                config.Version);
        }

        public RoutingDecision ToHome(Municipality home, OfficeCalendar calendar, string ruleId, string reason) => new(
            Recipient.HomeMunicipality(home.Code),
            [],
            ruleId,
            reason,
            AcknowledgeBy(calendar, calendar.AvailableFrom(at)),
            at,
            config.Version);

        /// <summary>The acknowledgement window runs from when the recipient can first take the case.</summary>
        private DateTimeOffset AcknowledgeBy(OfficeCalendar calendar, DateTimeOffset from) => facts.Urgency switch
        {
            Urgency.Immediate => from + config.ImmediateWindow,
            Urgency.Urgent => from + config.UrgentWindow,
            // Routine: by the close of the recipient's next office day.
            _ => calendar.NextOpening(at).Closes,
        };
    }
}
