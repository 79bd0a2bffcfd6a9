using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Cases;

public sealed class Submitting_invalid_input : SharedAppTest
{
    private HttpClient _police = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _police = App.Client(TestTokens.PoliceOfficer());
    }

    [OneTimeTearDown]
    public void Dispose() => _police.Dispose();

    private static IEnumerable<TestCaseData> BadFields()
    {
        yield return Case("an unknown home municipality code", b => b["child"]!["homeMunicipalityCode"] = "9999", "child.homeMunicipalityCode");
        yield return Case("a missing found-in municipality", b => b.Remove("foundInMunicipalityCode"), "foundInMunicipalityCode");
        yield return Case("an unknown found-in municipality code", b => b["foundInMunicipalityCode"] = "01800", "foundInMunicipalityCode");
        yield return Case("a personnummer with a bad checksum", b => b["child"]!["personalIdentityNumber"] = "19121212-1213", "child.personalIdentityNumber");
        yield return Case("a personnummer with too few digits", b => b["child"]!["personalIdentityNumber"] = "121212-121", "child.personalIdentityNumber");
        // Birth number 000 is never issued; checksum-valid in each of the four accepted forms, and as a samordningsnummer.
        yield return Case("birth number 000 as YYYYMMDD-NNNC", b => b["child"]!["personalIdentityNumber"] = "20121212-0008", "child.personalIdentityNumber");
        yield return Case("birth number 000 as YYYYMMDDNNNC", b => b["child"]!["personalIdentityNumber"] = "201212120008", "child.personalIdentityNumber");
        yield return Case("birth number 000 as YYMMDD-NNNC", b => b["child"]!["personalIdentityNumber"] = "121212-0008", "child.personalIdentityNumber");
        yield return Case("birth number 000 as YYMMDDNNNC", b => b["child"]!["personalIdentityNumber"] = "1212120008", "child.personalIdentityNumber");
        yield return Case("a samordningsnummer with birth number 000", b => b["child"]!["personalIdentityNumber"] = "701063-0007", "child.personalIdentityNumber");
        yield return Case("a birth date that is not a date", b => b["child"]!["birthDate"] = "12/12/2012", "child.birthDate");
        yield return Case("a birth date that contradicts the personnummer", b => b["child"]!["birthDate"] = "2012-12-13", "child.birthDate");
        yield return Case("an unknown urgency", b => b["urgency"] = "whenever", "urgency");
        yield return Case("an unknown category", b => b["category"] = "shoplifting", "category");
        yield return Case("a summary over 4,000 characters", b => b["summary"] = new string('x', 4001), "summary");
        yield return Case("no reporting officer", b => b.Remove("reportedBy"), "reportedBy");
        yield return Case("no officer id", b => b["reportedBy"]!["officerId"] = " ", "reportedBy.officerId");
        yield return Case("an unknown field", b => b["childName"] = "Tolvan", "childName");
        yield return Case("a number where text belongs", b => b["urgency"] = 3, "urgency");
    }

    private static TestCaseData Case(string name, Action<JsonObject> spoil, string field) =>
        new TestCaseData(spoil, field).SetName($"Is_rejected_with_{name.Replace(' ', '_').Replace(",", "")}_naming_{field}");

    [TestCaseSource(nameof(BadFields))]
    public async Task Is_rejected_naming_the_field(Action<JsonObject> spoil, string field)
    {
        var key = Guid.NewGuid().ToString();
        var body = CaseRequests.Valid();
        spoil(body);
        using var response = await CaseRequests.PostAsync(_police, body, key);
        var problem = await CaseRequests.JsonAsync(response);
        var stored = await App.WithDbAsync(db => db.Cases.CountAsync(c => c.IdempotencyKey == key));
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, $"errors should name {field}: {problem}");
            Assert.That(stored, Is.Zero, "nothing is stored from an invalid request");
        });
    }

    [Test]
    public async Task Without_an_idempotency_key_is_rejected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(CaseRequests.Valid().ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await _police.SendAsync(request);
        var problem = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), Is.True);
        });
    }

    [Test]
    public async Task In_another_content_type_is_unsupported()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(CaseRequests.Valid().ToJsonString(), Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _police.SendAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        });
    }

    [Test]
    public async Task With_a_body_over_the_limit_is_too_large()
    {
        var body = CaseRequests.Valid();
        body["summary"] = new string('x', 70_000);
        using var response = await CaseRequests.PostAsync(_police, body);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        });
    }

    [Test]
    public async Task With_more_after_the_case_is_a_bad_request()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(CaseRequests.Valid().ToJsonString() + " {}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _police.SendAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        });
    }

    [TestCase("")]
    [TestCase("{")]
    [TestCase("null")]
    [TestCase("[1,2]")]
    [TestCase("{\"child\": {\"personalIdentityNumber\": {\"nested\": true}}}")]
    [TestCase("{\"summary\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}")]
    public async Task That_is_not_a_case_object_is_a_bad_request_not_a_server_error(string raw)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(raw, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await _police.SendAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        });
    }
}
