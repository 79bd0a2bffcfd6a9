using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>
/// An app of its own (its rosters must not reach into other tests' cases) and a push service that
/// checks the VAPID signature and decrypts what it receives, as a browser does. The socialjour's
/// first responder is on duty around the clock.
/// </summary>
public sealed class Reaching_the_person_on_duty
{
    private const string Socialjour = "social-emergency-service:stockholm";
    private const string InboundPassword = "test-only-inbound-secret";
    private RocApp _app = null!;
    private TestPushService _push = null!;
    private TestSmsGateway _sms = null!;

    [OneTimeSetUp]
    public async Task StartAppPushServiceAndSmsGateway()
    {
        _push = await TestPushService.StartAsync(TestKeys.VapidPublic);
        _sms = await TestSmsGateway.StartAsync();
        var settings = _sms.WorkerSettings();
        // Long enough for a test to take a case before its follow-up SMS is due, on a busy machine.
        settings["Notifications:Sms:After"] = "00:00:05";
        // A killed worker's notifications are taken over this soon (the tests that kill one wait for it).
        settings["Notifications:Lease"] = "00:00:05";
        settings["Notifications:Sms:InboundUsername"] = "elks-callback";
        settings["Notifications:Sms:InboundPassword"] = InboundPassword;
        settings["Notifications:Sms:DeliveryReportUrl"] = $"https://elks-callback:{InboundPassword}@roc.example.invalid/api/v1/sms/delivery-reports";
        _app = await RocApp.StartAsync(prefix: "notify.", extraSettings: settings);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _app.DisposeAsync();
        await _push.DisposeAsync();
        await _sms.DisposeAsync();
    }

