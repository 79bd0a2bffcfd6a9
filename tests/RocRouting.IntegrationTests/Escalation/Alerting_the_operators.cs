using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

/// <summary>
/// What operators' dashboards see when nobody takes a case. Metrics carry no case id, so this runs on
/// an app of its own whose only case is this one.
/// </summary>
public sealed class Alerting_the_operators
{
    [Test]
    public async Task Counts_the_overdue_case_the_deadlines_that_fired_and_the_escalation()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        await using var app = await RocApp.StartAsync(clock, prefix: "alerts.");
        using var metrics = new MetricsCapture();
        var at = clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(app, null, "immediate");
        await RoutedAsync(app, caseId);
        clock.Set(at.AddMinutes(15).AddSeconds(1));
        await UntilAsync(app, caseId, v => v.GetProperty("status").GetString() == "overdue", "the first miss");
        clock.Set(at.AddMinutes(30).AddSeconds(2));
        await UntilAsync(app, caseId, v => v.GetProperty("escalated").GetBoolean(), "the escalation");

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Sum("rocrouting.cases.overdue", ("recipient_kind", "social-emergency-service"), ("urgency", "immediate")), Is.EqualTo(1));
            Assert.That(metrics.Sum("rocrouting.cases.escalated", ("urgency", "immediate")), Is.EqualTo(1));
            Assert.That(metrics.Sum("rocrouting.deadlines.fired", ("kind", "first-miss")), Is.EqualTo(1));
            Assert.That(metrics.Sum("rocrouting.deadlines.fired", ("kind", "escalate")), Is.EqualTo(1));
            Assert.That(metrics.Sum("rocrouting.routing.decisions", ("rule", "unknown-home-municipality")), Is.EqualTo(1));
        });
    }
}
