using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The console's part of push: the queue's button registers the browser (with the session and an
/// antiforgery token), and the service worker turns a pushed payload into a Swedish notification.
/// Chromium here has no push service to subscribe with, so the payload is delivered through the
/// DevTools protocol, as a push service would deliver it.
/// </summary>
public sealed class Getting_alerts_when_the_console_is_closed : ConsoleTest
{
    [Test]
    public async Task The_service_worker_shows_a_pushed_alert_in_Swedish_with_the_acknowledgement_link()
    {
        var staff = await SignInAsync(Roles.SocialjourStaff);
        await staff.Context.GrantPermissionsAsync(["notifications"]);
        var button = staff.GetByRole(AriaRole.Button, new() { Name = "Få larm i telefonen och webbläsaren även när konsolen är stängd" });
        await Expect(button).ToBeVisibleAsync();
        await AssertAccessibleAsync(staff);

        var cdp = await staff.Context.NewCDPSessionAsync(staff);
        var registration = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var r in e!.Value.GetProperty("registrations").EnumerateArray())
            {
                if (r.GetProperty("scopeURL").GetString()!.StartsWith(App.BaseAddress.ToString(), StringComparison.Ordinal))
                {
                    registration.TrySetResult(r.GetProperty("registrationId").GetString()!);
                }
            }
        };
        await cdp.SendAsync("ServiceWorker.enable");
        await button.ClickAsync();
        var registrationId = await registration.Task.WaitAsync(TimeSpan.FromSeconds(15));
        // Delivered to an active worker only, as a push service's message would be.
        await staff.EvaluateAsync("async () => { await navigator.serviceWorker.ready; }");

        // A push the service sent (stored as sent), whose receipt the worker must post back once it shows the alert.
        var (caseId, _) = await SubmitThroughApiAsync(home: null);
        var now = DateTimeOffset.UtcNow;
        var sent = Notification.Plan(caseId, "routed:1", 1, "social-emergency-service:stockholm", $"p-{Guid.NewGuid():N}"[..14], ContactChannel.Push, now, now);
        sent.State = NotificationState.Sent;
        await App.WithDbAsync(db => db.PlanNotificationsAsync([sent], CancellationToken.None));
        var receipt = App.Api.Services.GetRequiredService<AcknowledgementLinks>().CreateReceipt(sent.Id, now.AddMinutes(15));
        var payload = JsonSerializer.Serialize(new
        {
            type = "case", step = "routed:1", caseId, urgency = "immediate", category = "recruitment", organisation = "social-emergency-service:stockholm",
            acknowledgeBy = "2026-11-23T00:15:00Z", url = $"/cases/{caseId}", acknowledgeUrl = "/a/test-link", receipt,
        });
        // A worker still activating may drop a push (the browser would get it again from its push service):
        // delivered until it shows; the tag makes repeats one notification.
        var shown = await Eventually.Until(
            async () =>
            {
                await cdp.SendAsync("ServiceWorker.deliverPushMessage", new Dictionary<string, object>
                {
                    ["origin"] = App.BaseAddress.GetLeftPart(UriPartial.Authority), ["registrationId"] = registrationId, ["data"] = payload,
                });
                return await staff.EvaluateAsync<string[]>(
                    "async () => (await (await navigator.serviceWorker.ready).getNotifications()).map(n => n.title + '|' + n.body + '|' + n.data.url + '|' + n.tag)");
            },
            list => list.Length > 0,
            "the notification");
        Assert.That(shown, Is.EqualTo(new[] { $"Akut ärende|Kvittera senast 01:15.|/a/test-link|{caseId}" }));
        await Eventually.Until(
            () => App.WithDbAsync(db => db.Notifications.AnyAsync(n => n.Id == sent.Id && n.DeliveredAt != null)),
            "the service worker's receipt to be recorded");
    }

    [Test]
    public async Task The_console_registers_a_subscription_with_its_session_only_with_the_antiforgery_token()
    {
        var staff = await SignInAsync(Roles.SocialjourStaff);
        var token = await staff.GetByRole(AriaRole.Button, new() { Name = "Få larm i telefonen och webbläsaren även när konsolen är stängd" })
            .GetAttributeAsync("data-token");
        var subscription = JsonSerializer.Serialize(Notifications.Registering_a_browser_for_push_notifications.Subscription($"http://127.0.0.1:9/push/{Guid.NewGuid():N}"));

        var statuses = await staff.EvaluateAsync<int[]>(
            """
            async ([body, token]) => {
              const post = (headers) => fetch('/me/push-subscriptions', { method: 'POST', credentials: 'same-origin', body,
                headers: { 'Content-Type': 'application/json', 'X-Roc-Live': '1', ...headers } }).then(r => r.status);
              return [await post({}), await post({ 'RequestVerificationToken': token })];
            }
            """,
            new object[] { subscription, token! });

        Assert.That(statuses, Is.EqualTo(new[] { 400, 201 }));
    }
}
