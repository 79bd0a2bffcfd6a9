using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>The other people at the console: a municipality's signals, the auditors' trail, the operators' view, and a phone.</summary>
public sealed class Following_up_in_the_console : ConsoleTest
{
    [Test]
    public async Task A_municipality_marks_a_signal_received()
    {
        // At night the socialjour takes Tyresö's child, and Tyresö is signalled.
        var (caseId, _) = await SubmitThroughApiAsync(home: "0138");
        var tyreso = await SignInAsync(Roles.MunicipalityStaff, "0138");
        await tyreso.GotoAsync("/signals");

        var signal = tyreso.Locator("#signals li", new() { Has = tyreso.Locator($"a[href='/cases/{caseId}']") });
        await signal.GetByRole(AriaRole.Button, new() { Name = "Markera som mottagen" }).ClickAsync();

        await Expect(tyreso.Locator(".notice")).ToHaveTextAsync("Signalen är markerad som mottagen.");
        await Expect(tyreso.Locator("#signals li", new() { Has = tyreso.Locator($"a[href='/cases/{caseId}']") }).Locator(".received"))
            .ToContainTextAsync("Mottagen");
        await AssertAccessibleAsync(tyreso);
        await ScreenshotAsync(tyreso, "municipality-signals");
    }

    [Test]
    public async Task An_auditor_follows_a_case_through_the_trail()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: null);
        var auditor = await SignInAsync(Roles.Auditor);
        await Expect(auditor.GetByRole(AriaRole.Heading, new() { Name = "Granskning" })).ToBeVisibleAsync();

        await auditor.GetByLabel("Ärende-id").FillAsync(caseId.ToString());
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Visa" }).ClickAsync();

        var rows = auditor.Locator("tbody tr");
        await Expect(rows.Filter(new() { HasText = "case.submit" })).ToHaveCountAsync(1);
        await Expect(rows.Filter(new() { HasText = "case.route" })).ToHaveCountAsync(1);
        Assert.That(await rows.Filter(new() { HasNotText = caseId.ToString() }).CountAsync(), Is.Zero);
        await AssertAccessibleAsync(auditor);
        await ScreenshotAsync(auditor, "auditor-trail");

        var refused = await auditor.GotoAsync("/audit?from=2200-01-01");
        Assert.That(refused!.Status, Is.EqualTo(400));
        await Expect(auditor.GetByRole(AriaRole.Alert)).ToContainTextAsync("Filtret är inte giltigt");
    }

    [Test]
    public async Task An_operator_sees_a_dead_letter_and_sends_it_back_once_the_cause_is_fixed()
    {
        // A CaseSubmitted for a case the database does not have yet fails every retry and lands in the error queue.
        var caseId = Guid.CreateVersion7();
        var messageId = NewId.NextGuid();
        var now = App.ManualClock.GetUtcNow();
        await App.Bus.Publish(
            new CaseSubmitted { CaseId = caseId, Urgency = Urgency.Urgent, Category = CaseCategory.Other, FoundInMunicipalityCode = "0180", SubmittedAt = now },
            ctx => ctx.MessageId = messageId);
        var operations = await SignInAsync(Roles.Operator);
        await Eventually.Until(
            async () =>
            {
                await operations.GotoAsync("/operations");
                return await operations.Locator("#dead-letters").CountAsync() == 1
                    && (await operations.Locator("#dead-letters").TextContentAsync())!.Contains(messageId.ToString(), StringComparison.Ordinal);
            },
            "the message on the operations page",
            TimeSpan.FromSeconds(60));
        var row = operations.Locator("#dead-letters tr", new() { HasText = messageId.ToString() });
        await Expect(row).ToContainTextAsync("CaseSubmitted");
        await Expect(row).ToContainTextAsync("InvalidOperationException");
        await AssertAccessibleAsync(operations);

        await ACase.Submitted().WithId(caseId).From(null).ReportedBy("Unit Redrive").StoreUnannouncedAsync(App, now);
        await operations.GetByRole(AriaRole.Button, new() { Name = "Skicka tillbaka till kön" }).ClickAsync();

        await Expect(operations.Locator(".notice")).ToContainTextAsync("skickades tillbaka till kön");
        await Eventually.Until(() => App.WithDbAsync(db => db.CaseRoutes.AnyAsync(r => r.CaseId == caseId)), "the redriven case to be routed");
        Assert.That(await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Action == AuditActions.DeadLettersRedrive && a.Subject == "local-operator")), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task An_operator_sees_the_health_of_the_flow_and_no_personal_data()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: null);
        var operations = await SignInAsync(Roles.Operator);
        await Expect(operations.GetByRole(AriaRole.Heading, new() { Name = "Drift" })).ToBeVisibleAsync();
        await Expect(operations.Locator(".outbox-age")).ToContainTextAsync("s sedan");

        // The routing preview and calendar for any municipality and instant: Christmas Day, 10:00.
        await operations.GotoAsync("/operations?home=0138&foundIn=0180&urgency=immediate&at=2026-12-25T10:00");
        await Expect(operations.Locator("#operator-preview")).ToContainTextAsync("Går till Stockholms stads socialjour: Tyresös kontor är stängt, juldagen");
        await Expect(operations.GetByRole(AriaRole.Table, new() { Name = "Kontorstider för Tyresö" })).ToContainTextAsync("Stängt (juldagen)");
        await AssertAccessibleAsync(operations);
        var refused = await operations.GotoAsync("/operations?foundIn=0180&urgency=immediate&at=2200-01-01T00:00");
        Assert.That(refused!.Status, Is.EqualTo(400));

        // An operator may open a case to find where it is stuck, without the child in it.
        await operations.GotoAsync($"/cases/{caseId}");
        await Expect(operations.Locator("#case .recipient")).ToHaveTextAsync("Stockholms stads socialjour");
        await Expect(operations.Locator("body")).Not.ToContainTextAsync("Tolvan");
    }

    [Test]
    public async Task The_queue_works_on_a_phone()
    {
        var (_, reference) = await SubmitThroughApiAsync(home: null);
        var socialjour = await SignInAsync(Roles.SocialjourStaff, width: 360);
        await Expect(socialjour.Locator("#queue li", new() { HasText = reference })).ToBeVisibleAsync();

        var overflow = await socialjour.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the page scrolls sideways at 360 px");
        await AssertAccessibleAsync(socialjour);
        await ScreenshotAsync(socialjour, "socialjour-queue-phone");
    }
}
