using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using RocRouting.Data;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>People put on an organisation's duty for a test: each a cover (an override that replaces nobody), so the tests' people do not replace each other.</summary>
public static class DutyCovers
{
    /// <summary>A new person on <paramref name="organisation"/>'s duty from a minute ago for a day; the person and the override's address.</summary>
    public static async Task<(string Person, string Override)> NewPersonOnDutyAsync(RocApp app, string organisation, string role = "first-responder")
    {
        var person = $"p-{Guid.NewGuid():N}"[..14];
        using var operators = app.Client(TestTokens.Operator());
        using var cover = await operators.PostAsJsonAsync($"/api/v1/rosters/{organisation}/overrides", new
        {
            person, role, from = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), to = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        });
        Assert.That(cover.StatusCode, Is.EqualTo(HttpStatusCode.Created), await cover.Content.ReadAsStringAsync());
        // The worker goes by the roster it kept until PostgreSQL's notice of the change reaches it (README,
        // Reaching people): a case routed before then, on a busy machine, would not reach the new person.
        var kept = app.Worker.Services.GetRequiredService<RosterCache>();
        await Eventually.Until(
            () => Task.FromResult(!kept.TryGet(organisation, out var roster) || roster.Overrides.Any(o => o.Person == person)),
            heard => heard,
            "the worker to let go of the roster it kept before the change");
        return (person, cover.Headers.Location!.OriginalString);
    }
}
