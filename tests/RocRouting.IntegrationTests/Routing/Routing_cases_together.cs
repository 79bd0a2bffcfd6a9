using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Routing;

/// <summary>
/// The router writes the cases that arrive together in one transaction (group commit). These tests
/// hand it a batch directly, so that what happens inside one transaction does not depend on timing.
/// </summary>
public sealed class Routing_cases_together : SharedAppTest
{
    /// <summary>The running worker's router (owned by its host, which other tests may restart).</summary>
    private CaseRouter Router => App.Worker.Services.GetRequiredService<CaseRouter>();

    [Test]
    public async Task Writes_every_case_of_the_batch_in_one_transaction()
    {
        using var metrics = new MetricsCapture();
        var messages = await UnroutedCasesAsync(5);

        var outcomes = await Task.WhenAll(await Router.RouteTogetherAsync(messages));

        var ids = messages.Select(m => m.CaseId).ToArray();
        var (routes, events, inInbox) = await CountsAsync(ids);
        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Select(o => o.AlreadyRouted), Is.All.False);
            Assert.That(routes, Is.EqualTo(5));
            Assert.That(events, Is.EqualTo(5));
            Assert.That(inInbox, Is.EqualTo(5));
            Assert.That(metrics.Of("rocrouting.routing.transaction_cases").Select(m => m.Value), Does.Contain(5));
        });
    }

    [Test]
    public async Task A_case_that_cannot_be_written_fails_alone()
    {
        var messages = await UnroutedCasesAsync(2);
        var missing = messages[0] with { CaseId = Guid.CreateVersion7() };

        var outcomes = await Router.RouteTogetherAsync([messages[0], missing, messages[1]]);

        var (routes, _, _) = await CountsAsync([messages[0].CaseId, messages[1].CaseId]);
        Assert.Multiple(() =>
        {
            Assert.That(outcomes[0].IsCompletedSuccessfully && outcomes[2].IsCompletedSuccessfully, "the other cases are routed");
            Assert.That(outcomes[1].IsFaulted, "the missing case fails, so MassTransit retries it");
            Assert.That(routes, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task The_same_case_twice_in_one_transaction_gets_one_decision()
    {
        var message = (await UnroutedCasesAsync(1))[0];

        var outcomes = await Task.WhenAll(await Router.RouteTogetherAsync([message, message]));

        var (routes, events, inInbox) = await CountsAsync([message.CaseId]);
        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Count(o => o.AlreadyRouted), Is.EqualTo(1));
            Assert.That((routes, events, inInbox), Is.EqualTo((1, 1, 1)));
        });
    }

    [Test]
    public async Task A_case_another_worker_routed_meanwhile_keeps_that_decision_and_the_others_are_written()
    {
        var messages = await UnroutedCasesAsync(3);
        await Router.RouteTogetherAsync([messages[1]]);
        // As if this worker read the case just before another worker's decision committed: the case row
        // still says unrouted, but the decision exists, so this transaction hits the unique key.
        await App.WithDbAsync(db => db.Cases.Where(c => c.Id == messages[1].CaseId).ExecuteUpdateAsync(s => s.SetProperty(c => c.RouteSequence, 0)));

        var outcomes = await Task.WhenAll(await Router.RouteTogetherAsync(messages));

        var (routes, events, inInbox) = await CountsAsync([.. messages.Select(m => m.CaseId)]);
        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Select(o => o.AlreadyRouted), Is.EqualTo(new[] { false, true, false }));
            Assert.That((routes, events, inInbox), Is.EqualTo((3, 3, 3)));
        });
    }

    [Test]
    public async Task Gives_each_decision_its_own_deadlines_inbox_items_and_signals()
    {
        // Several routes in one batch: each route's rows must point at that route's generated key, not the last one's.
        var messages = await UnroutedCasesAsync(3);

        var outcomes = await Task.WhenAll(await Router.RouteTogetherAsync(messages));

        var ids = messages.Select(m => m.CaseId).ToArray();
        var (routes, deadlines, inbox, signals) = await App.WithDbAsync(async db => (
            await db.CaseRoutes.AsNoTracking().Where(r => ids.Contains(r.CaseId)).ToDictionaryAsync(r => r.CaseId, r => r.Id),
            await db.Deadlines.AsNoTracking().Where(d => ids.Contains(d.CaseId)).Select(d => new { d.CaseId, d.RouteId }).ToListAsync(),
            await db.InboxItems.AsNoTracking().Where(i => ids.Contains(i.CaseId)).Select(i => new { i.CaseId, i.RouteId }).ToListAsync(),
            await db.Signals.AsNoTracking().Where(s => ids.Contains(s.CaseId)).Select(s => new { s.CaseId, s.RouteId }).ToListAsync()));
        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Select(o => o.Route!.Id), Is.EqualTo(ids.Select(id => routes[id])), "the decisions carry their stored keys");
            Assert.That(routes.Values.Distinct().Count(), Is.EqualTo(3));
            Assert.That(deadlines.Select(d => d.CaseId).Distinct().Count(), Is.EqualTo(3), "every case has its deadline");
            Assert.That(inbox.Select(i => i.CaseId).Distinct().Count(), Is.EqualTo(3), "every case is in an inbox");
            Assert.That(deadlines.Concat(inbox).Concat(signals).Where(r => r.RouteId != routes[r.CaseId]), Is.Empty);
        });
    }

    [Test]
    public async Task Stores_the_case_as_it_was_decided()
    {
        var message = (await UnroutedCasesAsync(1))[0];
        var before = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == message.CaseId));

        var outcome = (await Task.WhenAll(await Router.RouteTogetherAsync([message])))[0];

        var stored = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == message.CaseId));
        Assert.Multiple(() =>
        {
            Assert.That(stored.Status, Is.EqualTo(CaseStatus.Routed));
            Assert.That(stored.RouteSequence, Is.EqualTo(1));
            Assert.That(stored.Recipient, Is.EqualTo(outcome.Route!.Recipient));
            Assert.That(stored.AcknowledgeBy, Is.EqualTo(outcome.Route.AcknowledgeBy).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(stored.RoutedAt, Is.EqualTo(outcome.DecidedAt).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(stored.SubmittedAt, Is.EqualTo(message.SubmittedAt).Within(TimeSpan.FromMilliseconds(1)), "columns the decision did not change are kept");
            Assert.That((stored.ReportedByOfficerId, stored.SealedSummary, stored.IdempotencyKey), Is.EqualTo((before.ReportedByOfficerId, before.SealedSummary, before.IdempotencyKey)),
                "decided from the message's facts, which carry no personal data: what the message does not carry is left as stored");
        });
    }

    [Test]
    public async Task A_case_routed_already_and_delivered_as_new_keeps_its_one_decision()
    {
        // A first delivery is decided from the message without reading the case; the unique route key
        // refuses the second decision, and the case is then read and found routed.
        var message = (await UnroutedCasesAsync(1))[0];
        var first = (await Task.WhenAll(await Router.RouteTogetherAsync([message])))[0];
        var routed = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == message.CaseId));

        var again = (await Task.WhenAll(await Router.RouteTogetherAsync([message])))[0];

        var (routes, events, inInbox) = await CountsAsync([message.CaseId]);
        var stored = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == message.CaseId));
        Assert.Multiple(() =>
        {
            Assert.That(first.AlreadyRouted, Is.False);
            Assert.That(again.AlreadyRouted, Is.True);
            Assert.That((routes, events, inInbox), Is.EqualTo((1, 1, 1)));
            Assert.That((stored.RouteSequence, stored.Recipient, stored.RoutedAt), Is.EqualTo((routed.RouteSequence, routed.Recipient, routed.RoutedAt)));
        });
    }

    [Test]
    public async Task Plans_whom_to_reach_in_the_same_transaction()
    {
        // To the socialjour, which always has someone on duty (its roster, or in Development the development roster).
        var @case = await ACase.Submitted().From(homeMunicipalityCode: null).WithUrgency(Urgency.Immediate).StoreUnannouncedAsync(App);

        await Task.WhenAll(await Router.RouteTogetherAsync([CaseLifecycle.Submitted(@case)]));

        // Committed with the decision: no broker hop between a routed case and the plan to reach someone.
        var planned = await App.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.CaseId == @case.Id).ToListAsync());
        Assert.That(planned.Select(n => (n.Step, n.Channel)).Distinct(), Is.EqualTo(new[] { ("routed:1", ContactChannel.Push) }));
    }

    [Test]
    public async Task Routes_every_case_of_many_arriving_at_once_sharing_transactions()
    {
        using var metrics = new MetricsCapture();
        var messages = await UnroutedCasesAsync(60);

        // Each call writes its own case if a writer's place is free, and otherwise waits for a writer
        // (or a drain started when one leaves) to take it: none may be left waiting for a next message.
        var outcomes = await Task.WhenAll(messages.Select(m => Task.Run(() => Router.RouteAsync(m, traceParent: null, firstDelivery: true))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        var (routes, _, _) = await CountsAsync([.. messages.Select(m => m.CaseId)]);
        var transactions = metrics.Of("rocrouting.routing.transaction_cases").Select(m => m.Value).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Select(o => o.AlreadyRouted), Is.All.False);
            Assert.That(routes, Is.EqualTo(60));
            Assert.That(transactions.Max(), Is.GreaterThan(1), "cases that arrived together shared a transaction");
        });
    }

    /// <summary>Cases stored as the intake stores them, without their CaseSubmitted being published (so the running worker leaves them alone).</summary>
    private async Task<CaseSubmitted[]> UnroutedCasesAsync(int count)
    {
        var announcements = new List<CaseSubmitted>();
        for (var i = 0; i < count; i++)
        {
            var @case = await ACase.Submitted().WithUrgency(Urgency.Immediate).StoreUnannouncedAsync(App);
            announcements.Add(CaseLifecycle.Submitted(@case));
        }
        return [.. announcements];
    }

    /// <summary>The cases' routes, their Routed timeline events, and the items in their recipients' inboxes.</summary>
    private Task<(int Routes, int RoutedEvents, int InInbox)> CountsAsync(Guid[] ids) =>
        App.WithDbAsync(async db => (
            await db.CaseRoutes.CountAsync(r => ids.Contains(r.CaseId)),
            await db.CaseEvents.CountAsync(e => ids.Contains(e.CaseId) && e.Kind == CaseEventKind.Routed),
            await db.InboxItems.CountAsync(i => ids.Contains(i.CaseId) && i.Kind == InboxItemKind.Case)));
}
