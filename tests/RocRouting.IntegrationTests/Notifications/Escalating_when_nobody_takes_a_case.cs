using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>
/// Monday night, an immediate case at the socialjour, and nobody takes it: the clock is the test's.
/// The first responder is reached at routing, the shift lead joins when the deadline passes, and the
/// operators on duty are reached when the second window passes too.
/// </summary>
public sealed class Escalating_when_nobody_takes_a_case
{
    private const string Socialjour = "social-emergency-service:stockholm";
    private RocApp _app = null!;
    private TestPushService _push = null!;

    [OneTimeSetUp]
    public async Task StartAppAndPushService()
    {
        _push = await TestPushService.StartAsync(TestKeys.VapidPublic);
        _app = await RocApp.StartAsync(new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)), prefix: "escalate.");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _app.DisposeAsync();
        await _push.DisposeAsync();
    }

    private async Task<string> WithABrowserAsync(string person)
    {
        using var client = _app.Client(TestTokens.SocialjourStaff(person));
        using var registered = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", _push.NewSubscription(out var subscription));
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return subscription;
    }

    private IEnumerable<string> StepsFor(string subscription, Guid caseId) =>
        _push.For(subscription).Where(m => m.Payload.GetProperty("caseId").GetGuid() == caseId).Select(m => m.Payload.GetProperty("step").GetString()!);

    [Test]
    public async Task The_deadline_brings_in_the_shift_lead_and_the_second_window_the_operators()
    {
        using var operators = _app.Client(TestTokens.Operator());
        object EveryDay(string person, string role) => new { person, role, days = new[] { "every-day" }, starts = "00:00", ends = "00:00" };
        using (var socialjour = await operators.PutAsJsonAsync($"/api/v1/rosters/{Socialjour}/weekly", new
        {
            duties = new[] { EveryDay("p-first", "first-responder"), EveryDay("p-lead", "shift-lead") },
        }))
        using (var operatorRota = await operators.PutAsJsonAsync("/api/v1/rosters/operators/weekly", new { duties = new[] { EveryDay("p-operator", "first-responder") } }))
        {
            Assert.That(socialjour.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(operatorRota.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        var first = await WithABrowserAsync("p-first");
        var lead = await WithABrowserAsync("p-lead");
        var onCall = await WithABrowserAsync("p-operator");

        using var police = _app.Client(TestTokens.PoliceOfficer());
        using var submitted = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: null, urgency: "immediate"));
        var caseId = (await CaseRequests.JsonAsync(submitted)).GetProperty("caseId").GetGuid();
        await Eventually.Until(() => Task.FromResult(StepsFor(first, caseId).Contains("routed:1")), "the first responder's alert");
        Assert.That(StepsFor(lead, caseId), Is.Empty, "the shift lead is not woken for a case that may still be taken");

        // 15 minutes: the deadline passes.
        _app.ManualClock.Advance(TimeSpan.FromMinutes(16));
        await Eventually.Until(() => Task.FromResult(StepsFor(lead, caseId).Contains("overdue:1")), "the shift lead's alert");
        await Eventually.Until(() => Task.FromResult(StepsFor(first, caseId).Contains("overdue:1")), "the first responder's second alert");
        Assert.That(StepsFor(onCall, caseId), Is.Empty);

        // The second window passes too: the socialjour has not taken an immediate case in half an hour.
        _app.ManualClock.Advance(TimeSpan.FromMinutes(16));
        await Eventually.Until(() => Task.FromResult(StepsFor(onCall, caseId).Contains("escalated:1")), "the operator's alert");
        await Eventually.Until(() => Task.FromResult(StepsFor(lead, caseId).Contains("escalated:1")), "the shift lead's escalation alert");

        var rows = await _app.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.CaseId == caseId && n.Channel == ContactChannel.Push).ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(StepsFor(first, caseId), Is.EqualTo(new[] { "routed:1", "overdue:1" }), "each step once");
            Assert.That(rows.Select(r => (r.Step, r.Person)).Distinct().Count(), Is.EqualTo(rows.Count));
            Assert.That(rows, Has.All.Matches<Notification>(r => r.State == NotificationState.Sent));
        });
    }
}
