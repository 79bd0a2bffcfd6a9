using System.Net;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

public sealed class Reading_personal_data : ClockedAppTest
{
    [Test]
    public async Task The_recipient_sees_who_the_child_is_and_the_operator_does_not()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        using var socialjour = App.Client(TestTokens.SocialjourStaff());
        using var signalled = App.Client(TestTokens.MunicipalityStaff("0138"));
        using var operatorClient = App.Client(TestTokens.Operator());
        var forStaff = await CaseRequests.JsonAsync(await socialjour.GetAsync($"/api/v1/cases/{caseId}"));
        var forHome = await CaseRequests.JsonAsync(await signalled.GetAsync($"/api/v1/cases/{caseId}"));
        using var operatorResponse = await operatorClient.GetAsync($"/api/v1/cases/{caseId}");
        var forOperator = await operatorResponse.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(forStaff.GetProperty("details").GetProperty("child").GetProperty("personalIdentityNumber").GetString(), Is.EqualTo("19121212-1212"));
            Assert.That(forStaff.GetProperty("details").GetProperty("summary").GetString(), Does.Contain("Tolvan"));
            Assert.That(forHome.GetProperty("details").GetProperty("child").GetProperty("homeMunicipalityCode").GetString(), Is.EqualTo("0138"));
            Assert.That(operatorResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(forOperator, Does.Not.Contain("1212121212").And.Not.Contain("19121212").And.Not.Contain("Tolvan").And.Not.Contain("details"));
        });
    }

    [Test]
    public async Task Staff_see_earlier_cases_about_the_same_child_and_only_those()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        // A fictitious child (31 January 2011) no other test uses, and another one.
        var child = "20110131123" + RocRouting.Routing.Identity.PersonalIdentityNumber.CheckDigit("110131123");
        var other = "20110131124" + RocRouting.Routing.Identity.PersonalIdentityNumber.CheckDigit("110131124");
        var first = await SubmitWithNumberAsync(child);
        Clock.Advance(TimeSpan.FromHours(1));
        var unrelated = await SubmitWithNumberAsync(other);
        Clock.Advance(TimeSpan.FromHours(1));
        var second = await SubmitWithNumberAsync(child);
        await RoutedAsync(App, second);

        using var socialjour = App.Client(TestTokens.SocialjourStaff());
        var view = await CaseRequests.JsonAsync(await socialjour.GetAsync($"/api/v1/cases/{second}"));
        var earlier = view.GetProperty("details").GetProperty("earlierCases").EnumerateArray().Select(e => e.GetProperty("caseId").GetGuid()).ToList();
        var stored = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Cases, c => c.Id == first));
        Assert.Multiple(() =>
        {
            Assert.That(earlier, Is.EqualTo(new[] { first }));
            Assert.That(earlier, Does.Not.Contain(unrelated));
            Assert.That(stored.ChildKey, Has.Length.EqualTo(32));
            Assert.That(Convert.ToHexString(stored.ChildKey!), Does.Not.Contain(child[2..]), "the key is a hash, not the number");
        });
    }

    private async Task<Guid> SubmitWithNumberAsync(string twelveDigits)
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        var body = CaseRequests.Valid(home: null);
        body["child"]!["personalIdentityNumber"] = twelveDigits;
        using var response = await CaseRequests.PostAsync(police, body);
        Assert.That((int)response.StatusCode, Is.EqualTo(202), await response.Content.ReadAsStringAsync());
        return (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
    }

    [Test]
    public async Task A_municipality_without_a_role_in_the_case_gets_not_found()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using var stranger = App.Client(TestTokens.MunicipalityStaff("0180"));
        using var response = await stranger.GetAsync($"/api/v1/cases/{caseId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
