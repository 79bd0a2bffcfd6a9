using Microsoft.Playwright;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole run (Debian's package; Playwright never downloads a browser
/// here), and a fresh context (cookies, storage) per person in a test.
/// </summary>
public static class Browser
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    /// <summary>Generous for a busy two-core machine; a wait ends as soon as its condition holds.</summary>
    private const float ActionTimeout = 15_000;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("ROC_CHROMIUM") ?? "/usr/bin/chromium";

    public static async Task<IBrowser> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_browser is null)
            {
                // Assertions wait as long as actions do (below): on a busy two-core machine a live update
                // can take seconds to reach the screen, and a wait still ends as soon as its condition holds.
                Assertions.SetDefaultExpectTimeout(ActionTimeout);
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new()
                {
                    ExecutablePath = ExecutablePath,
                    Headless = true,
                    // Without these, Chromium keeps trying Google's hosts, which this network refuses.
                    Args =
                    [
                        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    ],
                });
            }
            return _browser;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A person at their own browser: own cookies, Swedish locale, Stockholm time, a phone-sized or desktop window.</summary>
    public static async Task<IPage> NewPersonAsync(Uri baseAddress, int width = 1280, int height = 900)
    {
        var browser = await SharedAsync();
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            Locale = "sv-SE",
            TimezoneId = "Europe/Stockholm",
            ViewportSize = new() { Width = width, Height = height },
        });
        context.SetDefaultTimeout(ActionTimeout);
        return await context.NewPageAsync();
    }

    public static async Task StopAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        _browser = null;
        _playwright = null;
    }
}
