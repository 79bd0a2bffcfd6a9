using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Routing;

public sealed class Previewing_a_routing_decision : SharedAppTest
{
    private HttpClient _staff = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _staff = App.Client(TestTokens.SocialjourStaff());
    }

    [OneTimeTearDown]
    public void Dispose() => _staff.Dispose();

    [Test]
    public async Task On_a_saturday_night_names_the_socialjour_and_the_signal_home()
    {
        using var response = await _staff.PostAsJsonAsync("/api/v1/routing/preview", new
        {
            homeMunicipalityCode = "0138",
            foundInMunicipalityCode = "0180",
            urgency = "urgent",
            at = "2026-11-28T03:00:00+01:00",
        });
        var body = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetProperty("recipient").GetProperty("kind").GetString(), Is.EqualTo("social-emergency-service"));
            Assert.That(body.GetProperty("recipient").GetProperty("serviceId").GetString(), Is.EqualTo("stockholm"));
            Assert.That(body.GetProperty("recipientName").GetString(), Is.EqualTo("Stockholms stads socialjour"));
            Assert.That(body.GetProperty("ruleId").GetString(), Is.EqualTo("participant-office-closed"));
            Assert.That(body.GetProperty("reason").GetString(), Is.EqualTo("Tyresö's office is closed (Saturday); urgent cases go to the socialjour"));
            Assert.That(body.GetProperty("acknowledgeBy").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.Parse("2026-11-28T04:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(body.GetProperty("signals")[0].GetProperty("municipalityCode").GetString(), Is.EqualTo("0138"));
            Assert.That(body.GetProperty("signals")[0].GetProperty("dueAt").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.Parse("2026-11-30T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public async Task Decides_as_the_worker_did_for_a_submitted_case()
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        using var submitted = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: "1480", urgency: "immediate"));
        var caseId = (await CaseRequests.JsonAsync(submitted)).GetProperty("caseId").GetGuid();
        var view = await Eventually.Until(
            async () => { using var r = await police.GetAsync($"/api/v1/cases/{caseId}"); return await CaseRequests.JsonAsync(r); },
            v => v.GetProperty("status").GetString() == "routed",
            "the case to be routed");

        using var preview = await _staff.PostAsJsonAsync("/api/v1/routing/preview", new
        {
            homeMunicipalityCode = "1480",
            foundInMunicipalityCode = "0180",
            urgency = "immediate",
            at = view.GetProperty("submittedAt").GetString(),
        });
        var decision = await CaseRequests.JsonAsync(preview);
        var route = view.GetProperty("route");
        Assert.Multiple(() =>
        {
            Assert.That(decision.GetProperty("ruleId").GetString(), Is.EqualTo(route.GetProperty("ruleId").GetString()));
            Assert.That(decision.GetProperty("reason").GetString(), Is.EqualTo(route.GetProperty("reason").GetString()));
            Assert.That(decision.GetProperty("acknowledgeBy").GetDateTimeOffset(), Is.EqualTo(route.GetProperty("acknowledgeBy").GetDateTimeOffset()));
            Assert.That(decision.GetProperty("configurationVersion").GetString(), Is.EqualTo(route.GetProperty("configurationVersion").GetString()));
        });
    }

    [TestCase("at", "2026-11-28T03:00:00", TestName = "An instant without an offset is rejected naming at")]
    [TestCase("at", "tomorrow", TestName = "An instant that is not ISO 8601 is rejected naming at")]
    [TestCase("urgency", "soon", TestName = "An unknown urgency is rejected naming urgency")]
    [TestCase("homeMunicipalityCode", "0000", TestName = "An unknown home municipality is rejected naming it")]
    [TestCase("foundInMunicipalityCode", "abcd", TestName = "An unknown found-in municipality is rejected naming it")]
    public async Task Bad_input(string field, string value)
    {
        var body = new JsonObject
        {
            ["homeMunicipalityCode"] = "0138",
            ["foundInMunicipalityCode"] = "0180",
            ["urgency"] = "urgent",
            ["at"] = "2026-11-28T03:00:00+01:00",
        };
        body[field] = value;
        using var response = await _staff.PostAsJsonAsync("/api/v1/routing/preview", body);
        var problem = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
        });
    }

    [Test]
    public async Task Needs_a_token()
    {
        using var anonymous = App.Client();
        using var response = await anonymous.PostAsJsonAsync("/api/v1/routing/preview", new { });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
