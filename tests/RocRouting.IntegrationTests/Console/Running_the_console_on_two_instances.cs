using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// A second API instance on the same database and broker, as behind a load balancer without
/// sticky sessions: a person may reach either, and either may restart.
/// </summary>
public sealed class Running_the_console_on_two_instances : ConsoleTest
{
    [Test]
    public async Task A_session_made_by_one_instance_works_on_the_other_and_changes_there_appear_live_on_both()
    {
        await using var second = App.StartAnotherApi([]);
        var other = RocApp.AddressOf(second);
        var onSecond = await SignInAsync(Roles.SocialjourStaff);
        var onFirst = await SignInAsync(Roles.SocialjourStaff);

        // Signed in on the first instance, the same browser goes on to the second.
        await onSecond.GotoAsync(new Uri(other, "/queue").ToString());
        await Expect(onSecond.GetByRole(AriaRole.Heading, new() { Name = "Kö", Exact = true })).ToBeVisibleAsync();
        await Expect(onSecond.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");
        var (caseId, reference) = await SubmitThroughApiAsync(home: null);
        await onFirst.GotoAsync($"/cases/{caseId}");

        // The second instance's feed shows the case; acknowledged there (its form, its antiforgery token)...
        var entry = onSecond.Locator("#queue li", new() { HasText = reference });
        await entry.GetByRole(AriaRole.Link).ClickAsync();
        await onSecond.GetByRole(AriaRole.Button, new() { Name = "Kvittera" }).ClickAsync();
        await Expect(onSecond.Locator(".notice")).ToContainTextAsync("Kvitterad");

        // ...and the first instance's console, never reloaded, shows it.
        await Expect(onFirst.Locator("#case .status")).ToHaveTextAsync("Kvitterat");
        Assert.That(await App.WithDbAsync(db => db.Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>().CountAsync()), Is.GreaterThan(0),
            "the key ring is in the database, where every instance finds it");
    }

    [Test]
    public async Task A_console_says_it_is_reconnecting_and_catches_up_when_its_instance_comes_back()
    {
        var port = RocApp.FreePort();
        var second = App.StartAnotherApi([], port: port);
        var staff = await SignInAsync(Roles.SocialjourStaff);
        await staff.GotoAsync(new Uri(RocApp.AddressOf(second), "/queue").ToString());
        await Expect(staff.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");

        await second.DisposeAsync();
        await Expect(staff.Locator("#live-status")).ToContainTextAsync("Återansluter");
        // A case arrives while the instance is away.
        var (_, reference) = await SubmitThroughApiAsync(home: null);
        await using var restarted = App.StartAnotherApi([], port: port);

        await Expect(staff.Locator("#queue li", new() { HasText = reference })).ToBeVisibleAsync();
        await Expect(staff.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");
    }
}
