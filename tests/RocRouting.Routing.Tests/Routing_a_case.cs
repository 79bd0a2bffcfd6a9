using System.Globalization;
using RocRouting.Contracts;

namespace RocRouting.Routing.Tests;

/// <summary>
/// The default policy over fixed instants. Times are written in Stockholm local time with their
/// offset (+01:00 in winter, +02:00 in summer), as a duty officer would read them.
/// </summary>
public sealed class Routing_a_case
{
    private static readonly RoutingConfiguration Config = RoutingConfiguration.Default;
    private const string Tyreso = "0138";
    private const string Stockholm = "0180";
    private const string Goteborg = "1480";
    private const string Socialjour = "social-emergency-service:stockholm";

    private static DateTimeOffset T(string at) => DateTimeOffset.Parse(at, CultureInfo.InvariantCulture);

    private static RoutingDecision Decide(string? home, Urgency urgency, string at, string foundIn = Stockholm) =>
        RoutingPolicy.Decide(new CaseFacts(home, foundIn, urgency), T(at), Config);

    // home, urgency, instant, recipient, rule
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-24T08:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, opening minute: home")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-24T07:59:59+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Participant, a second before opening: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-24T16:29:59+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, last second before closing: home")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-24T16:30:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Participant, closing minute: socialjour")]
    [TestCase(Tyreso, Urgency.Routine, "2026-11-24T12:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, routine in office hours: home")]
    [TestCase(Tyreso, Urgency.Immediate, "2026-11-24T16:14:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, immediate with the window inside office hours: home")]
    [TestCase(Tyreso, Urgency.Immediate, "2026-11-24T16:15:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, immediate with the window ending at closing: home")]
    [TestCase(Tyreso, Urgency.Immediate, "2026-11-24T16:15:01+01:00", Socialjour, RuleIds.ParticipantOfficeClosingBeforeImmediateWindow, TestName = "Participant, immediate with the window ending after closing: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-24T16:20:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Participant, urgent just before closing stays home")]
    [TestCase(Tyreso, Urgency.Immediate, "2026-11-28T11:00:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Participant, Saturday immediate: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-11-29T11:00:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Participant, Sunday urgent: socialjour")]
    [TestCase(Tyreso, Urgency.Routine, "2026-11-28T11:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeClosedRoutine, TestName = "Participant, Saturday routine: home, when it opens")]
    [TestCase(Tyreso, Urgency.Routine, "2026-11-24T22:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeClosedRoutine, TestName = "Participant, weeknight routine: home, when it opens")]
    [TestCase(Goteborg, Urgency.Immediate, "2026-11-24T10:00:00+01:00", "home-municipality:1480", RuleIds.NonParticipantOfficeOpen, TestName = "Out of county, office hours: home")]
    [TestCase(Goteborg, Urgency.Immediate, "2026-11-24T23:00:00+01:00", Socialjour, RuleIds.NonParticipantOfficeClosedImmediate, TestName = "Out of county, night immediate: socialjour")]
    [TestCase(Goteborg, Urgency.Urgent, "2026-11-24T23:00:00+01:00", "home-municipality:1480", RuleIds.NonParticipantOfficeClosedDeferred, TestName = "Out of county, night urgent: home, when it opens")]
    [TestCase(Goteborg, Urgency.Routine, "2026-12-24T10:00:00+01:00", "home-municipality:1480", RuleIds.NonParticipantOfficeClosedDeferred, TestName = "Out of county, julafton routine: home, when it opens")]
    [TestCase(null, Urgency.Routine, "2026-11-24T10:00:00+01:00", Socialjour, RuleIds.UnknownHomeMunicipality, TestName = "Unknown home, office hours: socialjour")]
    [TestCase(null, Urgency.Immediate, "2026-11-28T03:00:00+01:00", Socialjour, RuleIds.UnknownHomeMunicipality, TestName = "Unknown home, Saturday night: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2028-02-29T10:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Leap day 2028 is a Tuesday in office hours: home")]
    [TestCase(Tyreso, Urgency.Urgent, "2024-02-29T17:00:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Leap day 2024 after closing: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-03-30T08:00:00+02:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Monday after the spring change, 08:00 summer time: home")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-03-30T07:59:00+02:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Monday after the spring change, 07:59 summer time: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-10-26T08:00:00+01:00", "home-municipality:0138", RuleIds.ParticipantOfficeOpen, TestName = "Monday after the autumn change, 08:00 winter time: home")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-10-26T07:59:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "Monday after the autumn change, 07:59 winter time: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-03-29T02:30:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "The skipped hour of the spring change: socialjour")]
    [TestCase(Tyreso, Urgency.Urgent, "2026-10-25T02:30:00+01:00", Socialjour, RuleIds.ParticipantOfficeClosed, TestName = "The repeated hour of the autumn change: socialjour")]
    public void Goes_to_the_recipient_the_agreement_names(string? home, Urgency urgency, string at, string recipient, string rule)
    {
        var decision = Decide(home, urgency, at);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient.ToString(), Is.EqualTo(recipient));
            Assert.That(decision.RuleId, Is.EqualTo(rule));
            Assert.That(decision.ConfigurationVersion, Is.EqualTo(Config.Version));
            Assert.That(decision.EvaluatedAt, Is.EqualTo(T(at)));
        });
    }

    private static IEnumerable<TestCaseData> ClosedDays() =>
        new[] { 2025, 2026, 2027 }
            .SelectMany(SwedishCalendar.NamedDays)
            .Select(d => new TestCaseData(d.Date, d.Name).SetName($"On {d.Name} {d.Date:yyyy-MM-dd} an urgent case goes to the socialjour"));

    [TestCaseSource(nameof(ClosedDays))]
    public void On_every_holiday_and_eve_of_2025_to_2027_an_urgent_case_goes_to_the_socialjour(DateOnly date, string name)
    {
        var noon = Config.DefaultCalendar.Zone.GetUtcOffset(date.ToDateTime(new TimeOnly(12, 0)));
        var at = new DateTimeOffset(date.ToDateTime(new TimeOnly(12, 0)), noon);
        var decision = RoutingPolicy.Decide(new CaseFacts(Tyreso, Stockholm, Urgency.Urgent), at, Config);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient.ToString(), Is.EqualTo(Socialjour));
            Assert.That(decision.Reason, Does.Contain(name));
            Assert.That(decision.Signals.Single().DueAt, Is.GreaterThan(at));
        });
    }

    [Test]
    public void In_office_hours_an_urgent_case_is_due_two_hours_later()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-24T10:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T("2026-11-24T12:00:00+01:00")));
            Assert.That(decision.Signals, Is.Empty);
            Assert.That(decision.Reason, Is.EqualTo("Tyresö's office is open; its social services take the case"));
        });
    }

    [Test]
    public void In_office_hours_a_routine_case_is_due_by_the_close_of_the_next_office_day()
    {
        Assert.That(Decide(Tyreso, Urgency.Routine, "2026-11-27T10:00:00+01:00").AcknowledgeBy, Is.EqualTo(T("2026-11-30T16:30:00+01:00")));
    }

    [Test]
    public void On_a_saturday_an_urgent_case_goes_to_the_socialjour_with_a_signal_home_on_monday_morning()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-28T03:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Reason, Is.EqualTo("Tyresö's office is closed (Saturday); urgent cases go to the socialjour"));
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T("2026-11-28T05:00:00+01:00")));
            Assert.That(decision.Signals, Is.EqualTo(new[] { new SignalDue(Tyreso, T("2026-11-30T08:00:00+01:00")) }));
        });
    }

    [Test]
    public void An_immediate_case_is_due_in_fifteen_minutes()
    {
        Assert.That(Decide(Tyreso, Urgency.Immediate, "2026-11-28T03:00:00+01:00").AcknowledgeBy, Is.EqualTo(T("2026-11-28T03:15:00+01:00")));
    }

    [Test]
    public void Near_closing_an_immediate_case_goes_to_the_socialjour_and_says_why()
    {
        var decision = Decide(Tyreso, Urgency.Immediate, "2026-11-24T16:20:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Reason, Is.EqualTo("Tyresö's office closes at 16:30, before an immediate case can be acknowledged; the socialjour takes it"));
            Assert.That(decision.Signals.Single().DueAt, Is.EqualTo(T("2026-11-24T16:20:00+01:00")), "the office is still open: tell it now");
        });
    }

    [Test]
    public void Over_easter_a_routine_case_waits_for_tuesday()
    {
        // Långfredagen 3 April 2026 to Annandag påsk 6 April: the office next opens on Tuesday 7 April (summer time).
        var decision = Decide(Tyreso, Urgency.Routine, "2026-04-03T10:00:00+02:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Reason, Does.Contain("Långfredagen").And.Contain("Tue 7 Apr 08:00"));
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T("2026-04-07T16:30:00+02:00")));
        });
    }

    [Test]
    public void A_signal_across_the_spring_change_is_due_at_eight_summer_time()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-03-27T20:00:00+01:00");
        Assert.That(decision.Signals.Single().DueAt, Is.EqualTo(T("2026-03-30T06:00:00Z")));
    }

    [Test]
    public void Out_of_county_at_night_an_urgent_case_is_due_two_hours_after_the_office_opens()
    {
        var decision = Decide(Goteborg, Urgency.Urgent, "2026-11-24T23:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(T("2026-11-25T10:00:00+01:00")));
            Assert.That(decision.Reason, Does.StartWith("Göteborg is outside the Stockholm agreement"));
        });
    }

    [Test]
    public void Out_of_county_at_night_an_immediate_case_goes_to_the_socialjour_with_a_signal_home()
    {
        var decision = Decide(Goteborg, Urgency.Immediate, "2026-11-24T23:00:00+01:00");
        Assert.That(decision.Signals, Is.EqualTo(new[] { new SignalDue(Goteborg, T("2026-11-25T08:00:00+01:00")) }));
    }

    [Test]
    public void An_unknown_home_municipality_gets_no_signal()
    {
        var decision = Decide(null, Urgency.Urgent, "2026-11-28T03:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Signals, Is.Empty);
            Assert.That(decision.Reason, Does.Contain("unknown"));
        });
    }

    [Test]
    public void A_municipality_with_its_own_hours_is_routed_by_them()
    {
        var settings = new RoutingSettings { OfficeHours = { [Tyreso] = new() { ["Monday"] = "08:00-16:00", ["Friday"] = "08:00-12:00" } } };
        var config = RoutingConfiguration.From(settings, MunicipalityRegister.Official);
        var friday = RoutingPolicy.Decide(new CaseFacts(Tyreso, Stockholm, Urgency.Urgent), T("2026-11-27T13:00:00+01:00"), config);
        var tuesday = RoutingPolicy.Decide(new CaseFacts(Tyreso, Stockholm, Urgency.Urgent), T("2026-11-24T10:00:00+01:00"), config);
        Assert.Multiple(() =>
        {
            Assert.That(friday.RuleId, Is.EqualTo(RuleIds.ParticipantOfficeClosed));
            Assert.That(tuesday.Reason, Does.Contain("(Tuesday)"));
            Assert.That(config.Version, Is.Not.EqualTo(Config.Version), "the decision names the configuration it used");
        });
    }
}
