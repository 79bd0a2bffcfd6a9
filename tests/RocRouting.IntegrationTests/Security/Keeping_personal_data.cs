using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Security;

public sealed class Keeping_personal_data : ClockedAppTest
{
    [Test]
    public async Task A_closed_case_loses_its_personal_data_after_the_retention_period_and_keeps_its_statistics()
    {
        var closedAt = Clock.NextLocal(DayOfWeek.Saturday, 3);
        var closed = await SubmitAsync(App, null, "urgent");
        var open = await SubmitAsync(App, null, "urgent");
        await RoutedAsync(App, closed);
        await RoutedAsync(App, open);
        using var staff = App.Client(TestTokens.SocialjourStaff());
        using (await AcknowledgeAsync(App, TestTokens.SocialjourStaff(), closed, "Fictitious note about Tolvan"))
        using (await staff.PostAsJsonAsync($"/api/v1/cases/{closed}/closure", new { outcome = "handled" }))
        {
        }

        // A retention round on day 89 (run here, so it has certainly run at that instant) keeps the data.
        Clock.Set(closedAt.AddDays(89));
        await App.Worker.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single().EraseExpiredAsync(CancellationToken.None);
        var before = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == closed));
        Assert.Multiple(() =>
        {
            Assert.That(before.PersonalDataErasedAt, Is.Null, "kept within the retention period");
            Assert.That(before.SealedPersonalIdentityNumber, Is.Not.Null);
            Assert.That(before.PoliceReference, Is.EqualTo("TEST-0001"));
        });

        Clock.Set(closedAt.AddDays(91));
        var after = await Eventually.Until(
            () => App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == closed)),
            c => c.PersonalDataErasedAt is not null,
            "the retention job");
        var stillOpen = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == open));
        var note = await App.WithDbAsync(db => db.Acknowledgements.Where(a => a.CaseId == closed).Select(a => a.SealedNote).SingleAsync());
        var erasures = await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.CaseId == closed && a.Action == "case.erase"));
        Assert.Multiple(() =>
        {
            Assert.That(after.SealedPersonalIdentityNumber, Is.Null);
            Assert.That(after.SealedBirthDate, Is.Null);
            Assert.That(after.SealedSummary, Is.Null);
            Assert.That(after.ReportedByPhone, Is.Null);
            Assert.That(after.ReportedByOfficerId, Is.EqualTo("erased"));
            Assert.That(after.PoliceReference, Is.Null);
            Assert.That(after.ChildKey, Is.Null, "earlier cases can no longer be matched to the child");
            Assert.That(note, Is.Null);
            Assert.That(after.Status, Is.EqualTo(CaseStatus.Closed), "the pseudonymous case remains for statistics");
            Assert.That(after.Urgency, Is.EqualTo(before.Urgency));
            Assert.That(stillOpen.SealedPersonalIdentityNumber, Is.Not.Null, "an open case is kept for the longer open-case period");
            Assert.That(erasures, Is.EqualTo(1), "erased once, however often the job runs");
        });
    }

    [Test]
    public async Task A_case_never_closed_loses_its_personal_data_and_handover_reason_after_the_open_case_period()
    {
        var submittedAt = Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        using (await AcknowledgeAsync(App, TestTokens.MunicipalityStaff("0138"), caseId, "Fictitious note about Tolvan"))
        using (var handover = await HandOverAsync(App, TestTokens.MunicipalityStaff("0138"), caseId, "Fiktivt skäl om Tolvan Tolvansson"))
        {
            Assert.That(handover.IsSuccessStatusCode, Is.True, "handed over to the socialjour");
        }
        var retention = App.Worker.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single();

        Clock.Set(submittedAt.AddDays(179));
        await retention.EraseExpiredAsync(CancellationToken.None);
        var kept = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId));
        Assert.That(kept.PersonalDataErasedAt, Is.Null, "an open case is kept within the open-case period");

        Clock.Set(submittedAt.AddDays(181));
        var erased = await Eventually.Until(
            () => App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId)),
            c => c.PersonalDataErasedAt is not null,
            "the retention job");
        var handoverNotes = await App.WithDbAsync(db => db.CaseRoutes.Where(r => r.CaseId == caseId).Select(r => r.SealedHandoverNote).ToListAsync());
        var notes = await App.WithDbAsync(db => db.Acknowledgements.Where(a => a.CaseId == caseId).Select(a => a.SealedNote).ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(erased.SealedPersonalIdentityNumber, Is.Null);
            Assert.That(erased.SealedSummary, Is.Null);
            Assert.That(erased.ChildKey, Is.Null);
            Assert.That(erased.PoliceReference, Is.Null);
            Assert.That(erased.ClosedAt, Is.Null, "still open: erasure is not a closure");
            Assert.That(handoverNotes, Is.All.Null, "the handover's reason is erased with the rest");
            Assert.That(notes, Is.All.Null);
        });
    }
}