    /// <summary>A person on duty who gave a mobile number (and, when asked, registered a browser too).</summary>
    private async Task<(string Person, string Number, string? Subscription)> OnDutyWithAPhoneAsync(bool browser)
    {
        string person;
        string? subscription = null;
        if (browser)
        {
            (person, subscription) = await OnDutyWithABrowserAsync();
        }
        else
        {
            person = await OnDutyAsync("first-responder");
        }
        var digits = Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var client = _app.Client(TestTokens.SocialjourStaff(person));
        using var set = await client.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = $"070-{digits}" });
        Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.OK), await set.Content.ReadAsStringAsync());
        return (person, $"+4670{digits}", subscription);
    }

    private IEnumerable<TestSmsGateway.Sms> SmsAbout(Guid caseId) => _sms.Sent.Where(m => m.Message.Contains($"Kod {CaseCodes.Of(caseId)}.", StringComparison.Ordinal));

    /// <summary>A person on the socialjour's roster around the clock, with a browser registered for push.</summary>
    private async Task<(string Person, string Subscription)> OnDutyWithABrowserAsync(string role = "first-responder")
    {
        var person = await OnDutyAsync(role);
        using var browser = _app.Client(TestTokens.SocialjourStaff(person));
        using var registered = await browser.PostAsJsonAsync("/api/v1/me/push-subscriptions", _push.NewSubscription(out var subscription));
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
        return (person, subscription);
    }

    /// <summary>A person on the socialjour's roster for the next day.</summary>
    private async Task<string> OnDutyAsync(string role) => (await DutyCovers.NewPersonOnDutyAsync(_app, Socialjour, role)).Person;

    private async Task<Guid> SubmitAsync(string urgency)
    {
        using var police = _app.Client(TestTokens.PoliceOfficer());
        // Home municipality unknown: the socialjour takes it whatever the hour.
        using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: null, urgency: urgency));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var caseId = (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
        await Eventually.Until(() => _app.WithDbAsync(db => db.CaseRoutes.AnyAsync(r => r.CaseId == caseId)), "the case to be routed");
        return caseId;
    }

    private async Task<TestPushService.Received> PushAboutAsync(string subscription, Guid caseId) =>
        (await Eventually.Until(
            () => Task.FromResult(_push.For(subscription).SingleOrDefault(m => m.Payload.GetProperty("caseId").GetGuid() == caseId)),
            m => m is not null,
            "the push message"))!;

    private Task<List<Notification>> NotificationsAsync(Guid caseId) =>
        _app.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.CaseId == caseId).ToListAsync());

    [Test]
    public async Task An_immediate_case_reaches_the_first_responders_browser_signed_and_encrypted_without_personal_data()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync();

        var caseId = await SubmitAsync("immediate");

        var message = await PushAboutAsync(subscription, caseId);
        var payload = message.Payload;
        var raw = payload.GetRawText();
        // The push service has the message before the sender records the answer it got: wait for that.
        var sent = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Push),
            n => n.State != NotificationState.Pending,
            "the sender to record the push");
        Assert.Multiple(() =>
        {
            Assert.That(_push.Refused, Is.Empty);
            Assert.That(payload.GetProperty("caseId").GetGuid(), Is.EqualTo(caseId));
            Assert.That(payload.GetProperty("step").GetString(), Is.EqualTo("routed:1"));
            Assert.That(payload.GetProperty("urgency").GetString(), Is.EqualTo("immediate"));
            Assert.That(payload.GetProperty("url").GetString(), Is.EqualTo($"/cases/{caseId}"));
            CaseRequests.AssertNoPersonalData(raw, "no identity number, no name, no summary");
            Assert.That(message.Urgency, Is.EqualTo("high"));
            Assert.That(message.TimeToLive, Is.EqualTo(900));
            Assert.That(message.Topic, Is.EqualTo(caseId.ToString("N")));
            Assert.That(message.VapidSubject, Is.EqualTo("mailto:drift@rocrouting.invalid"));
            // The push service's origin. Lib.Net.Http.WebPush leaves a non-default port out of it, which real push
            // services (all on 443) never see; the local receiver's port is not checked.
            Assert.That(message.VapidAudience, Is.EqualTo($"{_push.Address.Scheme}://{_push.Address.Host}"));
            Assert.That(sent.State, Is.EqualTo(NotificationState.Sent));
        });
    }

    [Test]
    public async Task The_alert_of_a_routed_case_is_handed_to_the_sender_at_commit_and_not_leased_again()
    {
        using var metrics = new MetricsCapture();
        var (person, subscription) = await OnDutyWithABrowserAsync();

        var caseId = await SubmitAsync("immediate");

        await PushAboutAsync(subscription, caseId);
        var sent = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Push),
            n => n.State != NotificationState.Pending,
            "the sender to record the push");
        await Eventually.Until(
            () => Task.FromResult(metrics.Sum("rocrouting.notifications.outcomes", ("channel", "push"), ("state", "sent"), ("source", "handed-over"))),
            n => n >= 1,
            "the sender to count what it was handed");
        Assert.Multiple(() =>
        {
            Assert.That(sent.State, Is.EqualTo(NotificationState.Sent));
            // Written with its first attempt counted and leased to the sender; a lease by the sender would count a second.
            Assert.That(sent.Attempts, Is.EqualTo(1));
            Assert.That(sent.LeaseUntil, Is.Null, "the lease ends with the outcome");
        });
    }

    [Test]
    public async Task Everyone_on_duty_gets_the_alert_on_their_own_browser_once()
    {
        // Both are planned in the routing's transaction and sent in one round, which reads the browsers of all its people at once.
        var (_, first) = await OnDutyWithABrowserAsync();
        var (_, second) = await OnDutyWithABrowserAsync();

        var caseId = await SubmitAsync("immediate");

        await PushAboutAsync(first, caseId);
        await PushAboutAsync(second, caseId);
        Assert.Multiple(() =>
        {
            Assert.That(_push.For(first).Count(m => m.Payload.GetProperty("caseId").GetGuid() == caseId), Is.EqualTo(1));
            Assert.That(_push.For(second).Count(m => m.Payload.GetProperty("caseId").GetGuid() == caseId), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_push_service_slow_to_answer_holds_up_nobody_elses_alert()
    {
        // Both alerts go in one round, and each push service takes its message without answering.
        var (_, first) = await OnDutyWithABrowserAsync();
        var (_, second) = await OnDutyWithABrowserAsync();

        var caseId = await SubmitWhileBothAreHeldAsync(_push.Held, first, second, "both pushes in flight at once");

        await PushAboutAsync(first, caseId);
        await PushAboutAsync(second, caseId);
    }

    /// <summary>
    /// Holds the next request for each of two recipients and submits an immediate case; one after the
    /// other, the second request would come only after the first timed out, so both must be in hand at
    /// once. The held requests are answered afterwards.
    /// </summary>
    private async Task<Guid> SubmitWhileBothAreHeldAsync(HeldRequests held, string first, string second, string what)
    {
        var firstHeld = held.HoldNextFor(first);
        var secondHeld = held.HoldNextFor(second);
        try
        {
            var caseId = await SubmitAsync("immediate");
            await Task.WhenAll(firstHeld, secondHeld).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(held.IsHeld(first) && held.IsHeld(second), what);
            return caseId;
        }
        finally
        {
            held.Release(first);
            held.Release(second);
        }
    }

    [Test]
    public async Task The_same_step_delivered_twice_reaches_nobody_twice()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync();
        var caseId = await SubmitAsync("urgent");
        await Eventually.Until(() => Task.FromResult(_push.For(subscription).Any()), "the first push message");
        var submitted = MessageIds.For(caseId, nameof(CaseSubmitted));
        await Eventually.Until(() => Task.FromResult(_app.Consumed.Count(submitted) >= 1), "the submission to be consumed");

        // The broker delivers the same CaseSubmitted again (a redelivery after a lost acknowledgement).
        var @case = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId));
        await _app.Bus.Publish(CaseLifecycle.Submitted(@case), context => context.MessageId = submitted);
        await Eventually.Until(() => Task.FromResult(_app.Consumed.Count(submitted) >= 2), "the redelivery to be consumed");

        Assert.Multiple(async () =>
        {
            Assert.That((await NotificationsAsync(caseId)).Count(n => n.Person == person), Is.EqualTo(1));
            Assert.That(_push.For(subscription).Count(m => m.Payload.GetProperty("caseId").GetGuid() == caseId), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_routine_case_wakes_nobody()
    {
        var (_, subscription) = await OnDutyWithABrowserAsync();

        // Routed (SubmitAsync waits for it), and its notifications are planned in the same transaction.
        var caseId = await SubmitAsync("routine");

        Assert.Multiple(async () =>
        {
            Assert.That(await NotificationsAsync(caseId), Is.Empty);
            Assert.That(_push.For(subscription).Any(m => m.Payload.GetProperty("caseId").GetGuid() == caseId), Is.False);
        });
    }

    [Test]
    public async Task A_subscription_the_push_service_has_forgotten_is_removed_and_the_other_browser_still_gets_it()
    {
        var (person, phone) = await OnDutyWithABrowserAsync();
        using var browser = _app.Client(TestTokens.SocialjourStaff(person));
        using (var desktop = await browser.PostAsJsonAsync("/api/v1/me/push-subscriptions", _push.NewSubscription(out var old)))
        {
            Assert.That(desktop.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            _push.Forget(old);
        }

        var caseId = await SubmitAsync("immediate");

        await Eventually.Until(() => Task.FromResult(_push.For(phone).Any(m => m.Payload.GetProperty("caseId").GetGuid() == caseId)), "the phone's message");
        await Eventually.Until(
            () => _app.WithDbAsync(db => db.ContactPoints.CountAsync(c => c.Person == person)),
            n => n == 1,
            "the forgotten subscription to be removed");
    }

    [Test]
    public async Task Nothing_goes_out_about_a_case_already_taken()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync("shift-lead");
        var caseId = await SubmitAsync("urgent");
        using var staff = _app.Client(TestTokens.SocialjourStaff());
        using (var acknowledged = await staff.PostAsJsonAsync($"/api/v1/cases/{caseId}/acknowledgements", new { note = (string?)null }))
        {
            Assert.That(acknowledged.IsSuccessStatusCode, Is.True, await acknowledged.Content.ReadAsStringAsync());
        }

        // The deadline's step, planned as a late message would plan it after the case was taken.
        var now = DateTimeOffset.UtcNow;
        await _app.WithDbAsync(db => db.PlanNotificationsAsync(
            [Notification.Plan(caseId, "overdue:1", 1, Socialjour, person, ContactChannel.Push, now, now)], CancellationToken.None));

        var cancelled = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person).State,
            state => state != NotificationState.Pending,
            "the notification to be decided");
        Assert.Multiple(() =>
        {
            Assert.That(cancelled, Is.EqualTo(NotificationState.Cancelled));
            Assert.That(_push.For(subscription).Any(m => m.Payload.GetProperty("caseId").GetGuid() == caseId), Is.False);
        });
    }

    [Test]
    public async Task Someone_without_a_browser_gets_one_SMS_at_once_with_the_code_and_a_link_and_no_personal_data()
    {
        var (_, number, _) = await OnDutyWithAPhoneAsync(browser: false);

        var caseId = await SubmitAsync("immediate");

        var sms = await Eventually.Until(() => Task.FromResult(SmsAbout(caseId).Where(m => m.To == number).ToList()), m => m.Count > 0, "the SMS");
        Assert.Multiple(() =>
        {
            Assert.That(sms, Has.Count.EqualTo(1));
            Assert.That(sms[0].From, Is.EqualTo("RocRouting"));
            Assert.That(sms[0].Message, Does.StartWith("RocRouting: AKUT ärende till Stockholms stads socialjour. Kvittera senast "));
            Assert.That(sms[0].Message, Does.Contain($"Kod {CaseCodes.Of(caseId)}."));
            CaseRequests.AssertNoPersonalData(sms[0].Message);
        });
    }

    [Test]
    public async Task An_SMS_gateway_slow_to_answer_holds_up_nobody_elses_SMS()
    {
        // Neither has a browser, so both SMS are planned at once and go in one round; the gateway takes each
        // without answering.
        var (_, first, _) = await OnDutyWithAPhoneAsync(browser: false);
        var (_, second, _) = await OnDutyWithAPhoneAsync(browser: false);

        var caseId = await SubmitWhileBothAreHeldAsync(_sms.Held, first, second, "both SMS in flight at once");

        await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Count(n => n.Channel == ContactChannel.Sms && n.State == NotificationState.Sent),
            sent => sent >= 2,
            "both SMS recorded as sent");
        Assert.Multiple(() =>
        {
            Assert.That(SmsAbout(caseId).Count(m => m.To == first), Is.EqualTo(1));
            Assert.That(SmsAbout(caseId).Count(m => m.To == second), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task After_a_push_an_SMS_follows_unless_the_case_is_taken_first()
    {
        var (person, number, subscription) = await OnDutyWithAPhoneAsync(browser: true);

        var untaken = await SubmitAsync("immediate");
        var taken = await SubmitAsync("immediate");
        await Eventually.Until(() => Task.FromResult(_push.For(subscription!).Any(m => m.Payload.GetProperty("caseId").GetGuid() == taken)), "the push about the second case");
        using var staff = _app.Client(TestTokens.SocialjourStaff(person));
        using (var acknowledged = await staff.PostAsJsonAsync($"/api/v1/cases/{taken}/acknowledgements", new { note = (string?)null }))
        {
            Assert.That(acknowledged.IsSuccessStatusCode, Is.True);
        }

        await Eventually.Until(() => Task.FromResult(SmsAbout(untaken).Any(m => m.To == number)), "the SMS about the case nobody took", TimeSpan.FromSeconds(30));
        var followUp = await Eventually.Until(
            async () => (await NotificationsAsync(taken)).SingleOrDefault(n => n.Person == person && n.Channel == ContactChannel.Sms)?.State,
            state => state is not null and not NotificationState.Pending,
            "the follow-up SMS about the taken case to be decided");
        Assert.Multiple(() =>
        {
            Assert.That(followUp, Is.EqualTo(NotificationState.Cancelled));
            Assert.That(SmsAbout(taken).Where(m => m.To == number), Is.Empty);
        });
    }

    [Test]
    public async Task A_browser_that_shows_the_alert_and_sends_its_receipt_spares_the_person_the_SMS()
    {
        var (person, number, subscription) = await OnDutyWithAPhoneAsync(browser: true);

        var caseId = await SubmitAsync("immediate");
        var message = await PushAboutAsync(subscription!, caseId);
        // What the console's service worker does once the alert is on the screen; no session needed.
        using var anonymous = _app.Client();
        using var receipt = await anonymous.PostAsJsonAsync("/api/v1/push-receipts", new { receipt = message.Payload.GetProperty("receipt").GetString() });
        Assert.That(receipt.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await receipt.Content.ReadAsStringAsync());

        var followUp = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).SingleOrDefault(n => n.Person == person && n.Channel == ContactChannel.Sms),
            n => n is { State: not NotificationState.Pending },
            "the follow-up SMS to be decided",
            TimeSpan.FromSeconds(30));
        var push = (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Push);
        Assert.Multiple(() =>
        {
            Assert.That(push.DeliveredAt, Is.Not.Null);
            Assert.That(followUp!.State, Is.EqualTo(NotificationState.Cancelled));
            Assert.That(followUp.LastError, Does.Contain("receipt"));
            Assert.That(SmsAbout(caseId).Where(m => m.To == number), Is.Empty);
        });
    }

    [Test]
    public async Task A_receipt_that_is_not_the_services_is_refused_and_an_acknowledgement_link_is_no_receipt()
    {
        var (_, subscription) = await OnDutyWithABrowserAsync();
        var caseId = await SubmitAsync("immediate");
        var message = await PushAboutAsync(subscription, caseId);
        var link = message.Payload.GetProperty("acknowledgeUrl").GetString()!["/a/".Length..];
        using var anonymous = _app.Client();

        using var missing = await anonymous.PostAsJsonAsync("/api/v1/push-receipts", new { receipt = (string?)null });
        using var asLink = await anonymous.PostAsJsonAsync("/api/v1/push-receipts", new { receipt = link });
        using var forged = await anonymous.PostAsJsonAsync("/api/v1/push-receipts", new { receipt = new string('A', 54) });

        Assert.Multiple(async () =>
        {
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await missing.Content.ReadAsStringAsync(), Does.Contain("\"receipt\""));
            Assert.That(asLink.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await NotificationsAsync(caseId)).Where(n => n.DeliveredAt != null), Is.Empty);
        });
    }

    [Test]
    public async Task An_SMS_gateway_that_is_down_gets_the_SMS_once_it_is_back()
    {
        var (person, number, _) = await OnDutyWithAPhoneAsync(browser: false);
        var refusedBefore = _sms.Refused;
        _sms.GoDownFor(2);

        var caseId = await SubmitAsync("immediate");

        await Eventually.Until(() => Task.FromResult(SmsAbout(caseId).Any(m => m.To == number)), "the SMS after the gateway is back");
        var row = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Sms),
            n => n.State != NotificationState.Sending,
            "the gateway's answer to be recorded");
        Assert.Multiple(() =>
        {
            // Earlier tests' people are on duty too, so the two refusals may have been anyone's attempts.
            Assert.That(_sms.Refused - refusedBefore, Is.EqualTo(2));
            Assert.That(row.State, Is.EqualTo(NotificationState.Sent));
            Assert.That(SmsAbout(caseId).Count(m => m.To == number), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task An_SMS_a_dead_worker_may_have_sent_is_never_sent_again()
    {
        var (person, number, _) = await OnDutyWithAPhoneAsync(browser: false);
        var caseId = await SubmitAsync("urgent");
        // The worker handed it to the gateway and died before recording the answer: marked sending, lease run out.
        var now = DateTimeOffset.UtcNow;
        var dying = Notification.Plan(caseId, "overdue:1", 1, Socialjour, person, ContactChannel.Sms, now, now);
        dying.State = NotificationState.Sending;
        var id = dying.Id;
        // Stored as sending from the first moment (the sender never leases it), then its lease runs out.
        await _app.WithDbAsync(async db =>
        {
            await db.PlanNotificationsAsync([dying], CancellationToken.None);
            return await db.Notifications.Where(n => n.Id == id).ExecuteUpdateAsync(u => u.SetProperty(n => n.LeaseUntil, now.AddSeconds(-1)));
        });

        var state = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Id == id).State,
            s => s != NotificationState.Sending,
            "the unknown outcome to be recorded");
        Assert.Multiple(() =>
        {
            Assert.That(state, Is.EqualTo(NotificationState.Failed));
            Assert.That(SmsAbout(caseId).Any(m => m.To == number && m.Message.Contains("inte kvitterat", StringComparison.Ordinal)), Is.False);
        });
    }

    [Test]
    public async Task A_worker_killed_while_the_gateway_has_the_SMS_leaves_it_at_one_SMS()
    {
        var (person, number, _) = await OnDutyWithAPhoneAsync(browser: false);
        var held = _sms.Held.HoldNextFor(number);

        var caseId = await SubmitAsync("immediate");
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        // The gateway has sent it; the worker dies before it hears so. Another takes over.
        await _app.RestartWorkerAsync(() => Task.CompletedTask);

        var row = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Sms),
            n => n.State != NotificationState.Sending,
            "the new worker to decide about the SMS the dead one had sent",
            TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(row.State, Is.EqualTo(NotificationState.Failed), "an unknown outcome is for operators to see");
            Assert.That(row.LastError, Does.Contain("not repeated"));
            Assert.That(SmsAbout(caseId).Count(m => m.To == number), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_worker_killed_mid_push_is_followed_by_one_push_under_the_same_topic_and_one_SMS()
    {
        var (person, number, subscription) = await OnDutyWithAPhoneAsync(browser: true);
        var held = _push.Held.HoldNextFor(subscription!);

        var caseId = await SubmitAsync("immediate");
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        await _app.RestartWorkerAsync(() => Task.CompletedTask);

        // Push is at least once: the new worker cannot know the push service had it, so it pushes again,
        // under the same topic (the push service replaces an undelivered one) and with the case as the
        // notification's tag (a browser that has both shows one).
        var pushes = await Eventually.Until(
            () => Task.FromResult(_push.For(subscription!).Where(m => m.Payload.GetProperty("caseId").GetGuid() == caseId).ToList()),
            list => list.Count == 2,
            "the new worker's push",
            TimeSpan.FromSeconds(30));
        var sms = await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).SingleOrDefault(n => n.Person == person && n.Channel == ContactChannel.Sms),
            n => n is { State: not NotificationState.Pending and not NotificationState.Sending },
            "the follow-up SMS to be decided",
            TimeSpan.FromSeconds(30));
        Assert.Multiple(async () =>
        {
            Assert.That(pushes.Select(p => p.Topic).Distinct(), Is.EqualTo(new[] { caseId.ToString("N") }));
            Assert.That((await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Push).State, Is.EqualTo(NotificationState.Sent));
            Assert.That(sms!.State, Is.EqualTo(NotificationState.Sent));
            Assert.That(SmsAbout(caseId).Count(m => m.To == number), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task The_link_in_the_alert_acknowledges_the_case_once_after_a_confirmation_and_says_so_on_a_repeat()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync();
        var caseId = await SubmitAsync("immediate");
        var message = await PushAboutAsync(subscription, caseId);
        var link = message.Payload.GetProperty("acknowledgeUrl").GetString()!;
        using var phone = _app.Api.CreateClient();

        // Opening the link does nothing by itself: a link previewer may open it too.
        var page = WebUtility.HtmlDecode(await phone.GetStringAsync(link));
        var takenBefore = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Where(c => c.Id == caseId).Select(c => c.AcknowledgedAt).SingleAsync());
        using var confirmed = await PostFormAsync(phone, link, page);
        var done = WebUtility.HtmlDecode(await confirmed.Content.ReadAsStringAsync());
        using var replay = await PostFormAsync(phone, link, page);
        var again = WebUtility.HtmlDecode(await phone.GetStringAsync(link));
        var acknowledgements = await _app.WithDbAsync(db => db.Acknowledgements.AsNoTracking().Where(a => a.CaseId == caseId).ToListAsync());

        Assert.Multiple(async () =>
        {
            Assert.That(page[page.IndexOf("<main", StringComparison.Ordinal)..], Does.Contain("Kvittera: jag tar ärendet").And.Contain(CaseCodes.Of(caseId)));
            CaseRequests.AssertNoPersonalData(page);
            Assert.That(link, Does.StartWith("/a/").And.Not.Contain(caseId.ToString()));
            Assert.That(takenBefore, Is.Null);
            Assert.That(done, Does.Contain("Kvitterat. Ärendet är ditt."));
            Assert.That(WebUtility.HtmlDecode(await replay.Content.ReadAsStringAsync()), Does.Contain("Länken är redan använd"));
            Assert.That(again, Does.Contain("Länken är redan använd"));
            Assert.That(acknowledgements, Has.Count.EqualTo(1));
            Assert.That(acknowledgements[0].Subject, Is.EqualTo(person));
        });
    }

    [Test]
    public async Task A_forged_link_is_not_found()
    {
        using var phone = _app.Api.CreateClient();

        using var forged = await phone.GetAsync("/a/" + new string('A', 54));

        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_reply_with_the_code_acknowledges_the_case_and_a_repeat_or_a_stranger_changes_nothing()
    {
        var (person, number, _) = await OnDutyWithAPhoneAsync(browser: false);
        var caseId = await SubmitAsync("immediate");
        await Eventually.Until(() => Task.FromResult(SmsAbout(caseId).Any(m => m.To == number)), "the SMS");
        var code = CaseCodes.Of(caseId);

        var stranger = await ReplyAsync("+46700000001", code);
        var wrongPassword = await ReplyAsync(number, code, password: "guess");
        var reply = await ReplyAsync(number, $"ok {code}");
        var repeat = await ReplyAsync(number, code);
        var acknowledgement = await _app.WithDbAsync(db => db.Acknowledgements.AsNoTracking().SingleOrDefaultAsync(a => a.CaseId == caseId));

        Assert.Multiple(() =>
        {
            Assert.That(stranger.Text, Does.Contain("ingen väntande notis"));
            Assert.That(wrongPassword.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(reply.Text, Is.EqualTo($"RocRouting: kvitterat, ärende {code} är ditt."));
            Assert.That(repeat.Text, Does.Contain("Ingenting har ändrats"));
            Assert.That(acknowledgement?.Subject, Is.EqualTo(person));
        });
    }

    [Test]
    public async Task A_delivery_report_that_the_SMS_failed_makes_it_a_failed_notification_for_operators()
    {
        var (person, number, _) = await OnDutyWithAPhoneAsync(browser: false);
        var caseId = await SubmitAsync("immediate");
        var sms = await Eventually.Until(() => Task.FromResult(SmsAbout(caseId).FirstOrDefault(m => m.To == number)), m => m is not null, "the SMS");
        await Eventually.Until(
            async () => (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Sms).State,
            state => state == NotificationState.Sent,
            "the SMS to be recorded sent");

        var report = await CallbackAsync("/api/v1/sms/delivery-reports", [new("id", sms!.Id), new("status", "failed"), new("delivered", "2026-12-02 02:14:00")]);

        var row = (await NotificationsAsync(caseId)).Single(n => n.Person == person && n.Channel == ContactChannel.Sms);
        Assert.Multiple(() =>
        {
            Assert.That(sms.WhenDelivered, Does.EndWith("/api/v1/sms/delivery-reports"), "the gateway is asked for a report");
            Assert.That(report.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(row.GatewayId, Is.EqualTo(sms.Id));
            Assert.That(row.State, Is.EqualTo(NotificationState.Failed));
            Assert.That(row.LastError, Does.Contain("not delivered"));
        });
    }

    /// <summary>The gateway posts a reply as 46elks does: form-encoded, with the callback URL's basic credentials.</summary>
    private Task<(HttpStatusCode Status, string Text)> ReplyAsync(string from, string message, string password = InboundPassword) =>
        CallbackAsync("/api/v1/sms/replies", [new("from", from), new("to", "RocRouting"), new("message", message)], password);

    /// <summary>A callback from the gateway: form-encoded, with the basic credentials of the callback URL.</summary>
    private async Task<(HttpStatusCode Status, string Text)> CallbackAsync(string path, KeyValuePair<string, string>[] fields, string password = InboundPassword)
    {
        using var gateway = _app.Api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"elks-callback:{password}")));
        using var response = await gateway.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts the page's form back as the browser would: its antiforgery token and the form's handler name.</summary>
    private static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, string page)
    {
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        return client.PostAsync(url, new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("_handler", "phone-acknowledge")]));
    }

    [Test]
    public async Task Operators_see_whom_nobody_reached_and_why()
    {
        var person = await OnDutyAsync("first-responder");

        var caseId = await SubmitAsync("immediate");

        using var operators = _app.Client(TestTokens.Operator());
        var failed = await Eventually.Until(
            async () =>
            {
                using var response = await operators.GetAsync("/api/v1/operations/notifications?state=failed&limit=500");
                return (await CaseRequests.JsonAsync(response)).EnumerateArray()
                    .Where(n => n.GetProperty("caseId").GetGuid() == caseId && n.GetProperty("person").GetString() == person)
                    .Select(n => (Channel: n.GetProperty("channel").GetString(), Error: n.GetProperty("lastError").GetString()))
                    .ToList();
            },
            list => list.Count == 2,
            "the failed push and SMS");
        Assert.That(failed, Is.EquivalentTo(new[] { ("push", (string?)"the person has no push subscription"), ("sms", "the person has no mobile number") }));
    }
}
