using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The production sign-in: the authorization code flow with PKCE against a real OpenID Connect
/// server, the provider's own claim names and role values mapped by configuration. The console runs
/// as a second API instance of the console app, configured for the provider.
/// </summary>
public sealed class Signing_in_through_the_organisations_identity_provider
{
    private TestIdentityProvider _provider = null!;
    private WebApplicationFactory<Program> _console = null!;
    private Uri _address = null!;
    private readonly List<IBrowserContext> _contexts = [];

    [OneTimeSetUp]
    public async Task StartProviderAndConsole()
    {
        var app = await RocApp.ConsoleAsync();
        _provider = await TestIdentityProvider.StartAsync();
        // The wall clock: the correlation and nonce cookies' expiry must lie in the browser's future.
        _console = app.StartAnotherApi(_provider.ConsoleSettings(), realClock: true);
        _address = RocApp.AddressOf(_console);
        await _provider.RegisterConsoleAsync(_address);
    }

    [OneTimeTearDown]
    public async Task StopProviderAndConsole()
    {
        await _console.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [TearDown]
    public async Task CloseBrowsers()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
        _contexts.Clear();
    }

    private async Task<IPage> PersonAsync()
    {
        var page = await Browser.NewPersonAsync(_address);
        _contexts.Add(page.Context);
        return page;
    }

    /// <summary>Opens <paramref name="path"/>, which sends the person to the provider's login page, and picks <paramref name="person"/> there.</summary>
    private async Task<IRequest> SignInAsync(IPage page, TestIdentityProvider.Person person, string path = "/queue")
    {
        var authorize = page.WaitForRequestAsync(r => r.Url.StartsWith(_provider.Authority + "connect/authorize", StringComparison.Ordinal));
        await page.GotoAsync(path);
        var request = await authorize;
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Organisationens inloggning" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = person.Name }).ClickAsync();
        return request;
    }

    [Test]
    public async Task A_social_worker_signs_in_with_the_code_flow_and_PKCE_and_lands_on_the_page_they_asked_for()
    {
        var page = await PersonAsync();

        var authorize = await SignInAsync(page, TestIdentityProvider.SocialWorker);

        await Expect(page).ToHaveURLAsync(new Regex("/queue$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Kö", Exact = true })).ToBeVisibleAsync();
        var session = (await page.Context.CookiesAsync([_address.ToString()])).Single(c => c.Name == "roc-session");
        Assert.Multiple(() =>
        {
            Assert.That(authorize.Url, Does.Contain("response_type=code"));
            Assert.That(authorize.Url, Does.Contain("code_challenge_method=S256"));
            Assert.That(authorize.Url, Does.Contain("code_challenge="));
            Assert.That(session.HttpOnly, Is.True);
            Assert.That(session.SameSite, Is.EqualTo(SameSiteAttribute.Lax));
        });
    }

    [Test]
    public async Task The_providers_municipality_claim_gives_that_municipalitys_queue()
    {
        var page = await PersonAsync();

        await SignInAsync(page, TestIdentityProvider.MunicipalityWorker);

        await Expect(page.GetByText("Inloggad för")).ToContainTextAsync("Nacka");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Signaler" })).ToBeVisibleAsync();
    }

    [Test]
    public async Task A_person_with_no_role_here_is_refused_in_Swedish_and_gets_no_session()
    {
        var page = await PersonAsync();

        await SignInAsync(page, TestIdentityProvider.NoRoleHere);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inloggningen gick inte igenom" })).ToBeVisibleAsync();
        await ConsoleTest.AssertAccessibleAsync(page);
        var cookies = await page.Context.CookiesAsync([_address.ToString()]);
        Assert.That(cookies.Select(c => c.Name), Has.None.EqualTo("roc-session"));
    }

    [Test]
    public async Task Signing_out_ends_the_providers_session_too()
    {
        var page = await PersonAsync();
        await SignInAsync(page, TestIdentityProvider.SocialWorker);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Kö", Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Logga ut" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Du är utloggad" })).ToBeVisibleAsync();
        // Without the provider's session the next visit asks who is there, instead of signing the same person in.
        await page.GotoAsync("/queue");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Organisationens inloggning" })).ToBeVisibleAsync();
    }
}
