using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// Browser tests of the console on the real servers: each person signs in through the development
/// sign-in in a browser context of their own; cases a test does not submit in the browser come in
/// through the JSON API as the police's systems would send them.
/// </summary>
public abstract class ConsoleTest
{
    public const string PoliceUnit = "Lokal testenhet";

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<PageJournal> _journals = [];

    protected RocApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartConsoleApp() => App = await RocApp.ConsoleAsync();

    [TearDown]
    public async Task CloseBrowsers()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (var journal in _journals)
            {
                await TestContext.Out.WriteLineAsync($"What {journal.Person}'s browser did:");
                foreach (var line in journal.Lines)
                {
                    await TestContext.Out.WriteLineAsync("  " + line);
                }
            }
        }
        _journals.Clear();
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
        _contexts.Clear();
    }

    protected async Task<IPage> SignInAsync(string role, string? municipality = null, int width = 1280)
    {
        var page = await Browser.NewPersonAsync(App.BaseAddress, width);
        _contexts.Add(page.Context);
        _journals.Add(await PageJournal.AttachAsync(page, municipality is null ? role : $"{role} ({municipality})"));
        var query = $"?role={role}" + (municipality is null ? "" : $"&municipality={municipality}");
        await page.GotoAsync("/dev/sign-in" + query);
        return page;
    }

    /// <summary>A case from the police's systems (the JSON API), with a reference a test can find it by.</summary>
    protected async Task<(Guid Id, string Reference)> SubmitThroughApiAsync(string? home, string urgency = "immediate", string foundIn = "0180", string? summary = null)
    {
        var reference = "TEST-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var body = CaseRequests.Valid(home, urgency, foundIn);
        body["policeReference"] = reference;
        if (summary is not null)
        {
            body["summary"] = summary;
        }
        using var client = App.Client(TestTokens.PoliceOfficer(PoliceUnit));
        using var response = await CaseRequests.PostAsync(client, body);
        Assert.That((int)response.StatusCode, Is.EqualTo(202), await response.Content.ReadAsStringAsync());
        var accepted = await response.Content.ReadFromJsonAsync<JsonObject>();
        var id = Guid.Parse(accepted!["caseId"]!.GetValue<string>());
        await Eventually.Until(
            () => App.WithDbAsync(async db => (await db.Cases.FindAsync(id))?.Status is CaseStatus.Routed),
            "the case to be routed");
        return (id, reference);
    }

    /// <summary>axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A/AA.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var serious = result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")
            .ToList();
        Assert.That(serious, Is.Empty, $"axe on {page.Url}");
    }

    /// <summary>For the README: what a person sees, taken while the tests run.</summary>
    protected static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("ROC_SCREENSHOTS")
            ?? Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
