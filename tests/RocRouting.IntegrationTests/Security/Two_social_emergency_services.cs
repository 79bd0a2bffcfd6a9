using System.Net;
using System.Net.Http.Json;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// A county with two social emergency services (a fictitious "södertörn" service for Tyresö beside
/// Stockholm's): staff of one must never open, take or list the other's cases.
/// </summary>
public sealed class Two_social_emergency_services
{
    private RocApp _app = null!;
    private Guid _caseId;

    [OneTimeSetUp]
    public async Task Start()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        _app = await RocApp.StartAsync(clock, prefix: "two-services.", extraSettings: new()
        {
            ["Routing:Services:0:Id"] = "stockholm",
            ["Routing:Services:0:Name"] = "Stockholms stads socialjour",
            ["Routing:Services:1:Id"] = "sodertorn",
            ["Routing:Services:1:Name"] = "Södertörns socialjour (fiktiv)",
            ["Routing:Services:1:Serves:0"] = "0138",
        });
        clock.NextLocal(DayOfWeek.Saturday, 3);
        _caseId = await SubmitAsync(_app, "0138", "immediate");
        var routed = await RoutedAsync(_app, _caseId);
        Assert.That(Recipient(routed), Is.EqualTo("social-emergency-service:sodertorn"), "the case goes to the service that serves Tyresö");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _app.DisposeAsync();

    [Test]
    public async Task Staff_of_the_other_service_cannot_open_the_case()
    {
        using var stockholm = _app.Client(TestTokens.SocialjourStaff(service: "stockholm"));
        using var defaultService = _app.Client(TestTokens.SocialjourStaff());
        using var sodertorn = _app.Client(TestTokens.SocialjourStaff(service: "sodertorn"));
        using var foreign = await stockholm.GetAsync($"/api/v1/cases/{_caseId}");
        using var foreignByDefault = await defaultService.GetAsync($"/api/v1/cases/{_caseId}");
        using var own = await sodertorn.GetAsync($"/api/v1/cases/{_caseId}");
        Assert.Multiple(() =>
        {
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(foreignByDefault.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Staff_of_the_other_service_cannot_take_close_or_hand_over_the_case()
    {
        var stockholm = TestTokens.SocialjourStaff(service: "stockholm");
        using var client = _app.Client(stockholm);
        using var acknowledged = await AcknowledgeAsync(_app, stockholm, _caseId);
        using var closed = await client.PostAsJsonAsync($"/api/v1/cases/{_caseId}/closure", new { outcome = "handled" });
        using var handedOver = await client.PostAsJsonAsync($"/api/v1/cases/{_caseId}/handovers", new { reason = "Fiktivt skäl" });
        var view = await ViewAsync(_app, _caseId);
        Assert.Multiple(() =>
        {
            Assert.That(acknowledged.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(handedOver.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(view.GetProperty("status").GetString(), Is.EqualTo("routed"), "nothing changed");
        });
    }

    [Test]
    public async Task Each_service_sees_only_its_own_cases_in_its_queue_and_inbox()
    {
        using var stockholm = _app.Client(TestTokens.SocialjourStaff(service: "stockholm"));
        using var sodertorn = _app.Client(TestTokens.SocialjourStaff(service: "sodertorn"));
        var stockholmQueue = await CaseIdsAsync(stockholm, "/api/v1/queue?limit=200", "caseId");
        var sodertornQueue = await CaseIdsAsync(sodertorn, "/api/v1/queue?limit=200", "caseId");
        // Inbox items show once every older transaction has ended: wait for the own one, then look at the other.
        var sodertornInbox = await Eventually.Until(
            () => CaseIdsAsync(sodertorn, "/api/v1/inbox?limit=500", "caseId"), ids => ids.Contains(_caseId), "the case in södertörn's inbox");
        var stockholmInbox = await CaseIdsAsync(stockholm, "/api/v1/inbox?limit=500", "caseId");
        Assert.Multiple(() =>
        {
            Assert.That(stockholmQueue, Does.Not.Contain(_caseId));
            Assert.That(sodertornQueue, Does.Contain(_caseId));
            Assert.That(stockholmInbox, Does.Not.Contain(_caseId));
            Assert.That(sodertornInbox, Does.Contain(_caseId));
        });
    }

    private static async Task<List<Guid>> CaseIdsAsync(HttpClient client, string url, string field)
    {
        using var response = await client.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return [.. (await CaseRequests.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty(field).GetGuid())];
    }
}
