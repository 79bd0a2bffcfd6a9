using System.Net;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

public sealed class Calling_without_the_right_token : SharedAppTest
{
    [Test]
    public async Task Submitting_without_a_token_is_unauthorized()
    {
        using var client = App.Client();
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Reading_a_case_without_a_token_is_unauthorized()
    {
        using var client = App.Client();
        using var response = await client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Reading_the_openapi_document_needs_a_token()
    {
        using var anonymous = App.Client();
        using var refused = await anonymous.GetAsync("/openapi/v1.json");
        using var signedIn = App.Client(TestTokens.Operator());
        using var document = await signedIn.GetAsync("/openapi/v1.json");
        Assert.Multiple(async () =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(document.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await document.Content.ReadAsStringAsync(), Does.Contain("/api/v1/cases"));
        });
    }

    [Test]
    public async Task Submitting_as_socialjour_staff_is_forbidden()
    {
        using var client = App.Client(TestTokens.SocialjourStaff());
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_token_signed_with_another_key_is_unauthorized()
    {
        var forged = TestTokens.Create("police-officer", "intruder", new() { ["unit"] = "x" },
            key: Convert.ToBase64String(new byte[32]));
        using var client = App.Client(forged);
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task An_officer_of_another_unit_cannot_see_the_case()
    {
        using var author = App.Client(TestTokens.PoliceOfficer(unit: "Unit A"));
        using var other = App.Client(TestTokens.PoliceOfficer(unit: "Unit B"));
        using var submitted = await CaseRequests.PostAsync(author, CaseRequests.Valid());
        var caseId = (await CaseRequests.JsonAsync(submitted)).GetProperty("caseId").GetGuid();

        using var own = await author.GetAsync($"/api/v1/cases/{caseId}");
        using var foreign = await other.GetAsync($"/api/v1/cases/{caseId}");
        Assert.Multiple(() =>
        {
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Every_answer_forbids_caching_sniffing_and_framing()
    {
        using var client = App.Client(TestTokens.PoliceOfficer());
        using var accepted = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        using var unauthorized = await App.Client().GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        foreach (var response in new[] { accepted, unauthorized })
        {
            Assert.Multiple(() =>
            {
                Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
                Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
                Assert.That(response.Headers.GetValues("X-Frame-Options"), Is.EqualTo(new[] { "DENY" }));
                Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
            });
        }
    }

    [Test]
    public async Task Health_checks_answer_without_a_token()
    {
        using var client = App.Client();
        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");
        Assert.Multiple(() =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }
}
