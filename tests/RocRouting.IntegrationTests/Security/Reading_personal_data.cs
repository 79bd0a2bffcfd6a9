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

    [Test]
    public async Task Earlier_cases_are_listed_only_when_the_reader_may_open_them()
    {
        // A fictitious child (28 February 2011) no other test uses: first routed to Tyresö by unit A,
        // then to the socialjour with no home known by unit B, then to the socialjour with a signal to Tyresö by unit A.
        var child = "20110228123" + RocRouting.Routing.Identity.PersonalIdentityNumber.CheckDigit("110228123");
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var atTyreso = await SubmitWithNumberAsync(child, home: "0138", unit: "Unit A");
        await RoutedAsync(App, atTyreso);
        // Taken at once, so no deadline moves it on to the socialjour while the clock runs to Saturday.
        using (var taken = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), atTyreso))
        {
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var atSocialjour = await SubmitWithNumberAsync(child, home: null, unit: "Unit B");
        await RoutedAsync(App, atSocialjour);
        Clock.Advance(TimeSpan.FromHours(1));
        var latest = await SubmitWithNumberAsync(child, home: "0138", unit: "Unit A");
        await RoutedAsync(App, latest);

        var forSocialjour = await EarlierAsync(TestTokens.SocialjourStaff(), latest);
        var forTyreso = await EarlierAsync(TestTokens.MunicipalityStaff("0138"), latest);
        var forUnitA = await EarlierAsync(TestTokens.PoliceOfficer(unit: "Unit A"), latest);
        var forUnitB = await EarlierAsync(TestTokens.PoliceOfficer(unit: "Unit B"), atSocialjour);
        Assert.Multiple(() =>
        {
            Assert.That(forSocialjour, Is.EqualTo(new[] { atSocialjour }), "the socialjour never had the case routed to Tyresö");
            Assert.That(forTyreso, Is.EqualTo(new[] { atTyreso }), "Tyresö never had the case without a home municipality");
            Assert.That(forUnitA, Is.EqualTo(new[] { atTyreso }), "unit A did not report unit B's case");
            Assert.That(forUnitB, Is.Empty, "unit B did not report unit A's case");
        });
    }

    private async Task<List<Guid>> EarlierAsync(string token, Guid caseId)
    {
        using var client = App.Client(token);
        using var response = await client.GetAsync($"/api/v1/cases/{caseId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var view = await CaseRequests.JsonAsync(response);
        return [.. view.GetProperty("details").GetProperty("earlierCases").EnumerateArray().Select(e => e.GetProperty("caseId").GetGuid())];
    }

    private async Task<Guid> SubmitWithNumberAsync(string twelveDigits, string? home = null, string unit = "Polisregion Stockholm, RLC")
    {
        using var police = App.Client(TestTokens.PoliceOfficer(unit: unit));
        var body = CaseRequests.Valid(home: home);
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
