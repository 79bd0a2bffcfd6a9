using Microsoft.Playwright;
using RocRouting.Cases;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The whole way in the browser: an officer submits, the socialjour's queue shows the case without a
/// reload, a social worker takes it with Kvittera, and the officer's page shows it taken, live.
/// </summary>
public sealed class Handing_a_case_from_police_to_socialjour : ConsoleTest
{
    [Test]
    public async Task Reaches_the_socialjour_queue_and_comes_back_acknowledged_without_a_reload()
    {
        var socialjour = await SignInAsync(Roles.SocialjourStaff);
        await Expect(socialjour.GetByRole(AriaRole.Heading, new() { Name = "Kö", Exact = true })).ToBeVisibleAsync();
        await Expect(socialjour.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");

        var police = await SignInAsync(Roles.PoliceOfficer);
        await police.GotoAsync("/cases/new");
        var reference = "TEST-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        // Home municipality unknown: the socialjour takes the case whatever the time.
        await police.GetByLabel("Anträffad i").SelectOptionAsync(new SelectOptionValue { Label = "Stockholm" });
        await police.GetByLabel("Akut").CheckAsync();
        await Expect(police.Locator("#preview-body")).ToContainTextAsync("Går till Stockholms stads socialjour");
        await police.GetByLabel("Kategori").SelectOptionAsync(new SelectOptionValue { Label = "Rekrytering till kriminella nätverk" });
        await police.GetByLabel("Sammanfattning").FillAsync("Fiktivt testärende: Tolvan Tolvansson vid en påhittad adress.");
        await police.GetByLabel("Polisens diarienummer").FillAsync(reference);
        await police.GetByLabel("Tjänstenummer").FillAsync("PA-TEST-0001");
        await ScreenshotAsync(police, "police-new-case");
        await police.GetByRole(AriaRole.Button, new() { Name = "Skicka ärende" }).ClickAsync();

        await Expect(police.GetByText("Ärendet är skickat.")).ToBeVisibleAsync();
        var caseUrl = police.Url;

        // The socialjour's queue, open all along, shows the new case.
        var entry = socialjour.Locator("#queue li", new() { HasText = reference });
        await Expect(entry).ToBeVisibleAsync();
        await Expect(entry).ToContainTextAsync("Akut");
        await ScreenshotAsync(socialjour, "socialjour-queue");

        await entry.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(socialjour.GetByText("Tolvan Tolvansson", new() { Exact = false })).ToBeVisibleAsync();
        await ScreenshotAsync(socialjour, "socialjour-case");
        await socialjour.GetByRole(AriaRole.Button, new() { Name = "Kvittera" }).ClickAsync();
        await Expect(socialjour.Locator(".notice")).ToContainTextAsync("Kvitterad");

        // The officer's case page, never reloaded, shows who took it: the organisation, not the person.
        Assert.That(police.Url, Is.EqualTo(caseUrl));
        await Expect(police.Locator("#case .status")).ToHaveTextAsync("Kvitterat");
        await Expect(police.Locator("#case .acknowledged")).ToContainTextAsync("av Stockholms stads socialjour");
        await Expect(police.Locator("#case")).Not.ToContainTextAsync("socialjour-1");
    }

    [Test]
    public async Task Submitting_twice_with_the_same_form_makes_one_case()
    {
        var police = await SignInAsync(Roles.PoliceOfficer);
        await police.GotoAsync("/cases/new");
        var reference = "TEST-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await police.GetByLabel("Anträffad i").SelectOptionAsync(new SelectOptionValue { Label = "Stockholm" });
        await police.GetByLabel("Brådskande").CheckAsync();
        await police.GetByLabel("Kategori").SelectOptionAsync(new SelectOptionValue { Label = "Våld" });
        await police.GetByLabel("Polisens diarienummer").FillAsync(reference);
        await police.GetByLabel("Tjänstenummer").FillAsync("PA-TEST-0002");

        // The same form posted twice (a retry after a lost answer): the key made when it opened decides.
        var form = police.Locator("#new-case");
        var first = await PostFormAsync(police, form);
        var second = await PostFormAsync(police, form);

        Assert.That(second, Is.EqualTo(first));
        var count = await App.WithDbAsync(db => Task.FromResult(db.Cases.Count(c => c.PoliceReference == reference)));
        Assert.That(count, Is.EqualTo(1));
    }

    [Test]
    public async Task Shows_the_errors_in_Swedish_by_the_fields()
    {
        var police = await SignInAsync(Roles.PoliceOfficer);
        await police.GotoAsync("/cases/new");
        await police.GetByLabel("Personnummer").FillAsync("19121212-1213");
        await police.GetByRole(AriaRole.Button, new() { Name = "Skicka ärende" }).ClickAsync();

        await Expect(police.Locator(".error-summary")).ToContainTextAsync("Formuläret har fel");
        await Expect(police.Locator("#f-Pin-error")).ToContainTextAsync("Personnumret är inte giltigt");
        await Expect(police.Locator("#f-FoundIn-error")).ToContainTextAsync("Välj kommunen där barnet anträffades");
        await Expect(police.GetByLabel("Personnummer")).ToHaveAttributeAsync("aria-invalid", "true");
        // The summary is where the keyboard is: its first link leads to the first field at fault.
        await Expect(police.Locator(".error-summary")).ToBeFocusedAsync();
        await AssertAccessibleAsync(police);
    }

    /// <summary>Posts the form's fields as the browser would (cookies and antiforgery token included), returning where it redirected.</summary>
    private static async Task<string> PostFormAsync(IPage page, ILocator form)
    {
        var fields = await form.EvaluateAsync<Dictionary<string, string>>(
            "f => Object.fromEntries(new FormData(f).entries())");
        var data = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            data.Set(name, value);
        }
        var response = await page.APIRequest.PostAsync("/cases/new", new() { Form = data, MaxRedirects = 0 });
        Assert.That(response.Status, Is.EqualTo(302), await response.TextAsync());
        return response.Headers["location"];
    }
}
