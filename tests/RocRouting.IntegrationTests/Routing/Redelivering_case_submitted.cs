using MassTransit;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Routing;

public sealed class Redelivering_case_submitted : SharedAppTest
{
    [Test]
    public async Task Makes_one_decision_however_often_it_arrives()
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: "0138", urgency: "immediate"));
        var caseId = (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
        await Eventually.Until(() => App.WithDbAsync(db => db.CaseRoutes.AnyAsync(r => r.CaseId == caseId)), "the first decision");

        var original = await App.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == caseId));
        var message = new CaseSubmitted
        {
            CaseId = caseId,
            Urgency = original.Urgency,
            Category = original.Category,
            HomeMunicipalityCode = original.HomeMunicipalityCode,
            FoundInMunicipalityCode = original.FoundInMunicipalityCode,
            SubmittedAt = original.SubmittedAt,
        };
        // Five more copies at once, as a broker redelivers after a lost acknowledgement.
        var ids = Enumerable.Range(0, 5).Select(_ => NewId.NextGuid()).ToList();
        await Task.WhenAll(ids.Select(id => App.Bus.Publish(message, ctx => ctx.MessageId = id)));
        await Eventually.Until(() => Task.FromResult(ids.All(id => App.Consumed.Count(id) > 0)), "every copy to be consumed");

        var (routes, routedEvents, inInbox) = await App.WithDbAsync(async db => (
            await db.CaseRoutes.CountAsync(r => r.CaseId == caseId),
            await db.CaseEvents.CountAsync(e => e.CaseId == caseId && e.Kind == CaseEventKind.Routed),
            await db.InboxItems.CountAsync(i => i.CaseId == caseId && i.Kind == InboxItemKind.Case)));
        Assert.Multiple(() =>
        {
            Assert.That(routes, Is.EqualTo(1));
            Assert.That(routedEvents, Is.EqualTo(1));
            Assert.That(inInbox, Is.EqualTo(1));
        });
    }
}
