using System.Collections.Concurrent;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// A page re-reads itself when the live feed says its case changed. If that re-read is refused (an
/// instance shedding load answers 503 with Retry-After) or fails, the change must still reach the
/// screen without another change to carry it, and until it does the page says it may be behind.
/// </summary>
public sealed class Refreshing_a_page_the_server_refuses_for_a_while : ConsoleTest
{
    [Test]
    public async Task Shows_the_change_once_the_server_answers_and_says_meanwhile_that_it_may_be_behind()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: null);
        var police = await SignInAsync(Roles.PoliceOfficer);
        var casePage = $"/cases/{caseId}";
        // The feed's first events (submitted, routed) make the page re-read itself; one of those still in
        // flight when the refusals begin would be answered after the acknowledgement and show it at once.
        // Only this page's count: a case list's re-read that the navigation cut off never finishes.
        var rereadsInFlight = new ConcurrentDictionary<IRequest, bool>();
        police.Request += (_, r) => { if (PageJournal.IsLiveReRead(r) && r.Url.EndsWith(casePage, StringComparison.Ordinal)) { rereadsInFlight[r] = true; } };
        police.RequestFinished += (_, r) => rereadsInFlight.TryRemove(r, out bool _);
        police.RequestFailed += (_, r) => rereadsInFlight.TryRemove(r, out bool _);
        await police.GotoAsync(casePage);
        await Expect(police.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");
        await Expect(police.Locator("#case .status")).ToHaveTextAsync("Skickat till mottagare");

        var refusing = true;
        var refused = 0;
        await police.RouteAsync($"**{casePage}", async route =>
        {
            if (Volatile.Read(ref refusing) && PageJournal.IsLiveReRead(route.Request))
            {
                Interlocked.Increment(ref refused);
                await route.FulfillAsync(new() { Status = 503, Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } });
                return;
            }
            await route.ContinueAsync();
        });

        await Eventually.Until(() => Task.FromResult(rereadsInFlight.IsEmpty), "the page's re-reads from before the refusals to be answered");

        using (var taken = await StaffActions.AcknowledgeAsync(App, TestTokens.SocialjourStaff(), caseId))
        {
            Assert.That((int)taken.StatusCode, Is.EqualTo(200), await taken.Content.ReadAsStringAsync());
        }

        await Expect(police.Locator("#live-status")).ToHaveTextAsync("Återansluter … Sidan visar kanske inte det senaste.");
        await Expect(police.Locator("#case .status")).ToHaveTextAsync("Skickat till mottagare");
        Assert.That(Volatile.Read(ref refused), Is.GreaterThan(0));

        Volatile.Write(ref refusing, false);
        await Expect(police.Locator("#case .status")).ToHaveTextAsync("Kvitterat");
        await Expect(police.Locator("#live-status")).ToHaveTextAsync("Uppdateras direkt");
    }
}
