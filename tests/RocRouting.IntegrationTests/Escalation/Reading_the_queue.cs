using System.Net;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

public sealed class Reading_the_queue : ClockedAppTest
{
    [Test]
    public async Task Lists_the_municipalitys_open_cases_most_urgent_and_nearest_deadline_first()
    {
        Clock.NextLocal(DayOfWeek.Wednesday, 9);
        // Värmdö (0120) is used by no other test, so its queue holds exactly these cases.
        var routine = await SubmitAsync(App, "0120", "routine");
        var urgent = await SubmitAsync(App, "0120", "urgent");
        Clock.Advance(TimeSpan.FromMinutes(1));
        var immediate = await SubmitAsync(App, "0120", "immediate");
        var laterUrgent = await SubmitAsync(App, "0120", "urgent");
        foreach (var id in new[] { routine, urgent, immediate, laterUrgent })
        {
            await RoutedAsync(App, id);
        }

        using var staff = App.Client(TestTokens.MunicipalityStaff("0120"));
        using var response = await staff.GetAsync("/api/v1/queue");
        var page = await CaseRequests.JsonAsync(response);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(items.Select(i => i.GetProperty("caseId").GetGuid()), Is.EqualTo(new[] { immediate, urgent, laterUrgent, routine }));
            Assert.That(items[0].GetProperty("secondsLeft").GetInt64(), Is.EqualTo(15 * 60));
            Assert.That(page.TryGetProperty("next", out var next) && next.ValueKind != System.Text.Json.JsonValueKind.Null, Is.False);
        });

        using var filtered = await staff.GetAsync("/api/v1/queue?urgency=urgent");
        var urgentOnly = (await CaseRequests.JsonAsync(filtered)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("caseId").GetGuid());
        Assert.That(urgentOnly, Is.EqualTo(new[] { urgent, laterUrgent }));

        using var firstPage = await staff.GetAsync("/api/v1/queue?limit=3");
        var first = await CaseRequests.JsonAsync(firstPage);
        using var secondPage = await staff.GetAsync($"/api/v1/queue?limit=3&next={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}");
        var second = await CaseRequests.JsonAsync(secondPage);
        Assert.That(
            first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(i => i.GetProperty("caseId").GetGuid()),
            Is.EqualTo(new[] { immediate, urgent, laterUrgent, routine }));
    }

    [Test]
    public async Task Puts_the_cases_nobody_has_taken_before_those_taken_within_an_urgency()
    {
        Clock.NextLocal(DayOfWeek.Wednesday, 9);
        // Järfälla (0123) is used by no other test, so its queue holds exactly these cases.
        var taken = await SubmitAsync(App, "0123", "immediate");
        Clock.Advance(TimeSpan.FromMinutes(1));
        var untaken = await SubmitAsync(App, "0123", "immediate");
        var urgent = await SubmitAsync(App, "0123", "urgent");
        foreach (var id in new[] { taken, untaken, urgent })
        {
            await RoutedAsync(App, id);
        }
        var token = TestTokens.MunicipalityStaff("0123");
        using (var acknowledged = await AcknowledgeAsync(App, token, taken))
        {
            Assert.That(acknowledged.IsSuccessStatusCode, Is.True, "the acknowledgement");
        }

        using var staff = App.Client(token);
        using var response = await staff.GetAsync("/api/v1/queue");
        var items = (await CaseRequests.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("caseId").GetGuid());
        Assert.That(items, Is.EqualTo(new[] { untaken, taken, urgent }));
    }

    [Test]
    public async Task Of_another_municipality_shows_none_of_these_cases()
    {
        Clock.NextLocal(DayOfWeek.Wednesday, 9);
        var id = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, id);
        using var other = App.Client(TestTokens.MunicipalityStaff("0186"));
        using var response = await other.GetAsync("/api/v1/queue");
        var ids = (await CaseRequests.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("caseId").GetGuid());
        Assert.That(ids, Does.Not.Contain(id));
    }

    [TestCase("status=lost", "status")]
    [TestCase("urgency=whenever", "urgency")]
    [TestCase("limit=0", "limit")]
    [TestCase("next=garbage", "next")]
    public async Task With_bad_filters_is_a_bad_request(string query, string field)
    {
        using var staff = App.Client(TestTokens.SocialjourStaff());
        using var response = await staff.GetAsync($"/api/v1/queue?{query}");
        var problem = await CaseRequests.JsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True);
        });
    }

    [Test]
    public async Task Is_not_for_the_police()
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        using var response = await police.GetAsync("/api/v1/queue");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
