using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Delivery;

/// <summary>
/// Webhook delivery against a real HTTP receiver, with its own app (database, queues, clock) whose
/// municipalities' webhooks point at the receiver's paths.
/// </summary>
public sealed class Delivering_to_webhooks
{
    private static readonly Dictionary<string, string> Paths = new()
    {
        ["0115"] = "ok",
        ["0117"] = "flaky",
        ["0160"] = "gone",
        ["0162"] = "slow-down",
        ["0163"] = "switch",
        ["0125"] = "down",
        ["0128"] = "hang",
        ["0184"] = "signal",
        ["0186"] = "switch-2",
        ["0187"] = "come-back-next-year",
    };

    private TestReceiver _receiver = null!;
    private RocApp _app = null!;
    private ManualClock _clock = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _receiver = new TestReceiver();
        await _receiver.StartAsync();
        var closedPort = new Uri($"http://127.0.0.1:{TestServers.FreePorts(1)[0]}/down");
        var settings = new Dictionary<string, string?>
        {
            ["Delivery:ImmediateRetries"] = "3",
            ["Delivery:ImmediateRetryDelay"] = "00:00:00.050",
            ["Delivery:AttemptTimeout"] = "00:00:01",
            ["Delivery:MaxAttempts"] = "3",
            ["Delivery:FirstRetryDelay"] = "00:01:00",
            ["Delivery:PollInterval"] = "00:00:00.050",
            ["Delivery:Resilience:BreakerMinimumThroughput"] = "1000",
        };
        var i = 0;
        foreach (var (code, path) in Paths)
        {
            settings[$"Delivery:Webhooks:{i}:Recipient"] = $"home-municipality:{code}";
            settings[$"Delivery:Webhooks:{i}:Url"] = path == "down" ? closedPort.ToString() : new Uri(_receiver.BaseUrl, path).ToString();
            settings[$"Delivery:Webhooks:{i}:Secret"] = $"webhook-secret-{code}";
            i++;
        }
        _clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        _app = await RocApp.StartAsync(_clock, prefix: "delivery.", extraSettings: settings);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task A_case_is_announced_with_a_signature_the_receiver_can_verify()
    {
        var (caseId, delivery) = await RouteToAsync("0115");
        await UntilStateAsync(delivery, DeliveryState.Delivered);

        var request = _receiver.On("/ok").Single(r => r.DeliveryId == delivery.ToString());
        var notification = JsonDocument.Parse(request.Body).RootElement;
        var view = await ViewAsync(_app, caseId);
        Assert.Multiple(() =>
        {
            Assert.That(Verify(request, "webhook-secret-0115"), Is.True, "the signature verifies with the recipient's secret");
            Assert.That(Verify(request, "webhook-secret-0117"), Is.False, "and with no other");
            Assert.That(request.MarkedRepeat, Is.False);
            Assert.That(notification.GetProperty("type").GetString(), Is.EqualTo("case.routed"));
            Assert.That(notification.GetProperty("caseId").GetGuid(), Is.EqualTo(caseId));
            Assert.That(notification.GetProperty("url").GetString(), Does.EndWith($"/api/v1/cases/{caseId}"));
            CaseRequests.AssertNoPersonalData(request.Body, "no personal data in a notification");
            Assert.That(Timeline(view), Does.Contain("delivered"));
        });
    }

    [Test]
    public async Task The_delivery_continues_the_trace_of_the_submission()
    {
        var (caseId, delivery) = await RouteToAsync("0115");
        await UntilStateAsync(delivery, DeliveryState.Delivered);

        var request = _receiver.On("/ok").Single(r => r.DeliveryId == delivery.ToString());
        var traceParent = request.Headers.Single(h => h.Key.Equals("traceparent", StringComparison.OrdinalIgnoreCase)).Value;
        var submission = Captured.Spans().Single(s => s.Source == "Microsoft.AspNetCore" && s.Tag("roc.case_id") == caseId.ToString());
        Assert.That(traceParent.Split('-')[1], Is.EqualTo(submission.TraceId), "police submission to webhook: one trace");
    }

