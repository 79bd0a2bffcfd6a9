using System.Diagnostics;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Observability;

/// <summary>What an operator sees of one case: its trace and the metrics it moves.</summary>
public sealed class Following_a_case : SharedAppTest
{
    [Test]
    public async Task Its_spans_share_one_trace_from_the_api_through_the_outbox_and_the_bus_to_the_worker()
    {
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        var spans = await Eventually.Until(
            () => Task.FromResult(Captured.Spans().Where(s => s.Tag("roc.case_id") == caseId.ToString()).ToList()),
            s => s.Any(x => x.Source == "MassTransit"),
            "the worker's consume span");
        var submission = spans.Single(s => s.Source == "Microsoft.AspNetCore");
        var consumed = spans.Single(s => s.Source == "MassTransit");
        var relayed = Captured.Spans().Where(s => s.Source == "RocRouting" && s.Name == "outbox publish" && s.TraceId == submission.TraceId).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(relayed, Is.Not.Empty, "the relay's publish continues the request's trace from the outbox row");
            Assert.That(consumed.TraceId, Is.EqualTo(submission.TraceId), "the worker's span is in the same trace");
            Assert.That(consumed.Tag("roc.rule_id"), Is.Not.Null.And.Not.Empty);
            Assert.That(consumed.Tag("roc.urgency"), Is.EqualTo("urgent"));
            Assert.That(submission.Tag("roc.municipality_code"), Is.EqualTo("0138"));
        });
    }

    [Test]
    public async Task Moves_the_metrics_for_submission_routing_and_acknowledgement()
    {
        using var metrics = new MetricsCapture();
        var caseId = await SubmitAsync(App, "0138", "immediate");
        await RoutedAsync(App, caseId);
        var view = await ViewAsync(App, caseId);
        var token = Recipient(view).StartsWith("social-emergency-service", StringComparison.Ordinal)
            ? TestTokens.SocialjourStaff()
            : TestTokens.MunicipalityStaff("0138");
        using (await AcknowledgeAsync(App, token, caseId))
        {
        }
        metrics.Observe();

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Of("rocrouting.cases.submitted").Where(m => m.Tags["urgency"] == "immediate"), Is.Not.Empty);
            Assert.That(metrics.Of("rocrouting.routing.decisions").Where(m => m.Tags["rule"] == view.GetProperty("route").GetProperty("ruleId").GetString()), Is.Not.Empty);
            Assert.That(metrics.Of("rocrouting.cases.time_to_route").Where(m => m.Tags["urgency"] == "immediate" && m.Value is >= 0 and < 60), Is.Not.Empty);
            Assert.That(metrics.Of("rocrouting.cases.time_to_acknowledge").Where(m => m.Tags["urgency"] == "immediate"), Is.Not.Empty);
            Assert.That(metrics.Of("rocrouting.outbox.backlog"), Is.Not.Empty, "the backlog gauge is observable");
            Assert.That(metrics.Of("rocrouting.heartbeat.age").Select(m => m.Value), Has.Some.LessThan(30), "heartbeats come back");
        });
    }

    [TestCase("200012121216", true)]
    [TestCase("20001212-1216", true)]
    [TestCase("case 001212-1216 seen", true)]
    [TestCase("200012121211", false)]
    [TestCase("0190f0a0-0000-7000-8000-000000000001", false)]
    [TestCase("POST /api/v1/cases", false)]
    public void The_redactor_recognises_identity_numbers_by_shape_and_check_digit(string text, bool redacted)
    {
        Assert.That(IdentityNumberRedactor.ContainsIdentityNumber(text), Is.EqualTo(redacted));
    }

    [Test]
    public void The_redactor_strips_an_identity_number_from_a_span_before_export()
    {
        using var activity = new Activity("lookup 20001212-1216").Start();
        activity.SetTag("careless", "child 200012121216");
        activity.SetTag("roc.case_id", "0190f0a0-0000-7000-8000-000000000001");
        activity.Stop();
        new IdentityNumberRedactor().OnEnd(activity);
        Assert.Multiple(() =>
        {
            Assert.That(activity.DisplayName, Is.EqualTo(IdentityNumberRedactor.Redacted));
            Assert.That(activity.GetTagItem("careless"), Is.EqualTo(IdentityNumberRedactor.Redacted));
            Assert.That(activity.GetTagItem("roc.case_id"), Is.EqualTo("0190f0a0-0000-7000-8000-000000000001"));
        });
    }
}
