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
    private RocApp _app = null!;
    private TestPushService _push = null!;

    [OneTimeSetUp]
    public async Task StartAppAndPushService()
    {
        _app = await RocApp.StartAsync(prefix: "notify.");
        _push = await TestPushService.StartAsync(TestKeys.VapidPublic);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _app.DisposeAsync();
        await _push.DisposeAsync();
    }

    /// <summary>A person on the socialjour's roster around the clock, with a browser registered for push.</summary>
    private async Task<(string Person, string Subscription)> OnDutyWithABrowserAsync(string role = "first-responder")
    {
        var person = $"p-{Guid.NewGuid():N}"[..14];
        using var operators = _app.Client(TestTokens.Operator());
        using (var cover = await operators.PostAsJsonAsync($"/api/v1/rosters/{Socialjour}/overrides", new
        {
            person, role, from = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), to = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        }))
        {
            Assert.That(cover.StatusCode, Is.EqualTo(HttpStatusCode.Created), await cover.Content.ReadAsStringAsync());
        }
        using var browser = _app.Client(TestTokens.SocialjourStaff(person));
        using var registered = await browser.PostAsJsonAsync("/api/v1/me/push-subscriptions", _push.NewSubscription(out var subscription));
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
        return (person, subscription);
    }

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

    private Task<List<Notification>> NotificationsAsync(Guid caseId) =>
        _app.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.CaseId == caseId).ToListAsync());

    [Test]
    public async Task An_immediate_case_reaches_the_first_responders_browser_signed_and_encrypted_without_personal_data()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync();

        var caseId = await SubmitAsync("immediate");

        var message = await Eventually.Until(
            () => Task.FromResult(_push.For(subscription).SingleOrDefault(m => m.Payload.GetProperty("caseId").GetGuid() == caseId)),
            m => m is not null,
            "the push message");
        var payload = message!.Payload;
        var raw = payload.GetRawText();
        Assert.Multiple(async () =>
        {
            Assert.That(_push.Refused, Is.Empty);
            Assert.That(payload.GetProperty("caseId").GetGuid(), Is.EqualTo(caseId));
            Assert.That(payload.GetProperty("step").GetString(), Is.EqualTo("routed:1"));
            Assert.That(payload.GetProperty("urgency").GetString(), Is.EqualTo("immediate"));
            Assert.That(payload.GetProperty("url").GetString(), Is.EqualTo($"/cases/{caseId}"));
            Assert.That(raw, Does.Not.Contain("19121212").And.Not.Contain("Tolvan"), "no identity number, no name, no summary");
            Assert.That(message.Urgency, Is.EqualTo("high"));
            Assert.That(message.TimeToLive, Is.EqualTo(900));
            Assert.That(message.Topic, Is.EqualTo(caseId.ToString("N")));
            Assert.That(message.VapidSubject, Is.EqualTo("mailto:drift@rocrouting.invalid"));
            // The push service's origin. Lib.Net.Http.WebPush leaves a non-default port out of it, which real push
            // services (all on 443) never see; the local receiver's port is not checked.
            Assert.That(message.VapidAudience, Is.EqualTo($"{_push.Address.Scheme}://{_push.Address.Host}"));
            var sent = (await NotificationsAsync(caseId)).Single(n => n.Person == person);
            Assert.That(sent.State, Is.EqualTo(NotificationState.Sent));
        });
    }

    [Test]
    public async Task The_same_step_delivered_twice_reaches_nobody_twice()
    {
        var (person, subscription) = await OnDutyWithABrowserAsync();
        var caseId = await SubmitAsync("urgent");
        await Eventually.Until(() => Task.FromResult(_push.For(subscription).Any()), "the first push message");
        var routed = MessageIds.For(caseId, nameof(CaseRouted), 1);
        await Eventually.Until(() => Task.FromResult(_app.Consumed.Count(routed) >= 1), "the routing to be consumed");

        // The broker delivers the same CaseRouted again (a redelivery after a lost acknowledgement).
        var decision = await _app.WithDbAsync(db => db.CaseRoutes.AsNoTracking().SingleAsync(r => r.CaseId == caseId));
        await _app.Bus.Publish(
            new CaseRouted
            {
                CaseId = caseId, Urgency = Urgency.Urgent, Recipient = Recipient.SocialEmergencyService("stockholm"), RuleId = decision.RuleId,
                AcknowledgeBy = DateTimeOffset.UtcNow.AddHours(2), DecidedAt = DateTimeOffset.UtcNow, ConfigurationVersion = "test", RouteSequence = 1,
            },
            context => context.MessageId = routed);
        await Eventually.Until(() => Task.FromResult(_app.Consumed.Count(routed) >= 2), "the redelivery to be consumed");

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

        var caseId = await SubmitAsync("routine");
        var routed = MessageIds.For(caseId, nameof(CaseRouted), 1);
        await Eventually.Until(() => Task.FromResult(_app.Consumed.Count(routed) >= 1), "the routing to be consumed");

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
        await _app.WithDbAsync(db => db.PlanNotificationAsync(new Notification
        {
            Id = Guid.CreateVersion7(), CaseId = caseId, Step = "overdue:1", RouteSequence = 1, Organisation = Socialjour, Person = person,
            Channel = ContactChannel.Push, State = NotificationState.Pending, NextAttemptAt = now, CreatedAt = now,
        }, CancellationToken.None));

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
}
