using System.Net;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Delivery;

public sealed class Redriving_dead_letters : SharedAppTest
{
    [Test]
    public async Task A_message_that_failed_every_retry_is_listed_and_once_the_cause_is_fixed_moved_back_and_processed()
    {
        using var metrics = new MetricsCapture();
        // A CaseSubmitted for a case the database does not have yet fails every retry and lands in route-case_error.
        var caseId = Guid.CreateVersion7();
        var messageId = NewId.NextGuid();
        var now = DateTimeOffset.UtcNow;
        await App.Bus.Publish(
            new CaseSubmitted { CaseId = caseId, Urgency = Urgency.Urgent, Category = CaseCategory.Other, FoundInMunicipalityCode = "0180", SubmittedAt = now },
            ctx => ctx.MessageId = messageId);

        using var operatorClient = App.Client(TestTokens.Operator());
        var listed = await Eventually.Until(
            async () =>
            {
                using var response = await operatorClient.GetAsync("/api/v1/operations/dead-letters");
                return (await CaseRequests.JsonAsync(response)).EnumerateArray().ToList();
            },
            letters => letters.Any(l => l.GetProperty("messageId").GetString() == messageId.ToString()),
            "the message in the error queue",
            TimeSpan.FromSeconds(60));
        var letter = listed.Single(l => l.GetProperty("messageId").GetString() == messageId.ToString());
        // The worker's self-monitor reports the error queue to operators' dashboards.
        await Eventually.Until(() => Task.FromResult(ErrorQueueGauge(metrics)), n => n >= 1, "the error-queue gauge to count the message");
        Assert.Multiple(() =>
        {
            Assert.That(letter.GetProperty("queue").GetString(), Is.EqualTo("route-case_error"));
            Assert.That(letter.GetProperty("exceptionType").GetString(), Does.Contain("InvalidOperationException"));
        });

        await ACase.Submitted().WithId(caseId).From(null).ReportedBy("Unit Redrive").StoreUnannouncedAsync(App, now);

        using var redrive = await operatorClient.PostAsync("/api/v1/operations/dead-letters/redrive", null);
        var moved = (await CaseRequests.JsonAsync(redrive)).GetProperty("moved").GetInt32();
        await Eventually.Until(() => App.WithDbAsync(db => db.CaseRoutes.AnyAsync(r => r.CaseId == caseId)), "the redriven case to be routed");
        using var after = await operatorClient.GetAsync("/api/v1/operations/dead-letters");
        var remaining = (await CaseRequests.JsonAsync(after)).EnumerateArray().Select(l => l.GetProperty("messageId").GetString());
        Assert.Multiple(() =>
        {
            Assert.That(redrive.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(moved, Is.GreaterThanOrEqualTo(1));
            Assert.That(remaining, Does.Not.Contain(messageId.ToString()));
        });
        await Eventually.Until(() => Task.FromResult(ErrorQueueGauge(metrics)), n => n == 0, "the error-queue gauge to fall back to zero");
    }

    [Test]
    public async Task Is_for_operators_only()
    {
        using var staff = App.Client(TestTokens.SocialjourStaff());
        using var response = await staff.GetAsync("/api/v1/operations/dead-letters");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    private static double ErrorQueueGauge(MetricsCapture metrics)
    {
        metrics.Observe();
        return metrics.Of("rocrouting.bus.error_queue.messages").LastOrDefault(m => m.Tags.GetValueOrDefault("queue") == "route-case_error")?.Value ?? -1;
    }
}
