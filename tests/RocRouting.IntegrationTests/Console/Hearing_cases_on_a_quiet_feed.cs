using Microsoft.Extensions.DependencyInjection;
using RocRouting.Api.Console;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// While no console listens, the live feed reads seldom (it only keeps its cursor near the present);
/// the first console to open must still hear every case that commits after it opened.
/// </summary>
public sealed class Hearing_cases_on_a_quiet_feed : SharedAppTest
{
    [Test]
    public async Task The_first_console_to_open_hears_the_next_case()
    {
        var feed = App.Api.Services.GetRequiredService<LiveFeed>();
        await Eventually.Until(() => Task.FromResult(feed.Subscribers == 0), "the other tests' consoles to close");

        using var console = feed.Subscribe(CaseReader.OnDutyFor("p-quiet-feed", Recipient.SocialEmergencyService("stockholm")));
        var caseId = await SubmitToTheSocialjourAsync();

        var heard = await Eventually.Until(
            () =>
            {
                while (console.Events.TryRead(out var e))
                {
                    if (e.CaseId == caseId && e.Kind == Wire.Name(CaseEventKind.Routed))
                    {
                        return Task.FromResult<LiveEvent?>(e);
                    }
                }
                return Task.FromResult<LiveEvent?>(null);
            },
            e => e is not null,
            "the routed case on the console's feed");
        Assert.That(heard!.NewForReader, Is.True);
    }

    private async Task<Guid> SubmitToTheSocialjourAsync()
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        // Home municipality unknown: the socialjour takes it whatever the hour.
        using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: null));
        return (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
    }
}
