using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

/// <summary>
/// The clock here has sub-microsecond ticks, as a real clock does: PostgreSQL keeps microseconds,
/// so an answer built from the in-memory value would differ from every later answer built from the row.
/// </summary>
public sealed class Answering_a_staff_action : ClockedAppTest
{
    private static readonly TimeSpan Ticks = TimeSpan.FromTicks(1_234_567);

    [Test]
    public async Task An_acknowledgement_is_answered_with_the_stored_values_the_same_bytes_every_time()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        Clock.Advance(Ticks);

        var staff = TestTokens.MunicipalityStaff("0138", sub: "tyreso-staff-7");
        using var first = await AcknowledgeAsync(App, staff, caseId, "Tar det");
        using var repeat = await AcknowledgeAsync(App, staff, caseId, "Tar det");
        var stored = await App.WithDbAsync(db => db.Acknowledgements.Where(a => a.CaseId == caseId).Select(a => a.AcknowledgedAt).SingleAsync());
        await AnsweredAsStoredAsync(first, repeat, "acknowledgedAt", stored);
    }

    [Test]
    public async Task A_closure_is_answered_with_the_stored_values_the_same_bytes_every_time()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 2);
        var caseId = await SubmitAsync(App, null, "urgent");
        await RoutedAsync(App, caseId);
        Clock.Advance(Ticks);

        using var staff = App.Client(TestTokens.SocialjourStaff());
        using var first = await staff.PostAsJsonAsync($"/api/v1/cases/{caseId}/closure", new { outcome = "handled" });
        using var repeat = await staff.PostAsJsonAsync($"/api/v1/cases/{caseId}/closure", new { outcome = "handled" });
        var stored = await App.WithDbAsync(db => db.Cases.Where(c => c.Id == caseId).Select(c => c.ClosedAt).SingleAsync());
        await AnsweredAsStoredAsync(first, repeat, "closedAt", stored);
    }

    [Test]
    public async Task A_receipt_is_answered_with_the_stored_values_the_same_bytes_every_time()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        var itemId = await App.WithDbAsync(db => db.InboxItems.Where(i => i.CaseId == caseId && i.RecipientMunicipalityCode == "0138").Select(i => i.Id).SingleAsync());
        Clock.Advance(Ticks);

        using var tyreso = App.Client(TestTokens.MunicipalityStaff("0138"));
        using var first = await tyreso.PostAsync($"/api/v1/inbox/{itemId}/receipt", null);
        using var repeat = await tyreso.PostAsync($"/api/v1/inbox/{itemId}/receipt", null);
        var stored = await App.WithDbAsync(db => db.InboxItems.Where(i => i.Id == itemId).Select(i => i.ReceivedAt).SingleAsync());
        await AnsweredAsStoredAsync(first, repeat, "receivedAt", stored);
    }

    [Test]
    public async Task A_handover_is_answered_with_the_stored_route()
    {
        Clock.NextLocal(DayOfWeek.Tuesday, 11);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        Clock.Advance(Ticks);

        using var municipality = App.Client(TestTokens.MunicipalityStaff("0138"));
        using var handover = await municipality.PostAsJsonAsync($"/api/v1/cases/{caseId}/handovers", new { reason = "Fiktiv överlämning" });
        var answered = (await CaseRequests.JsonAsync(handover)).GetProperty("route");
        var read = (await ViewAsync(App, caseId)).GetProperty("route");
        Assert.Multiple(() =>
        {
            Assert.That(handover.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answered.GetProperty("decidedAt").GetRawText(), Is.EqualTo(read.GetProperty("decidedAt").GetRawText()));
            Assert.That(answered.GetProperty("acknowledgeBy").GetRawText(), Is.EqualTo(read.GetProperty("acknowledgeBy").GetRawText()));
        });
    }

    /// <summary>The first answer succeeded, a repeat is the same bytes, and the instant in it is the stored one.</summary>
    private static async Task AnsweredAsStoredAsync(HttpResponseMessage first, HttpResponseMessage repeat, string field, DateTimeOffset? stored)
    {
        var firstBody = await first.Content.ReadAsStringAsync();
        var repeatBody = await repeat.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(repeatBody, Is.EqualTo(firstBody));
            Assert.That(JsonDocument.Parse(firstBody).RootElement.GetProperty(field).GetDateTimeOffset(), Is.EqualTo(stored));
        });
    }
}
