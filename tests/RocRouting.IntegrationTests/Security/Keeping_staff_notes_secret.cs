using System.Net;
using Microsoft.EntityFrameworkCore;
using RocRouting.Data.Privacy;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// What staff write about a case (an acknowledgement's note, a handover's reason) can name people: it
/// is sealed at rest like the summary, and only the staff working the case read it.
/// </summary>
public sealed class Keeping_staff_notes_secret : ClockedAppTest
{
    private const string Note = "Fiktiv anteckning: barnet hämtas av Testa Testsson";
    private const string Reason = "Fiktivt skäl: familjen Testsson är känd hos socialjouren";

    private Guid _caseId;

    [OneTimeSetUp]
    public async Task AcknowledgeAndHandOverWithWords()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 14);
        _caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, _caseId);
        using (var ack = await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), _caseId, Note))
        {
            Assert.That(ack.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await CaseRequests.JsonAsync(ack)).GetProperty("note").GetString(), Is.EqualTo(Note), "the person who wrote it sees it back");
        }
        using var handover = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), _caseId, Reason);
        Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Are_stored_sealed()
    {
        var note = await App.WithDbAsync(db => db.Acknowledgements.Where(a => a.CaseId == _caseId).Select(a => a.SealedNote).SingleAsync());
        var routes = await App.WithDbAsync(db => db.CaseRoutes.Where(r => r.CaseId == _caseId).OrderBy(r => r.Sequence)
            .Select(r => new { r.Reason, r.SealedHandoverNote }).ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(note, Does.StartWith(PersonalDataProtector.Scheme).And.Not.Contain("Testsson"));
            Assert.That(routes[1].SealedHandoverNote, Does.StartWith(PersonalDataProtector.Scheme).And.Not.Contain("Testsson"));
            Assert.That(routes[1].Reason, Is.EqualTo("Handed over by Tyresö"), "the route's reason is the rule's words only");
            Assert.That(App.Protector.Open(note!, _caseId, PersonalField.AcknowledgementNote), Is.EqualTo(Note));
        });
    }

    [Test]
    public async Task The_staff_working_the_case_read_them_in_order()
    {
        foreach (var token in new[] { TestTokens.SocialjourStaff(), TestTokens.MunicipalityStaff("0138") })
        {
            var notes = (await ReadAsync(token)).GetProperty("staffNotes").EnumerateArray()
                .Select(n => $"{n.GetProperty("kind").GetString()} {n.GetProperty("organisation").GetString()}: {n.GetProperty("text").GetString()}")
                .ToList();
            Assert.That(notes, Is.EqualTo(new[]
            {
                $"acknowledgement home-municipality:0138: {Note}",
                $"handover home-municipality:0138: {Reason}",
            }));
        }
    }

    [TestCase("police")]
    [TestCase("operator")]
    public async Task Others_who_may_read_the_case_do_not_see_them(string who)
    {
        var token = who == "police" ? TestTokens.PoliceOfficer() : TestTokens.Operator();
        using var client = App.Client(token);
        using var response = await client.GetAsync($"/api/v1/cases/{_caseId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "they may read the case");
            Assert.That(body, Does.Not.Contain("staffNotes"));
            Assert.That(body, Does.Not.Contain("Testsson"));
        });
    }

    private async Task<System.Text.Json.JsonElement> ReadAsync(string token)
    {
        using var client = App.Client(token);
        using var response = await client.GetAsync($"/api/v1/cases/{_caseId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await CaseRequests.JsonAsync(response);
    }
}
