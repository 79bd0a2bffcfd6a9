using System.Net;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Municipalities;

public sealed class Reading_a_municipality_calendar : SharedAppTest
{
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _client = App.Client(TestTokens.MunicipalityStaff("0138"));
    }

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    [Test]
    public async Task Around_ascension_day_names_the_holiday_and_the_weekend()
    {
        using var response = await _client.GetAsync("/api/v1/municipalities/0138/calendar?from=2026-05-13&days=4");
        var body = await CaseRequests.JsonAsync(response);
        var days = body.GetProperty("days").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetProperty("name").GetString(), Is.EqualTo("Tyresö"));
            Assert.That(body.GetProperty("inAgreement").GetBoolean(), Is.True);
            Assert.That(days, Has.Count.EqualTo(4));
            Assert.That(days[0].GetProperty("open").GetBoolean(), Is.True);
            Assert.That(days[0].GetProperty("opens").GetString(), Is.EqualTo("08:00"));
            Assert.That(days[0].GetProperty("closes").GetString(), Is.EqualTo("16:30"));
            Assert.That(days[1].GetProperty("open").GetBoolean(), Is.False);
            Assert.That(days[1].GetProperty("holiday").GetString(), Is.EqualTo("Kristi himmelsfärdsdag"));
            Assert.That(days[2].GetProperty("open").GetBoolean(), Is.True);
            Assert.That(days[3].GetProperty("closedBecause").GetString(), Is.EqualTo("Saturday"));
        });
    }

    [Test]
    public async Task For_an_unknown_code_is_not_found()
    {
        using var response = await _client.GetAsync("/api/v1/municipalities/9999/calendar");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("from=13-05-2026", "from")]
    [TestCase("days=0", "days")]
    [TestCase("days=1000", "days")]
    public async Task With_bad_parameters_is_a_bad_request(string query, string field)
    {
        using var response = await _client.GetAsync($"/api/v1/municipalities/0138/calendar?{query}");
        var problem = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True);
        });
    }

    [Test]
    public async Task The_list_has_all_290_municipalities_and_marks_the_agreement()
    {
        using var response = await _client.GetAsync("/api/v1/municipalities");
        var list = (await CaseRequests.JsonAsync(response)).EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(list, Has.Count.EqualTo(290));
            Assert.That(list.Count(m => m.GetProperty("inAgreement").GetBoolean()), Is.EqualTo(26));
            Assert.That(list.Single(m => m.GetProperty("code").GetString() == "1480").GetProperty("county").GetString(), Is.EqualTo("Västra Götalands län"));
        });
    }
}
