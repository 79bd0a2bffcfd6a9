using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Routing;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Escalation;

/// <summary>Deadlines against real servers, with a clock the test moves (Tyresö's office: weekdays 08:00-16:30).</summary>
public sealed class Nobody_acknowledges_a_case : ClockedAppTest
{
    [Test]
    public async Task At_a_municipality_it_is_renotified_then_rerouted_to_the_socialjour()
    {
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        var routed = await RoutedAsync(App, caseId);
        Assert.That(Recipient(routed), Is.EqualTo("home-municipality:0138"));

        Clock.Set(tuesday.AddHours(2).AddSeconds(1));
        var overdue = await UntilAsync(App, caseId, v => v.GetProperty("status").GetString() == "overdue", "the first miss");
        Assert.That(Timeline(overdue), Is.EqualTo(new[] { "submitted", "routed", "overdue", "renotified" }));

        Clock.Set(tuesday.AddHours(4).AddSeconds(2));
        var rerouted = await UntilAsync(App, caseId, v => Timeline(v).Contains("rerouted"), "the re-route");
        Assert.Multiple(() =>
        {
            Assert.That(Recipient(rerouted), Is.EqualTo("social-emergency-service:stockholm"));
            Assert.That(rerouted.GetProperty("route").GetProperty("ruleId").GetString(), Is.EqualTo("escalation-unacknowledged"));
            Assert.That(rerouted.GetProperty("route").GetProperty("signals")[0].GetProperty("municipalityCode").GetString(), Is.EqualTo("0138"));
            Assert.That(rerouted.GetProperty("status").GetString(), Is.EqualTo("routed"));
        });
    }

    [Test]
    public async Task The_socialjours_first_responders_are_to_be_reached_as_the_re_route_commits()
    {
        var caseId = await RerouteUnacknowledgedAsync();

        // Read as soon as the re-route is visible: planned in its transaction, not by a consumer of its message afterwards.
        var planned = await App.WithDbAsync(db => db.Notifications.AsNoTracking()
            .Where(n => n.CaseId == caseId && n.RouteSequence == 2)
            .Select(n => new { n.Step, n.Organisation })
            .Distinct()
            .ToListAsync());
        Assert.That(planned.Select(n => $"{n.Step} {n.Organisation}"), Is.EqualTo(new[] { "routed:2 social-emergency-service:stockholm" }));
    }

    [Test]
    public async Task At_a_municipality_whose_office_closes_first_it_is_rerouted_at_closing_time()
    {
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 15);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        Clock.Set(tuesday.AddMinutes(90)); // 16:30, before the 17:00 deadline
        var rerouted = await UntilAsync(App, caseId, v => Timeline(v).Contains("rerouted"), "the re-route at closing");
        Assert.Multiple(() =>
        {
            Assert.That(Recipient(rerouted), Is.EqualTo("social-emergency-service:stockholm"));
            Assert.That(rerouted.GetProperty("route").GetProperty("ruleId").GetString(), Is.EqualTo("escalation-office-closed"));
        });
    }

    [Test]
    public async Task At_the_socialjour_it_raises_an_operator_alert()
    {
        var at = Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, null, "immediate");
        await RoutedAsync(App, caseId);

        Clock.Set(at.AddMinutes(15).AddSeconds(1));
        await UntilAsync(App, caseId, v => v.GetProperty("status").GetString() == "overdue", "the first miss");
        Clock.Set(at.AddMinutes(30).AddSeconds(2));
        var escalated = await UntilAsync(App, caseId, v => v.GetProperty("escalated").GetBoolean(), "the escalation");
        var submission = Captured.Spans().Single(s => s.Source == "Microsoft.AspNetCore" && s.Tag("roc.case_id") == caseId.ToString());
        var deadlines = Captured.Spans().Where(s => s.Source == "RocRouting" && s.Name.StartsWith("deadline ", StringComparison.Ordinal)
            && s.Tag("roc.case_id") == caseId.ToString()).ToList();
        Assert.That(deadlines.Select(d => (d.Name, d.TraceId)), Is.SupersetOf(new[] { ("deadline first-miss", submission.TraceId), ("deadline escalate", submission.TraceId) }),
            "the deadlines continue the case's trace");

        var alerts = await App.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.MessageType == "RocRouting.Contracts.CaseEscalated"
            && EF.Functions.JsonContains(m.Payload, $"{{\"caseId\":\"{caseId}\"}}")));
        var alertLogged = Captured.Snapshot().Any(l => l.StartsWith("log Critical ", StringComparison.Ordinal)
            && l.Contains("OPERATOR ALERT", StringComparison.Ordinal) && l.Contains(caseId.ToString(), StringComparison.Ordinal));
        var audited = await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.CaseId == caseId && a.Action == AuditActions.CaseEscalate && a.Subject == "system:worker"));
        Assert.Multiple(() =>
        {
            Assert.That(Timeline(escalated), Is.EqualTo(new[] { "submitted", "routed", "overdue", "renotified", "escalated" }));
            Assert.That(alerts, Is.EqualTo(1));
            Assert.That(alertLogged, Is.True, "a critical log line names the case (by id only)");
            Assert.That(audited, Is.EqualTo(1), "on the audit trail");
        });
    }

    [Test]
    public async Task A_worker_restarted_between_deadline_and_action_still_acts()
    {
        var at = Clock.NextLocal(DayOfWeek.Saturday, 4);
        var caseId = await SubmitAsync(App, null, "immediate");
        await RoutedAsync(App, caseId);

        // The deadline passes while no worker runs; the next worker to start acts on it.
        await App.RestartWorkerAsync(() =>
        {
            Clock.Set(at.AddMinutes(16));
            return Task.CompletedTask;
        });
        var overdue = await UntilAsync(App, caseId, v => v.GetProperty("status").GetString() == "overdue", "the first miss after restart");
        Assert.That(Timeline(overdue).Count(k => k == "overdue"), Is.EqualTo(1));
    }

    [Test]
    public async Task With_two_workers_each_deadline_fires_once()
    {
        await using var second = new AsyncDisposableHost(await App.StartExtraWorkerAsync());
        var at = Clock.NextLocal(DayOfWeek.Sunday, 2);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await SubmitAsync(App, null, "immediate"));
        }
        foreach (var id in ids)
        {
            await RoutedAsync(App, id);
        }

        Clock.Set(at.AddMinutes(16));
        foreach (var id in ids)
        {
            await UntilAsync(App, id, v => v.GetProperty("status").GetString() == "overdue", "every case overdue");
        }
        var counts = await App.WithDbAsync(db => db.CaseEvents
            .Where(e => ids.Contains(e.CaseId) && (e.Kind == CaseEventKind.Overdue || e.Kind == CaseEventKind.Renotified))
            .GroupBy(e => new { e.CaseId, e.Kind }).Select(g => g.Count()).ToListAsync());
        var escalations = await App.WithDbAsync(db => db.Deadlines.CountAsync(d => ids.Contains(d.CaseId) && d.Kind == DeadlineKind.Escalate));
        Assert.Multiple(() =>
        {
            Assert.That(counts, Has.Count.EqualTo(ids.Count * 2));
            Assert.That(counts, Is.All.EqualTo(1));
            Assert.That(escalations, Is.EqualTo(ids.Count), "each first miss scheduled exactly one next step");
        });
    }

    private sealed class AsyncDisposableHost(Microsoft.Extensions.Hosting.IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
