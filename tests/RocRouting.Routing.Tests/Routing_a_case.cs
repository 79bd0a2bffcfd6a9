using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Routing.Tests;

/// <summary>The first routing rules (issue 2); issue 3 extends this table to every rule and holiday.</summary>
public sealed class Routing_a_case
{
    private static readonly RoutingConfiguration Config = RoutingConfiguration.Default;
    private const string Tyreso = "0138";
    private const string Stockholm = "0180";
    private const string Goteborg = "1480";

    private static RoutingDecision Decide(string? home, Urgency urgency, string at) =>
        RoutingPolicy.Decide(new CaseFacts(home, Stockholm, urgency), DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), Config);

    [Test]
    public void On_a_weekday_in_office_hours_goes_to_the_home_municipality()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-24T10:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient, Is.EqualTo(Recipient.HomeMunicipality(Tyreso)));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.ParticipantOfficeOpen));
            Assert.That(decision.Signals, Is.Empty);
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(DateTimeOffset.Parse("2026-11-24T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public void On_a_saturday_an_urgent_case_goes_to_the_socialjour_with_a_signal_home()
    {
        var decision = Decide(Tyreso, Urgency.Urgent, "2026-11-28T03:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient, Is.EqualTo(Recipient.SocialEmergencyService("stockholm")));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.ParticipantOfficeClosed));
            Assert.That(decision.Reason, Is.EqualTo("Tyresö's office is closed (Saturday); urgent cases go to the socialjour"));
            Assert.That(decision.Signals, Is.EqualTo(new[]
            {
                new SignalDue(Tyreso, DateTimeOffset.Parse("2026-11-30T08:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture)),
            }));
        });
    }

    [Test]
    public void At_half_past_four_the_office_is_closed()
    {
        Assert.That(Decide(Tyreso, Urgency.Urgent, "2026-11-24T16:30:00+01:00").RuleId, Is.EqualTo(RuleIds.ParticipantOfficeClosed));
    }

    [Test]
    public void On_kristi_himmelsfardsdag_the_reason_names_the_holiday()
    {
        var decision = Decide(Tyreso, Urgency.Immediate, "2026-05-14T10:00:00+02:00");
        Assert.That(decision.Reason, Does.Contain("Kristi himmelsfärdsdag"));
    }

    [Test]
    public void An_unknown_home_municipality_goes_to_the_socialjour_without_a_signal()
    {
        var decision = Decide(null, Urgency.Routine, "2026-11-24T10:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient.Kind, Is.EqualTo(RecipientKind.SocialEmergencyService));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.UnknownHomeMunicipality));
            Assert.That(decision.Signals, Is.Empty);
        });
    }

    [Test]
    public void An_urgent_case_from_outside_the_county_at_night_waits_for_the_home_office()
    {
        var decision = Decide(Goteborg, Urgency.Urgent, "2026-11-24T23:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Recipient, Is.EqualTo(Recipient.HomeMunicipality(Goteborg)));
            Assert.That(decision.RuleId, Is.EqualTo(RuleIds.NonParticipantOfficeClosedDeferred));
            Assert.That(decision.AcknowledgeBy, Is.EqualTo(DateTimeOffset.Parse("2026-11-25T10:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public void The_same_instant_in_another_offset_gives_the_same_decision()
    {
        var local = Decide(Tyreso, Urgency.Urgent, "2026-11-24T16:20:00+01:00");
        var utc = Decide(Tyreso, Urgency.Urgent, "2026-11-24T15:20:00Z");
        Assert.That(utc, Is.EqualTo(local).Using<RoutingDecision>((a, b) =>
            a.Recipient == b.Recipient && a.RuleId == b.RuleId && a.AcknowledgeBy == b.AcknowledgeBy && a.Reason == b.Reason));
    }
}
