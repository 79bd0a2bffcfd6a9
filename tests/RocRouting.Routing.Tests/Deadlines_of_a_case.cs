using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using RocRouting.Contracts;

namespace RocRouting.Routing.Tests;

/// <summary>
/// When an unacknowledged case moves on (<see cref="DeadlinePolicy"/>), and to whom a deadline or a
/// handover moves it. Times in Stockholm local time with their offset.
/// </summary>
public sealed class Deadlines_of_a_case
{
    private static readonly RoutingConfiguration Config = RoutingConfiguration.Default;
    private const string Tyreso = "0138";
    private const string Stockholm = "0180";
    private static readonly Recipient AtTyreso = Recipient.HomeMunicipality(Tyreso);
    private static readonly Recipient AtSocialjour = Recipient.SocialEmergencyService("stockholm");

    private static DateTimeOffset T(string at) => DateTimeOffset.Parse(at, CultureInfo.InvariantCulture);

    private static RoutingDecision Decide(string? home, Urgency urgency, string at) =>
        RoutingPolicy.Decide(new CaseFacts(home, Stockholm, urgency), T(at), Config);

    [Test]
    public void A_route_to_the_socialjour_is_watched_by_its_first_miss_only()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-28T03:00:00+01:00");
        Assert.That(DeadlinePolicy.ForRoute(decision, T("2026-11-28T03:00:00+01:00"), Config),
            Is.EqualTo(new[] { new DeadlineDue(DeadlineKind.FirstMiss, decision.AcknowledgeBy) }));
    }

    [Test]
    public void A_municipality_whose_office_closes_before_the_deadline_loses_the_case_at_closing()
    {
        // Urgent at 15:00: two hours runs to 17:00, but Tyresö closes at 16:30.
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-24T15:00:00+01:00");
        Assert.That(DeadlinePolicy.ForRoute(decision, T("2026-11-24T15:00:00+01:00"), Config), Is.EqualTo(new[]
        {
            new DeadlineDue(DeadlineKind.FirstMiss, T("2026-11-24T17:00:00+01:00")),
            new DeadlineDue(DeadlineKind.Reroute, T("2026-11-24T16:30:00+01:00")),
        }));
    }

    [Test]
    public void A_municipality_with_time_to_spare_is_watched_by_its_first_miss_only()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-24T10:00:00+01:00");
        Assert.That(DeadlinePolicy.ForRoute(decision, T("2026-11-24T10:00:00+01:00"), Config),
            Is.EqualTo(new[] { new DeadlineDue(DeadlineKind.FirstMiss, T("2026-11-24T12:00:00+01:00")) }));
    }

    [Test]
    public void A_routine_case_waiting_for_the_office_to_open_gets_its_closing_of_that_day()
    {
        // Saturday: Tyresö opens Monday 08:00; the routine deadline is Monday's closing, so no earlier re-route.
        var decision = Decide(Tyreso, Urgency.Routine, "2026-11-28T11:00:00+01:00");
        Assert.That(DeadlinePolicy.ForRoute(decision, T("2026-11-28T11:00:00+01:00"), Config),
            Is.EqualTo(new[] { new DeadlineDue(DeadlineKind.FirstMiss, T("2026-11-30T16:30:00+01:00")) }));
    }

    [TestCase("2026-11-24T10:00:00+01:00", Urgency.Urgent, "2026-11-24T12:00:00+01:00", TestName = "After a first miss, a municipality gets a second window when its office stays open")]
    [TestCase("2026-11-24T15:00:00+01:00", Urgency.Urgent, "2026-11-24T16:30:00+01:00", TestName = "After a first miss, a municipality keeps the case only until its office closes")]
    [TestCase("2026-11-24T16:10:00+01:00", Urgency.Immediate, "2026-11-24T16:25:00+01:00", TestName = "After a first miss, an immediate case gets an immediate window")]
    [TestCase("2026-11-24T18:00:00+01:00", Urgency.Urgent, "2026-11-24T18:00:00+01:00", TestName = "After a first miss with the office closed, the socialjour takes it at once")]
    public void After_a_first_miss_a_municipality_keeps_the_case_until_the_second_window_or_closing_whichever_first(string at, Urgency urgency, string expected)
    {
        Assert.That(DeadlinePolicy.AfterFirstMiss(AtTyreso, urgency, T(at), Config), Is.EqualTo(new DeadlineDue(DeadlineKind.Reroute, T(expected))));
    }

    [TestCase(Urgency.Immediate, 15)]
    [TestCase(Urgency.Urgent, 120)]
    [TestCase(Urgency.Routine, 120)]
    public void After_a_first_miss_the_socialjour_is_escalated_after_a_second_window(Urgency urgency, int minutes)
    {
        var at = T("2026-11-28T03:00:00+01:00");
        Assert.That(DeadlinePolicy.AfterFirstMiss(AtSocialjour, urgency, at, Config), Is.EqualTo(new DeadlineDue(DeadlineKind.Escalate, at.AddMinutes(minutes))));
    }

    [TestCase("2026-11-24T12:00:00+01:00", RuleIds.EscalationUnacknowledged, TestName = "A re-route in office hours says the municipality did not acknowledge")]
    [TestCase("2026-11-24T16:30:00+01:00", RuleIds.EscalationOfficeClosed, TestName = "A re-route at closing says the office closed")]
    public void An_unacknowledged_municipality_case_goes_to_the_socialjour_with_the_reason(string at, string rule)
    {
        var decision = RoutingPolicy.RerouteUnacknowledged(new CaseFacts(Tyreso, Stockholm, Urgency.Urgent), AtTyreso, T(at), Config);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient, Is.EqualTo(AtSocialjour));
            Assert.That(decision.RuleId, Is.EqualTo(rule));
            Assert.That(decision.Signals.Select(s => s.MunicipalityCode), Is.EqualTo(new[] { Tyreso }), "the home municipality is still told");
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T(at).AddHours(2)), "fresh deadlines");
        });
    }

    [Test]
    public void A_handover_from_a_municipality_goes_to_the_socialjour_with_fresh_deadlines()
    {
        var at = T("2026-11-24T16:00:00+01:00");
        var decision = RoutingPolicy.HandOver(new CaseFacts(Tyreso, Stockholm, Urgency.Immediate), AtTyreso, at, Config);
        Assert.Multiple(() =>
        {
            Assert.That(decision!.Recipient, Is.EqualTo(AtSocialjour));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.HandoverToSocialjour));
            Assert.That(decision.Reason, Is.EqualTo("Handed over by Tyresö"), "the person's words are sealed apart, not in the reason");
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(at.AddMinutes(15)));
        });
    }

    [Test]
    public void A_handover_from_the_socialjour_goes_home_from_when_its_office_opens()
    {
        // Saturday night: Tyresö opens Monday 08:00, and its two hours run from then.
        var decision = RoutingPolicy.HandOver(new CaseFacts(Tyreso, Stockholm, Urgency.Urgent), AtSocialjour, T("2026-11-28T03:00:00+01:00"), Config);
        Assert.Multiple(() =>
        {
            Assert.That(decision!.Recipient, Is.EqualTo(AtTyreso));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.HandoverToHomeMunicipality));
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T("2026-11-30T10:00:00+01:00")));
            Assert.That(decision.Signals, Is.Empty);
        });
    }

    [Test]
    public void The_socialjour_cannot_hand_over_a_case_whose_home_municipality_is_unknown()
    {
        Assert.That(RoutingPolicy.HandOver(new CaseFacts(null, Stockholm, Urgency.Urgent), AtSocialjour, T("2026-11-24T10:00:00+01:00"), Config), Is.Null);
    }

    private static readonly string[] Codes = [.. MunicipalityRegister.Official.All.Select(m => m.Code)];
    private static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Arbitrary<(string? Home, Urgency Urgency, DateTimeOffset At)> Cases() =>
        (from home in Gen.Elements<string?>([null, .. Codes])
         from urgency in Gen.Elements(Enum.GetValues<Urgency>())
         from minutes in Gen.Choose(0, 60 * 24 * 366 * 10)
         select (home, urgency, Epoch.AddMinutes(minutes))).ToArbitrary();

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property Every_route_is_watched_by_a_first_miss_at_its_deadline_and_any_re_route_comes_before_it() => Prop.ForAll(Cases(), c =>
    {
        var decision = RoutingPolicy.Decide(new CaseFacts(c.Home, Stockholm, c.Urgency), c.At, Config);
        var deadlines = DeadlinePolicy.ForRoute(decision, c.At, Config);
        return deadlines[0] == new DeadlineDue(DeadlineKind.FirstMiss, decision.AcknowledgeBy)
            && deadlines.Skip(1).All(d => d.Kind == DeadlineKind.Reroute && d.DueAt < decision.AcknowledgeBy
                && decision.Recipient.Kind == RecipientKind.HomeMunicipality);
    });

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property The_next_step_after_a_first_miss_is_never_in_the_past_nor_later_than_a_second_window() => Prop.ForAll(Cases(), c =>
    {
        var recipient = c.Home is null || !Config.Register.Contains(c.Home) ? AtSocialjour : Recipient.HomeMunicipality(c.Home);
        var next = DeadlinePolicy.AfterFirstMiss(recipient, c.Urgency, c.At, Config);
        return next.DueAt >= c.At
            && next.DueAt <= c.At + Config.SecondWindow(c.Urgency)
            && next.Kind == (recipient.Kind == RecipientKind.HomeMunicipality ? DeadlineKind.Reroute : DeadlineKind.Escalate);
    });
}
