using RocRouting.Contracts;

namespace RocRouting.Routing.Tests;

/// <summary>The escalation policy: whom each step of a case reaches, and how urgently.</summary>
public sealed class Whom_to_reach
{
    private static readonly Recipient Socialjour = Recipient.SocialEmergencyService("stockholm");
    private static readonly Recipient Tyreso = Recipient.HomeMunicipality("0138");

    [TestCase(Urgency.Immediate)]
    [TestCase(Urgency.Urgent)]
    public void A_routed_case_reaches_the_recipients_first_responders(Urgency urgency) =>
        Assert.That(NotificationPolicy.Audiences(NotificationStep.Routed, urgency, Tyreso),
            Is.EqualTo(new[] { new Audience("home-municipality:0138", DutyRole.FirstResponder) }));

    [Test]
    public void A_routine_case_wakes_nobody_when_it_arrives() =>
        Assert.That(NotificationPolicy.Audiences(NotificationStep.Routed, Urgency.Routine, Tyreso), Is.Empty);

    [TestCase(Urgency.Immediate)]
    [TestCase(Urgency.Routine)]
    public void A_missed_deadline_adds_the_shift_lead(Urgency urgency) =>
        Assert.That(NotificationPolicy.Audiences(NotificationStep.Overdue, urgency, Socialjour), Is.EqualTo(new[]
        {
            new Audience("social-emergency-service:stockholm", DutyRole.FirstResponder),
            new Audience("social-emergency-service:stockholm", DutyRole.ShiftLead),
        }));

    [Test]
    public void An_escalation_reaches_the_shift_lead_and_the_operators_on_duty() =>
        Assert.That(NotificationPolicy.Audiences(NotificationStep.Escalated, Urgency.Immediate, Socialjour), Is.EqualTo(new[]
        {
            new Audience("social-emergency-service:stockholm", DutyRole.ShiftLead),
            new Audience(RosterOrganisations.Operators, DutyRole.FirstResponder),
            new Audience(RosterOrganisations.Operators, DutyRole.ShiftLead),
        }));

    [TestCase(NotificationStep.Routed, Urgency.Immediate, "high", 15)]
    [TestCase(NotificationStep.Routed, Urgency.Urgent, "normal", 120)]
    [TestCase(NotificationStep.Overdue, Urgency.Urgent, "high", 15)]
    [TestCase(NotificationStep.Escalated, Urgency.Routine, "high", 15)]
    public void Immediate_cases_and_missed_deadlines_wake_a_phone(NotificationStep step, Urgency urgency, string pushUrgency, int minutes) =>
        Assert.That(NotificationPolicy.DeliveryFor(step, urgency), Is.EqualTo(new AlertDelivery(pushUrgency, TimeSpan.FromMinutes(minutes))));

    [Test]
    public void A_step_key_names_the_step_and_the_route_and_reads_back() =>
        Assert.Multiple(() =>
        {
            Assert.That(NotificationPolicy.StepKey(NotificationStep.Overdue, 2), Is.EqualTo("overdue:2"));
            Assert.That(NotificationPolicy.StepOf("escalated:3"), Is.EqualTo(NotificationStep.Escalated));
        });
}