    [Test]
    public async Task A_transient_failure_is_retried_and_every_repeat_is_marked()
    {
        using var metrics = new MetricsCapture();
        var (_, delivery) = await RouteToAsync("0117");
        await UntilStateAsync(delivery, DeliveryState.Delivered);
        var requests = _receiver.On("/flaky").Where(r => r.DeliveryId == delivery.ToString()).ToList();
        var recipient = ("recipient", "home-municipality:0117");
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(3), "500, 500, then 200");
            Assert.That(requests.Select(r => r.MarkedRepeat), Is.EqualTo(new[] { false, true, true }));
            Assert.That(requests.Select(r => r.Headers["RocRouting-Delivery-Attempt"]), Is.EqualTo(new[] { "1.1", "1.2", "1.3" }), "attempt on the durable schedule . try within it");
            Assert.That(metrics.Sum("rocrouting.deliveries.attempts", recipient, ("outcome", "delivered")), Is.EqualTo(3));
            Assert.That(metrics.Sum("rocrouting.deliveries.failures", recipient), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Each_attempt_is_signed_at_the_instant_it_is_sent_so_a_receiver_can_refuse_a_replay()
    {
        var (_, delivery) = await RouteToAsync("0186");
        var pending = await UntilAttemptsAsync(delivery, 1);
        var firstSentAt = _clock.GetUtcNow();
        _receiver.SecondSwitchOn = true;
        var retryAt = pending.NextAttemptAt.AddSeconds(1);
        _clock.Set(retryAt);
        await UntilStateAsync(delivery, DeliveryState.Delivered);
        var requests = _receiver.On("/switch-2").Where(r => r.DeliveryId == delivery.ToString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(requests.Take(4).Select(SignedAt), Is.All.EqualTo(firstSentAt.ToUnixTimeSeconds()));
            Assert.That(SignedAt(requests[^1]), Is.EqualTo(retryAt.ToUnixTimeSeconds()), "signed anew, not replayed with the first signature");
            Assert.That(requests.Select(r => Verify(r, "webhook-secret-0186")), Is.All.True);
            Assert.That(VerifiedWithin(requests[0], "webhook-secret-0186", firstSentAt.AddMinutes(4)), Is.True, "inside a receiver's five-minute window");
            Assert.That(VerifiedWithin(requests[0], "webhook-secret-0186", firstSentAt.AddMinutes(6)), Is.False, "a capture replayed later is refused");
            Assert.That(requests[^1].Headers["RocRouting-Delivery-Attempt"], Is.EqualTo("2.1"));
        });
    }

