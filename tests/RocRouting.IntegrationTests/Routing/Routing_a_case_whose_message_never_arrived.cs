using MassTransit;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Routing;

/// <summary>
/// A case accepted and stored whose CaseSubmitted never reached the routing consumer (it went to
/// the error queue after a fault that outlasted the retries): the worker's sweeper routes it from
/// the database, once, and the message redriven later changes nothing.
/// </summary>
public sealed class Routing_a_case_whose_message_never_arrived : SharedAppTest
{
    [Test]
    public async Task Is_routed_by_the_sweeper_once_and_a_late_redrive_changes_nothing()
    {
        var submittedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        // Stored, but its message is lost to the consumer: as if it lay in route-case_error.
        var @case = await ACase.Submitted().WithUrgency(Urgency.Immediate).From(null).StoreUnannouncedAsync(App, submittedAt);

        var route = await Eventually.Until(
            () => App.WithDbAsync(db => db.CaseRoutes.AsNoTracking().SingleOrDefaultAsync(r => r.CaseId == @case.Id)),
            r => r is not null,
            "the sweeper to route the stuck case",
            TimeSpan.FromSeconds(30));

        var redriven = NewId.NextGuid();
        // Bounded: a bus that cannot publish fails this test, it does not hang the run.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.Bus.Publish(
            CaseLifecycle.Submitted(@case),
            ctx => ctx.MessageId = redriven,
            deadline.Token);
        await Eventually.Until(() => Task.FromResult(App.Consumed.Count(redriven) > 0), "the redriven message to be consumed");
        var (routes, status, inInbox) = await App.WithDbAsync(async db => (
            await db.CaseRoutes.CountAsync(r => r.CaseId == @case.Id),
            (await db.Cases.AsNoTracking().SingleAsync(c => c.Id == @case.Id)).Status,
            await db.InboxItems.CountAsync(i => i.CaseId == @case.Id && i.Kind == InboxItemKind.Case)));
        Assert.Multiple(() =>
        {
            Assert.That(route!.RuleId, Is.Not.Empty);
            Assert.That(routes, Is.EqualTo(1));
            Assert.That(status, Is.EqualTo(CaseStatus.Routed));
            Assert.That(inInbox, Is.EqualTo(1), "the recipient is told once");
        });
    }
}
