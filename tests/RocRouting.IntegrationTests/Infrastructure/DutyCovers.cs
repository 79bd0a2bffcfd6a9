using System.Net;
using System.Net.Http.Json;

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
        return (person, cover.Headers.Location!.OriginalString);
    }
}
