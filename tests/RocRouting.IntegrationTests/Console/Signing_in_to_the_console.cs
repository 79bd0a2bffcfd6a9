using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

public sealed class Signing_in_to_the_console : ConsoleTest
{
    [Test]
    public async Task Someone_not_signed_in_is_sent_to_sign_in_and_then_to_the_page_they_asked_for()
    {
        var page = await Browser.NewPersonAsync(App.BaseAddress);
        try
        {
            await page.GotoAsync("/queue");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Logga in (utveckling)" })).ToBeVisibleAsync();
            await AssertAccessibleAsync(page);
            await ScreenshotAsync(page, "dev-sign-in");

            await page.GetByRole(AriaRole.Link, new() { Name = "Socialsekreterare, Stockholms stads socialjour" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queue$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Kö", Exact = true })).ToBeVisibleAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Test]
    public async Task Every_page_names_its_icon_and_anyone_may_load_it()
    {
        var page = await Browser.NewPersonAsync(App.BaseAddress);
        try
        {
            // Not signed in: the browser still asks for the tab's icon, and gets it rather than a 404 page.
            await page.GotoAsync("/queue");
            var href = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
            Assert.That(href, Is.Not.Null);

            var icon = await page.APIRequest.GetAsync(href!);

            Assert.That(icon.Status, Is.EqualTo(200));
            Assert.That(icon.Headers["content-type"], Does.StartWith("image/svg+xml"));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Test]
    public async Task Each_role_starts_on_its_own_page_and_signs_out()
    {
        var police = await SignInAsync(Roles.PoliceOfficer);
        await Expect(police.GetByRole(AriaRole.Heading, new() { Name = "Enhetens ärenden" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(police);

        await police.GetByRole(AriaRole.Button, new() { Name = "Logga ut" }).ClickAsync();
        await Expect(police.GetByRole(AriaRole.Heading, new() { Name = "Du är utloggad" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(police);
        var again = await police.GotoAsync("/cases");
        Assert.That(again!.Url, Does.Contain("/dev/sign-in"));
    }

    [Test]
    public async Task A_police_officer_may_not_open_the_queue()
    {
        var police = await SignInAsync(Roles.PoliceOfficer);
        var response = await police.GotoAsync("/queue");
        Assert.That(response!.Status, Is.EqualTo(403));
        await Expect(police.GetByRole(AriaRole.Heading, new() { Name = "Ingen behörighet" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(police);
    }

    [Test]
    public async Task An_unknown_address_gets_the_Swedish_not_found_page_and_the_API_keeps_its_problem_details()
    {
        var staff = await SignInAsync(Roles.SocialjourStaff);

        var page = await staff.GotoAsync("/no-such-page");
        var api = await staff.APIRequest.GetAsync("/api/v1/no-such-thing");

        Assert.Multiple(() =>
        {
            Assert.That(page!.Status, Is.EqualTo(404));
            Assert.That(api.Status, Is.EqualTo(401), "the API answers by its own rules: no bearer token, no entry");
        });
        await Expect(staff.GetByRole(AriaRole.Heading, new() { Name = "Sidan hittades inte" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(staff);
        var direct = await staff.GotoAsync("/status/-5");
        Assert.That(direct!.Status, Is.EqualTo(404));
    }

    [Test]
    public async Task A_cookie_does_not_authorise_the_JSON_API()
    {
        var police = await SignInAsync(Roles.PoliceOfficer);
        var response = await police.APIRequest.GetAsync("/api/v1/municipalities/0180/calendar");
        Assert.That(response.Status, Is.EqualTo(401));
    }

    [Test]
    public async Task The_development_sign_in_is_not_found_outside_Development()
    {
        var settings = TestKeys.WithFreshKeys(RocApp.Settings(App.ConnectionString, "production."));
        await using var production = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            foreach (var (k, v) in settings.Where(kv => kv.Value is not null && kv.Key != "Auth:DevelopmentSigningKey"))
            {
                web.UseSetting(k, v);
            }
            web.UseSetting("Auth:Issuer", "https://login.example.invalid/");
            web.UseSetting("Auth:Authority", "https://login.example.invalid/");
        });
        using var client = production.CreateClient(new() { AllowAutoRedirect = false });

        using var listing = await client.GetAsync("/dev/sign-in");
        using var signIn = await client.GetAsync("/dev/sign-in?role=operator");

        Assert.Multiple(() =>
        {
            Assert.That((int)listing.StatusCode, Is.EqualTo(404));
            Assert.That((int)signIn.StatusCode, Is.EqualTo(404));
            Assert.That(signIn.Headers.Contains("Set-Cookie"), Is.False);
        });
    }
}
