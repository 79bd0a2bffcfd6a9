using Microsoft.Playwright;
using RocRouting.Cases;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>What staff do on a case page: hand it on, take it by keyboard alone, and what others may not see.</summary>
public sealed class Working_a_case_in_the_console : ConsoleTest
{
    [Test]
    public async Task A_handover_to_the_home_municipality_arrives_in_its_queue_without_a_reload()
    {
        // Monday 01:00: Tyresö's office is closed, so an immediate case goes to the socialjour first.
        var (caseId, reference) = await SubmitThroughApiAsync(home: "0138");
        var tyreso = await SignInAsync(Roles.MunicipalityStaff, "0138");
        await Expect(tyreso.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");
        await Expect(tyreso.Locator("#queue")).Not.ToContainTextAsync(reference);

        var socialjour = await SignInAsync(Roles.SocialjourStaff);
        await socialjour.GotoAsync($"/cases/{caseId}");
        await socialjour.GetByLabel("Anledning").FillAsync("Kommunen har redan en pågående utredning.");
        await socialjour.GetByRole(AriaRole.Button, new() { Name = "Lämna över" }).ClickAsync();
        await Expect(socialjour.Locator(".notice")).ToContainTextAsync("överlämnat till Tyresö");

        var entry = tyreso.Locator("#queue li", new() { HasText = reference });
        await Expect(entry).ToBeVisibleAsync();
        await entry.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(tyreso.Locator("#case .recipient")).ToHaveTextAsync("Tyresö");
        await Expect(tyreso.Locator("#case")).ToContainTextAsync("överlämnat av Stockholms stads socialjour");
        await Expect(tyreso.Locator("#case .staff-notes")).ToContainTextAsync("Kommunen har redan en pågående utredning.");
        await AssertAccessibleAsync(tyreso);
    }

    [Test]
    public async Task A_social_worker_acknowledges_with_the_keyboard_alone()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: null);
        var socialjour = await SignInAsync(Roles.SocialjourStaff);
        await socialjour.GotoAsync($"/cases/{caseId}");

        var button = socialjour.GetByRole(AriaRole.Button, new() { Name = "Kvittera" });
        for (var presses = 0; presses < 60 && !await button.EvaluateAsync<bool>("b => b === document.activeElement"); presses++)
        {
            await socialjour.Keyboard.PressAsync("Tab");
        }
        await Expect(button).ToBeFocusedAsync();
        // The focus is visible: the outline the stylesheet gives it is drawn.
        var outline = await button.EvaluateAsync<string>("b => getComputedStyle(b).outlineStyle");
        Assert.That(outline, Is.Not.EqualTo("none"));
        await socialjour.Keyboard.PressAsync("Enter");

        var notice = socialjour.Locator(".notice");
        await Expect(notice).ToContainTextAsync("Kvitterad");
        await Expect(notice).ToBeFocusedAsync();
        await Expect(socialjour.GetByRole(AriaRole.Button, new() { Name = "Kvittera" })).ToHaveCountAsync(0);
    }

    [Test]
    public async Task Staff_of_another_municipality_who_type_its_address_get_the_not_found_page()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: "0138");
        var botkyrka = await SignInAsync(Roles.MunicipalityStaff, "0127");

        var response = await botkyrka.GotoAsync($"/cases/{caseId}");

        Assert.That(response!.Status, Is.EqualTo(404));
        await Expect(botkyrka.GetByRole(AriaRole.Heading, new() { Name = "Ärendet hittades inte" })).ToBeVisibleAsync();
        await Expect(botkyrka.Locator("body")).Not.ToContainTextAsync("Tolvan");
        await AssertAccessibleAsync(botkyrka);
    }
}