    [Test]
    public async Task A_signal_is_sent_when_it_is_due_and_a_lease_left_by_a_worker_that_died_is_taken_over()
    {
        // Saturday night the socialjour takes Solna's (0184) case; Solna is told when its office opens Monday.
        var saturday = _clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(_app, "0184", "urgent");
        await RoutedAsync(_app, caseId);
        var signal = await _app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.CaseId == caseId && d.Recipient == "home-municipality:0184"));
        var due = await _app.WithDbAsync(db => db.InboxItems.Where(i => i.Id == signal.InboxItemId).Select(i => i.DueAt).SingleAsync());
        Assert.That(signal.NextAttemptAt, Is.EqualTo(due), "not sent before it is due");

        // A worker claimed it at 08:00 and died mid-send: its lease runs until 08:05.
        var monday = due;
        Assert.That(TimeZoneInfo.ConvertTime(due, TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm")).DateTime,
            Is.EqualTo(saturday.AddDays(2).Date.AddHours(8)), "Monday 08:00 in Stockholm");
        await _app.WithDbAsync(db => db.Deliveries.Where(d => d.Id == signal.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.LeaseUntil, monday.AddMinutes(5)).SetProperty(d => d.Attempts, 1)));
        _clock.Set(monday.AddMinutes(6));
        var delivered = await UntilStateAsync(signal.Id, DeliveryState.Delivered);
        var requests = _receiver.On("/signal").Where(r => r.DeliveryId == signal.Id.ToString()).ToList();
        var notification = JsonDocument.Parse(requests.Single().Body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(delivered.Attempts, Is.EqualTo(2));
            Assert.That(requests.Single().MarkedRepeat, Is.True, "the dead worker may have reached the receiver");
            Assert.That(notification.GetProperty("type").GetString(), Is.EqualTo("signal"));
            Assert.That(notification.GetProperty("dueAt").GetDateTimeOffset(), Is.EqualTo(due));
        });
    }

    [Test]
    public async Task A_refusal_is_not_retried_and_alerts_the_operators_while_the_item_stays_in_the_inbox()
    {
        var (caseId, delivery) = await RouteToAsync("0160");
        await UntilStateAsync(delivery, DeliveryState.Failed);

        using var operatorClient = _app.Client(TestTokens.Operator());
        using var failed = await operatorClient.GetAsync("/api/v1/operations/deliveries?state=failed");
        var listed = (await CaseRequests.JsonAsync(failed)).EnumerateArray().Single(d => d.GetProperty("id").GetGuid() == delivery);
        var alerts = await _app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.MessageType == "RocRouting.Contracts.DeliveryFailed"
            && EF.Functions.JsonContains(m.Payload, $"{{\"deliveryId\":\"{delivery}\"}}")));
        var inInbox = await _app.WithDbAsync(db => db.InboxItems.AnyAsync(i => i.CaseId == caseId && i.RecipientMunicipalityCode == "0160"));
        Assert.Multiple(() =>
        {
            Assert.That(_receiver.On("/gone").Count(r => r.DeliveryId == delivery.ToString()), Is.EqualTo(1));
            Assert.That(listed.GetProperty("lastError").GetString(), Is.EqualTo("HTTP 410"));
            Assert.That(alerts, Is.EqualTo(1));
            Assert.That(inInbox, Is.True);
        });

        using var retry = await operatorClient.PostAsync($"/api/v1/operations/deliveries/{delivery}/retry", null);
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Eventually.Until(() => Task.FromResult(_receiver.On("/gone").Count(r => r.DeliveryId == delivery.ToString()) == 2), "the operator's retry");
        var audited = await _app.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.CaseId == caseId && a.Action == AuditActions.DeliveryRetry && a.Subject == "operator-1" && a.Outcome == AuditTrail.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(_receiver.On("/gone").Last(r => r.DeliveryId == delivery.ToString()).MarkedRepeat, Is.True);
            Assert.That(audited, Is.EqualTo(1), "the operator's retry is on the audit trail");
        });
    }

    [Test]
    public async Task Retry_after_is_honoured()
    {
        var (_, delivery) = await RouteToAsync("0162");
        await UntilStateAsync(delivery, DeliveryState.Delivered);
        var requests = _receiver.On("/slow-down").Where(r => r.DeliveryId == delivery.ToString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)));
        });
    }

    [Test]
    public async Task A_receiver_asking_to_wait_a_year_is_retried_within_the_longest_backoff()
    {
        var (_, delivery) = await RouteToAsync("0187");
        var sentAt = _clock.GetUtcNow();
        var pending = await UntilAttemptsAsync(delivery, 1);
        Assert.Multiple(() =>
        {
            Assert.That(pending.State, Is.EqualTo(DeliveryState.Pending));
            Assert.That(pending.NextAttemptAt, Is.EqualTo(sentAt.AddMinutes(30)), "capped at Delivery:MaxRetryDelay (30 minutes)");
        });
    }

    [Test]
    public async Task A_long_outage_moves_to_the_durable_schedule_which_survives_a_worker_restart()
    {
        var (_, delivery) = await RouteToAsync("0163");
        var pending = await UntilAttemptsAsync(delivery, 1);
        Assert.Multiple(() =>
        {
            Assert.That(pending.State, Is.EqualTo(DeliveryState.Pending));
            Assert.That(pending.NextAttemptAt, Is.GreaterThan(_clock.GetUtcNow()), "the next attempt is scheduled, not looped in memory");
            Assert.That(_receiver.On("/switch").Count(r => r.DeliveryId == delivery.ToString()), Is.EqualTo(4), "one attempt and three in-process retries");
        });

        await _app.RestartWorkerAsync(() =>
        {
            _receiver.SwitchOn = true;
            _clock.Set(pending.NextAttemptAt.AddSeconds(1));
            return Task.CompletedTask;
        });
        await UntilStateAsync(delivery, DeliveryState.Delivered);
        Assert.That(_receiver.On("/switch").Last(r => r.DeliveryId == delivery.ToString()).MarkedRepeat, Is.True);
    }

    [Test]
    public async Task A_receiver_that_hangs_is_cut_off_by_the_attempt_timeout_and_rescheduled()
    {
        var (_, delivery) = await RouteToAsync("0128");
        var pending = await Eventually.Until(
            () => _app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == delivery)),
            d => d.Attempts == 1 && d.LeaseUntil == null,
            "the timed-out attempt to be recorded",
            TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(pending.State, Is.EqualTo(DeliveryState.Pending));
            Assert.That(pending.LastError, Is.EqualTo("TimeoutRejectedException"));
            Assert.That(_receiver.On("/hang").Count(r => r.DeliveryId == delivery.ToString()), Is.EqualTo(4), "each attempt timed out and was retried");
        });
    }

    [Test]
    public async Task A_receiver_that_stays_down_ends_in_failed_after_the_configured_attempts()
    {
        var (_, delivery) = await RouteToAsync("0125");
        for (var attempt = 1; attempt < 3; attempt++)
        {
            var row = await UntilAttemptsAsync(delivery, attempt);
            _clock.Set(row.NextAttemptAt.AddSeconds(1));
        }
        var failed = await UntilStateAsync(delivery, DeliveryState.Failed);
        Assert.That(failed.Attempts, Is.EqualTo(3));
    }

    private async Task<(Guid CaseId, Guid DeliveryId)> RouteToAsync(string municipality)
    {
        _clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(_app, municipality, "urgent");
        await RoutedAsync(_app, caseId);
        var delivery = await _app.WithDbAsync(db => db.Deliveries.Where(d => d.CaseId == caseId && d.Recipient == $"home-municipality:{municipality}")
            .Select(d => d.Id).SingleAsync());
        return (caseId, delivery);
    }

    private Task<RocRouting.Cases.Delivery> UntilStateAsync(Guid delivery, DeliveryState state) =>
        Eventually.Until(() => _app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == delivery)), d => d.State == state, $"delivery {state}");

    private Task<RocRouting.Cases.Delivery> UntilAttemptsAsync(Guid delivery, int attempts) =>
        Eventually.Until(() => _app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == delivery)),
            d => d.Attempts == attempts && d.LeaseUntil == null, $"{attempts} attempt(s) recorded");

    private static long SignedAt(ReceivedRequest request) =>
        long.Parse(request.Headers["RocRouting-Signature"].Split(',')[0]["t=".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What a receiver does with the timestamp (README): refuse a signature older than five minutes by its own clock.</summary>
    private static bool VerifiedWithin(ReceivedRequest request, string secret, DateTimeOffset receiverNow) =>
        Verify(request, secret) && Math.Abs(receiverNow.ToUnixTimeSeconds() - SignedAt(request)) <= 300;

    /// <summary>What a receiver does: recompute HMAC-SHA256 over "{t}.{raw body}" and compare in constant time.</summary>
    private static bool Verify(ReceivedRequest request, string secret)
    {
        var parts = request.Headers["RocRouting-Signature"].Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{request.Body}"));
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"]));
    }
}
